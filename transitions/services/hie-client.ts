/**
 * The Kenyan HIE over HTTP: the short-lived token and the Client Registry Patient search. Everything the
 * HIE answers is interpreted by pure functions below, so the rules can be read and tested without a server.
 */
import type { AxiosInstance, AxiosResponse } from 'axios';
import { TransientError } from '../lib/errors';
import { Slots } from '../lib/slots';
import type { RegistryPatient } from '../types';
import { createHttp, send, transientStatus } from './http';
import { isFhirId } from '../lib/fhir-id';

export interface HieSettings {
  readonly url: string;
  readonly username: string;
  readonly password: string;
  readonly authKey: string;
  readonly timeoutMs: number;
  /** How long a token that is not a JWT is trusted; a JWT's own `exp` wins. */
  readonly tokenTtlMs: number;
  /** HIE requests in flight at once (CR look-ups and SHR POSTs together): the HIE's rate limit is on us all. */
  readonly concurrency: number;
  readonly insecureTls?: boolean;
}

/** What the `client_registry` transition needs from the HIE. */
export interface ClientRegistry {
  searchPatients(identifierType: string, identifierNumber: string): Promise<PatientSearch>;
}

/** How many Patients the CR holds for an identification, and those this answer carried. */
export interface PatientSearch {
  readonly matches: number;
  readonly patients: readonly RegistryPatient[];
}

/**
 * A token is renewed this long before it expires, so a request never leaves with a token about to die; a
 * token that lives less than four times as long is renewed when a quarter of its life is left instead, or
 * every request would fetch one.
 */
const TOKEN_MARGIN_MS = 2_000;

/** The auth endpoint answers with the bare token or with `{"token": "..."}`; accept both. */
export function parseToken(body: unknown): string | undefined {
  let value: unknown = body;
  if (typeof value === 'string') {
    const text = value.trim();
    if (text.startsWith('{') || text.startsWith('"')) {
      try {
        value = JSON.parse(text);
      } catch {
        return undefined;
      }
    } else {
      value = text;
    }
  }
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    value = record.token ?? record.access_token;
  }
  return typeof value === 'string' && value.trim() !== '' && !/\s/.test(value.trim()) ? value.trim() : undefined;
}

/** When the token expires: a JWT's `exp`, else `ttlMs` from now. */
export function tokenExpiry(token: string, now: number, ttlMs: number): number {
  const payload = token.split('.')[1];
  if (payload !== undefined) {
    try {
      const { exp } = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { exp?: unknown };
      if (typeof exp === 'number' && Number.isFinite(exp)) {
        return exp * 1000;
      }
    } catch {
      // Not a JWT: fall back to the configured lifetime.
    }
  }
  return now + ttlMs;
}

/**
 * An OperationOutcome saying nobody was found: as sent, or wrapped as `{message: {issue: [...]}}` by some HIE
 * gateways; an issue coded `not-found`, or whose diagnostics say so. Any other 404 may be a misrouted request.
 */
function saysNotFound(body: unknown): boolean {
  if (body === null || typeof body !== 'object') {
    return false;
  }
  const { issue, message } = body as { issue?: unknown; message?: unknown };
  if (!Array.isArray(issue)) {
    return saysNotFound(message);
  }
  return issue.some((item: unknown) => {
    const { code, diagnostics } = (item ?? {}) as { code?: unknown; diagnostics?: unknown };
    return code === 'not-found' || (typeof diagnostics === 'string' && /not found|no (patient|client|record|match)/i.test(diagnostics));
  });
}

const NOBODY: PatientSearch = { matches: 0, patients: [] };

/**
 * A search response -> the Patients found, or a TransientError. "Nobody" is a Bundle with no Patient entry
 * (and a total of 0, or none), or a 404 OperationOutcome that says so. Anything else that does not add up (a
 * bare 404 from a wrong URL, a total that is not a count, entries that are not a list) must not be recorded
 * as "no matches" or an ID on every client, so it is a failure like any other unexpected answer.
 */
export function interpretSearch(status: number, body: unknown): PatientSearch {
  if (status === 404 && saysNotFound(body)) {
    return NOBODY;
  }
  if (status !== 200 || body === null || typeof body !== 'object' || (body as { resourceType?: unknown }).resourceType !== 'Bundle') {
    throw new TransientError(`hie_unexpected_response_${status}`);
  }
  const bundle = body as { total?: unknown; entry?: unknown };
  const total = bundle.total ?? undefined;
  if ((total !== undefined && !(Number.isSafeInteger(total) && (total as number) >= 0)) || (bundle.entry !== undefined && !Array.isArray(bundle.entry))) {
    throw new TransientError('hie_unexpected_response_bundle');
  }
  const entries: unknown[] = Array.isArray(bundle.entry) ? bundle.entry : [];
  // A searchset may also carry an OperationOutcome (search mode "outcome"): only Patients count, and each
  // must be whole, or the answer cannot be trusted.
  const resources = entries.map((entry) => (entry as { resource?: unknown } | null)?.resource);
  const patientResources = resources.filter((resource) => (resource as { resourceType?: unknown } | undefined)?.resourceType === 'Patient');
  const patients = patientResources.filter(isPatient);
  if (patients.length !== patientResources.length) {
    throw new TransientError('hie_unexpected_response_entry');
  }
  // A paged answer carries fewer entries than `total`: the count is what decides "multiple matches".
  const matches = Math.max((total as number | undefined) ?? 0, patients.length);
  if (patients.length === 0 && matches > 0) {
    throw new TransientError('hie_unexpected_response_bundle');
  }
  return matches === 0 ? NOBODY : { matches, patients };
}

function isPatient(resource: unknown): resource is RegistryPatient {
  const record = resource as Record<string, unknown>;
  return record.resourceType === 'Patient' && isFhirId(record.id);
}

/**
 * HIE tokens live about 20 seconds (some vendors say one call). A token is fetched only when a request needs
 * one, reused until shortly before it expires, and at most one fetch is ever in flight: no timer loop.
 */
export class HieTokenSource {
  private current: { token: string; renewAt: number } | undefined;
  private inFlight: Promise<string> | undefined;

  constructor(
    private readonly http: AxiosInstance,
    private readonly settings: HieSettings,
    private readonly now: () => number = Date.now,
  ) {}

  async token(): Promise<string> {
    if (this.current && this.now() < this.current.renewAt) {
      return this.current.token;
    }
    this.inFlight ??= this.fetch().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  /** The HIE refused `token`: forget it, unless a newer one has already replaced it. */
  invalidate(token: string): void {
    if (this.current?.token === token) {
      this.current = undefined;
    }
  }

  private async fetch(): Promise<string> {
    const response = await send('hie_auth', () =>
      this.http.get('/v1/hie-auth', {
        params: { key: this.settings.authKey },
        auth: { username: this.settings.username, password: this.settings.password },
        responseType: 'text',
      }),
    );
    const failure = transientStatus('hie_auth', response);
    if (failure) {
      throw failure;
    }
    if (response.status !== 200) {
      throw new TransientError(`hie_auth_refused_${response.status}`);
    }
    const token = parseToken(response.data);
    if (token === undefined) {
      throw new TransientError('hie_auth_unreadable_token');
    }
    const now = this.now();
    const expiresAt = tokenExpiry(token, now, this.settings.tokenTtlMs);
    this.current = { token, renewAt: expiresAt - Math.min(TOKEN_MARGIN_MS, (expiresAt - now) / 4) };
    return token;
  }
}

/** What every HIE request shares: one token source, one cap on requests in flight. */
export interface HieAccess {
  readonly tokens: HieTokenSource;
  readonly slots: Slots;
}

/**
 * Sends a request with the HIE's Bearer token, within the cap on requests in flight. A refused token is renewed
 * once (it may have expired in flight or been good for a single call); 429, 5xx and network failures are
 * TransientErrors named after `service`.
 */
export async function withBearer<T>(access: HieAccess, service: string, request: (token: string) => Promise<AxiosResponse<T>>): Promise<AxiosResponse<T>> {
  return access.slots.use(() => authorized(access.tokens, service, request));
}

async function authorized<T>(tokens: HieTokenSource, service: string, request: (token: string) => Promise<AxiosResponse<T>>): Promise<AxiosResponse<T>> {
  for (let attempt = 1; ; attempt += 1) {
    const token = await tokens.token();
    const response = await send(service, () => request(token));
    const failure = transientStatus(service, response);
    if (failure) {
      throw failure;
    }
    if (response.status !== 401 && response.status !== 403) {
      return response;
    }
    tokens.invalidate(token);
    if (attempt >= 2) {
      throw new TransientError(`${service}_unauthorized`);
    }
  }
}

export class HieClient implements ClientRegistry, HieAccess {
  readonly tokens: HieTokenSource;
  readonly slots: Slots;

  constructor(
    settings: HieSettings,
    private readonly http: AxiosInstance = createHttp({
      baseURL: settings.url,
      timeoutMs: settings.timeoutMs,
      ...(settings.insecureTls ? { insecureTls: true } : {}),
    }),
    now: () => number = Date.now,
  ) {
    this.tokens = new HieTokenSource(this.http, settings, now);
    this.slots = new Slots(settings.concurrency);
  }

  async searchPatients(identifierType: string, identifierNumber: string): Promise<PatientSearch> {
    const response = await withBearer(this, 'hie_search', (token) =>
      this.http.get('/v1/fhir/Patient', {
        params: { identifierType, identifierNumber },
        headers: { Authorization: `Bearer ${token}`, Accept: 'application/fhir+json, application/json' },
      }),
    );
    return interpretSearch(response.status, response.data);
  }
}
