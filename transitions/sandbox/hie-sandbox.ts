/**
 * A local stand-in for the Kenyan HIE Client Registry, for the demo and the tests, never a default target of
 * `run`. It behaves as the facts file describes the real one: a Basic-auth token endpoint that answers with a
 * bare token or with `{token}` (alternately), 20-second JWTs, 401 on a missing, wrong or expired token, and
 * "not found" as either an empty Bundle or a 404 OperationOutcome (plain or wrapped), chosen per number.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import express, { type NextFunction, type Request, type Response } from 'express';

export interface SandboxOptions {
  /** FHIR Patient resources, each with `identifier[].type.coding[0].code` and `value`. */
  readonly patients: readonly unknown[];
  readonly username: string;
  readonly password: string;
  readonly authKey: string;
  readonly tokenTtlS: number;
  /** Added to every Patient search, to stand for a real CR's response time. */
  readonly latencyMs: number;
}

export interface SandboxStats {
  tokensIssued: number;
  searches: number;
  /** Searches per identifier number: lets tests prove a contact was not looked up twice. */
  searchesByNumber: Record<string, number>;
}

export interface RunningSandbox {
  readonly url: string;
  stats(): SandboxStats;
  close(): Promise<void>;
}

export const SANDBOX_DEFAULTS = { username: 'sandbox', password: 'sandbox', authKey: 'echis', tokenTtlS: 20, latencyMs: 0 } as const;

/** "National ID", "national_id", "birth-certificate-number" -> the CR's identifier type codes ("national-id"). */
export function identifierTypeCode(identifierType: string): string {
  return identifierType.trim().toLowerCase().replace(/[\s_]+/g, '-').replace(/-number$/, '');
}

interface IndexedPatient {
  readonly id: string;
  readonly resource: unknown;
}

function indexPatients(patients: readonly unknown[]): Map<string, IndexedPatient[]> {
  const index = new Map<string, IndexedPatient[]>();
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

  issue(subject: string): string {
    const encode = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');
    const now = Math.floor(Date.now() / 1000);
    const unsigned = `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode({ sub: subject, iat: now, exp: now + this.ttlS, jti: randomBytes(6).toString('hex') })}`;
    return `${unsigned}.${this.sign(unsigned)}`;
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

function createSandboxApp(options: SandboxOptions, stats: SandboxStats): express.Express {
  const index = indexPatients(options.patients);
  const tokens = new Tokens(options.tokenTtlS);
  const app = express();
  app.disable('x-powered-by');

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
    const [scheme, token] = (req.headers.authorization ?? '').split(' ');
    if (scheme !== 'Bearer' || !token || !tokens.valid(token)) {
      res.status(401).json(outcome('login', 'invalid or expired token'));
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
  app.get('/v1/fhir/Patient', (req: Request, res: Response, next: NextFunction) => {
    searchPatients(req, res).catch(next);
  });

  app.get('/_sandbox/stats', (_req: Request, res: Response) => {
    res.json(stats);
  });

  return app;
}

export async function startSandbox(options: SandboxOptions, port = 0): Promise<RunningSandbox> {
  const stats: SandboxStats = { tokensIssued: 0, searches: 0, searchesByNumber: {} };
  const app = createSandboxApp(options, stats);
  const server = await new Promise<import('node:http').Server>((resolve, reject) => {
    const listening = app.listen(port, '127.0.0.1', () => resolve(listening)).on('error', reject);
  });
  const { port: actualPort } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${actualPort}`,
    stats: () => stats,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
