/**
 * A local stand-in for the Kenyan HIE (Client Registry and Shared Health Record), for the demo and the tests,
 * never a default target of `run`. It behaves as the facts file describes the real one: a Basic-auth token
 * endpoint that answers with a bare token or with `{token}` (alternately), 20-second JWTs, 401 on a missing,
 * wrong or expired token, and "not found" as either an empty Bundle or a 404 OperationOutcome (plain or
 * wrapped), chosen per number. ServiceRequests are taken only as `application/fhir+json` with a token, are
 * validated, and are created at most once per identifier when the POST is a conditional create.
 */
import { createHash, createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import express, { type NextFunction, type Request, type Response } from 'express';
import { problemOf } from '../lib/service-request';

export interface SandboxOptions {
  /** FHIR Patient resources, each with `identifier[].type.coding[0].code` and `value`. */
  readonly patients: readonly unknown[];
  readonly username: string;
  readonly password: string;
  readonly authKey: string;
  readonly tokenTtlS: number;
  /** Added to every Patient search and ServiceRequest POST, to stand for a real HIE's response time. */
  readonly latencyMs: number;
  /** The HIE's rate limit: searches and POSTs in flight above this many are answered 429 (0: no limit). */
  readonly maxInFlight: number;
  /** What goes wrong, for the fault tests: none by default. */
  readonly faults?: SandboxFaults;
}

/**
 * Faults of a real HIE, on a fixed rhythm so a test can rely on them: "every N" counts the requests to the
 * token, search and ServiceRequest endpoints together (the first is number 1). One request gets one fault, the
 * first in this order: fail, rate limit, drop, slow.
 */
export interface SandboxFaults {
  /** Answered 503. */
  readonly failEvery?: number;
  /** Answered 429 with `Retry-After: retryAfterS`. */
  readonly rateLimitEvery?: number;
  readonly retryAfterS?: number;
  /** The connection is destroyed with no answer. */
  readonly dropEvery?: number;
  /** Held `slowMs` before it is handled as usual: a ServiceRequest is stored even when the client gave up. */
  readonly slowEvery?: number;
  readonly slowMs?: number;
  /** Every Nth request carrying a valid token is refused with 401, as if the token had died early. */
  readonly refuseTokenEvery?: number;
  /** The first N ServiceRequest POSTs are answered 503: the SHR down while the CR answers. */
  readonly failServiceRequests?: number;
}

export interface SandboxStats {
  tokensIssued: number;
  searches: number;
  /** Searches per identifier number: lets tests prove a contact was not looked up twice. */
  searchesByNumber: Record<string, number>;
  /** ServiceRequest POSTs, and those refused as invalid (the worker must never send one). */
  serviceRequestPosts: number;
  serviceRequestsInvalid: number;
  /** Requests answered 429 because `maxInFlight` were already in flight. */
  rateLimited: number;
}

/** A ServiceRequest as stored, with the id the sandbox gave it. */
export interface StoredServiceRequest {
  readonly id: string;
  readonly resourceType: 'ServiceRequest';
  readonly identifier?: readonly { readonly system?: string; readonly value?: string }[];
  readonly status?: string;
  readonly performer?: readonly { readonly identifier?: { readonly value?: string } }[];
  readonly [field: string]: unknown;
}

export interface RunningSandbox {
  readonly url: string;
  stats(): SandboxStats;
  /** Every token issued, so a test can prove none of them reached a log. */
  issuedTokens(): readonly string[];
  /** The CR comes to know more people (registered at a facility since): what the re-try sweep is for. */
  register(patients: readonly unknown[]): void;
  /** Replaces the faults in force; their counts start again from this moment. */
  setFaults(faults: SandboxFaults): void;
  /** Every ServiceRequest the sandbox holds, in the order they were created. */
  serviceRequests(): readonly StoredServiceRequest[];
  close(): Promise<void>;
}

/** Where the SHR takes ServiceRequests (the default of SHR_SERVICE_REQUEST_PATH). */
export const SERVICE_REQUEST_PATH = '/fhir/R4/ServiceRequest';

export const SANDBOX_DEFAULTS = { username: 'sandbox', password: 'sandbox', authKey: 'echis', tokenTtlS: 20, latencyMs: 0, maxInFlight: 0 } as const;

/** "National ID", "national_id", "birth-certificate-number" -> the CR's identifier type codes ("national-id"). */
export function identifierTypeCode(identifierType: string): string {
  return identifierType.trim().toLowerCase().replace(/[\s_]+/g, '-').replace(/-number$/, '');
}

interface IndexedPatient {
  readonly id: string;
  readonly resource: unknown;
}

function indexPatients(patients: readonly unknown[], index = new Map<string, IndexedPatient[]>()): Map<string, IndexedPatient[]> {
  for (const resource of patients) {
    const patient = resource as { id?: string; identifier?: Array<{ type?: { coding?: Array<{ code?: string }> }; value?: string }> };
    for (const identifier of patient.identifier ?? []) {
      const code = identifier.type?.coding?.[0]?.code;
      if (typeof patient.id === 'string' && code && identifier.value) {
        const key = `${code}|${identifier.value.toUpperCase()}`;
        index.set(key, [...(index.get(key) ?? []), { id: patient.id, resource }]);
      }
    }
  }
  return index;
}

function outcome(code: string, diagnostics: string): object {
  return { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code, diagnostics }] };
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

class Tokens {
  private readonly secret = randomBytes(32);
  constructor(private readonly ttlS: number) {}

  readonly issued: string[] = [];

  issue(subject: string): string {
    const encode = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');
    // Not rounded: a lifetime of 1.5 s is one of the faults tested, and a JWT's NumericDate may be fractional.
    const now = Date.now() / 1000;
    const unsigned = `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode({ sub: subject, iat: Math.floor(now), exp: now + this.ttlS, jti: randomBytes(6).toString('hex') })}`;
    const token = `${unsigned}.${this.sign(unsigned)}`;
    this.issued.push(token);
    return token;
  }

  valid(token: string): boolean {
    const [header, payload, signature] = token.split('.');
    if (!header || !payload || !signature || !sameText(signature, this.sign(`${header}.${payload}`))) {
      return false;
    }
    try {
      const { exp } = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { exp?: unknown };
      return typeof exp === 'number' && exp * 1000 > Date.now();
    } catch {
      return false;
    }
  }

  private sign(unsigned: string): string {
    return createHmac('sha256', this.secret).update(unsigned).digest('base64url');
  }
}

/** Which of the three "not found" answers a number gets: stable per number, so tests can rely on it. */
function notFoundForm(identifierNumber: string): 0 | 1 | 2 {
  return (createHash('sha256').update(identifierNumber).digest().readUInt8(0) % 3) as 0 | 1 | 2;
}

/** `identifier=system|value` (FHIR token search syntax, parts escaped) -> system and value. */
function tokenSearch(text: string): { system: string; value: string } | undefined {
  const match = /^identifier=([^|&]*)\|([^&]+)$/.exec(text);
  return match ? { system: decodeURIComponent(match[1] ?? ''), value: decodeURIComponent(match[2] ?? '') } : undefined;
}

function hasIdentifier(request: StoredServiceRequest, system: string, value: string): boolean {
  return (request.identifier ?? []).some((id) => id.system === system && id.value === value);
}

/** True for the `every`th request: `every` undefined or 0 means never. */
function due(count: number, every: number | undefined): boolean {
  return every !== undefined && every > 0 && count % every === 0;
}

/** The faults in force and what they count. */
class FaultState {
  requests = 0;
  tokenUses = 0;
  serviceRequestPosts = 0;

  constructor(public faults: SandboxFaults) {}

  set(faults: SandboxFaults): void {
    this.faults = faults;
    this.requests = 0;
    this.tokenUses = 0;
    this.serviceRequestPosts = 0;
  }
}

/** The faults of `SandboxFaults`, in front of the HIE's endpoints. */
function injectFaults(state: FaultState): express.RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const { faults } = state;
    const requests = (state.requests += 1);
    const serviceRequestPost = req.method === 'POST' && req.originalUrl.startsWith(SERVICE_REQUEST_PATH);
    state.serviceRequestPosts += serviceRequestPost ? 1 : 0;
    if (due(requests, faults.failEvery) || (serviceRequestPost && state.serviceRequestPosts <= (faults.failServiceRequests ?? 0))) {
      res.status(503).json(outcome('transient', 'service unavailable'));
    } else if (due(requests, faults.rateLimitEvery)) {
      res.status(429).set('Retry-After', String(faults.retryAfterS ?? 1)).json(outcome('throttled', 'too many requests'));
    } else if (due(requests, faults.dropEvery)) {
      req.socket.destroy();
    } else if (due(requests, faults.slowEvery)) {
      setTimeout(next, faults.slowMs ?? 0);
    } else {
      next();
    }
  };
}

function createSandboxApp(
  options: SandboxOptions,
  stats: SandboxStats,
  serviceRequests: StoredServiceRequest[],
  tokens: Tokens,
  index: Map<string, IndexedPatient[]>,
  faults: FaultState,
): express.Express {
  const app = express();
  app.disable('x-powered-by');
  // The body is read before any fault holds the request: a slow answer still stores what it was sent.
  app.use(express.json({ type: () => true, limit: '1mb' }));
  app.use(['/v1', '/fhir'], injectFaults(faults));

  let inFlight = 0;
  /** Runs an HIE request within the rate limit, else answers 429 as a throttling HIE does. */
  const limited =
    (handle: (req: Request, res: Response) => Promise<void>) =>
    (req: Request, res: Response, next: NextFunction): void => {
      if (options.maxInFlight > 0 && inFlight >= options.maxInFlight) {
        stats.rateLimited += 1;
        res.status(429).set('Retry-After', '1').json(outcome('throttled', 'too many requests'));
        return;
      }
      inFlight += 1;
      handle(req, res)
        .catch(next)
        .finally(() => (inFlight -= 1));
    };

  /** True when the request carries a valid Bearer token (and is not picked to be refused); else answers 401. */
  const authorized = (req: Request, res: Response): boolean => {
    const [scheme, token] = (req.headers.authorization ?? '').split(' ');
    const valid = scheme === 'Bearer' && token !== undefined && token !== '' && tokens.valid(token);
    faults.tokenUses += valid ? 1 : 0;
    if (!valid || due(faults.tokenUses, faults.faults.refuseTokenEvery)) {
      res.status(401).json(outcome('login', 'invalid or expired token'));
      return false;
    }
    return true;
  };

  app.get('/v1/hie-auth', (req: Request, res: Response) => {
    const [scheme, encoded] = (req.headers.authorization ?? '').split(' ');
    // Basic credentials are "user:password": the password may itself hold colons.
    const credentials = Buffer.from(encoded ?? '', 'base64').toString('utf8');
    const colon = credentials.indexOf(':');
    const accepted =
      scheme === 'Basic' &&
      colon >= 0 &&
      sameText(credentials.slice(0, colon), options.username) &&
      sameText(credentials.slice(colon + 1), options.password) &&
      req.query.key === options.authKey;
    if (!accepted) {
      res.status(401).json(outcome('security', 'invalid credentials or key'));
      return;
    }
    stats.tokensIssued += 1;
    const token = tokens.issue(options.username);
    if (stats.tokensIssued % 2 === 0) {
      res.type('text/plain').send(token);
    } else {
      res.json({ token });
    }
  });

  const searchPatients = async (req: Request, res: Response): Promise<void> => {
    if (!authorized(req, res)) {
      return;
    }
    const { identifierType, identifierNumber } = req.query;
    if (typeof identifierType !== 'string' || typeof identifierNumber !== 'string' || identifierNumber === '') {
      res.status(400).json(outcome('required', 'identifierType and identifierNumber are required'));
      return;
    }
    stats.searches += 1;
    stats.searchesByNumber[identifierNumber] = (stats.searchesByNumber[identifierNumber] ?? 0) + 1;
    if (options.latencyMs > 0) {
      await delay(options.latencyMs);
    }
    const found = index.get(`${identifierTypeCode(identifierType)}|${identifierNumber.toUpperCase()}`) ?? [];
    if (found.length === 0) {
      const form = notFoundForm(identifierNumber);
      if (form === 0) {
        res.type('application/fhir+json').json({ resourceType: 'Bundle', type: 'searchset', total: 0 });
      } else {
        const body = outcome('not-found', 'No patient found matching the identifier');
        res.status(404).json(form === 1 ? body : { message: body });
      }
      return;
    }
    res.type('application/fhir+json').json({
      resourceType: 'Bundle',
      type: 'searchset',
      total: found.length,
      entry: found.map((patient) => ({ fullUrl: `Patient/${patient.id}`, resource: patient.resource, search: { mode: 'match' } })),
    });
  };
  app.get('/v1/fhir/Patient', limited(searchPatients));

  // The SHR: a conditional create (`If-None-Exist: identifier=system|value`) returns the ServiceRequest already
  // made for that identifier (200) instead of a second one; several make it ambiguous (412).
  const createServiceRequest = async (req: Request, res: Response): Promise<void> => {
    if (!authorized(req, res)) {
      return;
    }
    if (!req.is('application/fhir+json')) {
      res.status(415).json(outcome('not-supported', 'Content-Type must be application/fhir+json'));
      return;
    }
    stats.serviceRequestPosts += 1;
    // The wait comes before the store: a client that gives up meanwhile leaves a stored ServiceRequest behind,
    // as a real server does, and must find it again with its conditional create.
    if (options.latencyMs > 0) {
      await delay(options.latencyMs);
    }
    const problem = problemOf(req.body);
    if (problem !== undefined) {
      stats.serviceRequestsInvalid += 1;
      res.status(400).json(outcome('invalid', problem));
      return;
    }
    const condition = req.headers['if-none-exist'];
    if (typeof condition === 'string') {
      const search = tokenSearch(condition);
      if (search === undefined) {
        res.status(400).json(outcome('invalid', 'If-None-Exist must be identifier=system|value'));
        return;
      }
      const existing = serviceRequests.filter((request) => hasIdentifier(request, search.system, search.value));
      if (existing.length > 1) {
        res.status(412).json(outcome('duplicate', 'more than one ServiceRequest matches If-None-Exist'));
        return;
      }
      if (existing[0] !== undefined) {
        res.status(200).type('application/fhir+json').json(existing[0]);
        return;
      }
    }
    const stored: StoredServiceRequest = { ...(req.body as StoredServiceRequest), id: randomUUID(), meta: { versionId: '1', lastUpdated: new Date().toISOString() } };
    serviceRequests.push(stored);
    res.status(201).location(`${SERVICE_REQUEST_PATH}/${stored.id}/_history/1`).type('application/fhir+json').json(stored);
  };
  app.post(SERVICE_REQUEST_PATH, limited(createServiceRequest));

  // What a facility's system (KenyaEMR) asks: `?status=active&performer:identifier=<KMHFL code>`.
  app.get(SERVICE_REQUEST_PATH, (req: Request, res: Response) => {
    if (!authorized(req, res)) {
      return;
    }
    const { status } = req.query;
    const performer = req.query['performer:identifier'];
    const found = serviceRequests.filter(
      (request) =>
        (typeof status !== 'string' || request.status === status) &&
        (typeof performer !== 'string' || (request.performer ?? []).some((p) => p.identifier?.value === performer)),
    );
    res.type('application/fhir+json').json({ resourceType: 'Bundle', type: 'searchset', total: found.length, entry: found.map((resource) => ({ resource })) });
  });

  app.get('/_sandbox/stats', (_req: Request, res: Response) => {
    res.json(stats);
  });

  return app;
}

export async function startSandbox(options: SandboxOptions, port = 0): Promise<RunningSandbox> {
  const stats: SandboxStats = { tokensIssued: 0, searches: 0, searchesByNumber: {}, serviceRequestPosts: 0, serviceRequestsInvalid: 0, rateLimited: 0 };
  const serviceRequests: StoredServiceRequest[] = [];
  const tokens = new Tokens(options.tokenTtlS);
  const index = indexPatients(options.patients);
  const faults = new FaultState(options.faults ?? {});
  const app = createSandboxApp(options, stats, serviceRequests, tokens, index, faults);
  const server = await new Promise<import('node:http').Server>((resolve, reject) => {
    const listening = app.listen(port, '127.0.0.1', () => resolve(listening)).on('error', reject);
  });
  const { port: actualPort } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${actualPort}`,
    stats: () => stats,
    issuedTokens: () => tokens.issued,
    setFaults: (set) => {
      faults.set(set);
    },
    register: (patients) => {
      indexPatients(patients, index);
    },
    serviceRequests: () => serviceRequests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
