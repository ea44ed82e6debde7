/**
 * Settings from the environment, checked once at start: a missing or malformed one is a ConfigError whose
 * message the CLI prints as one line (exit code 2). Secrets may come from a file named by `<NAME>_FILE`
 * (Docker and Kubernetes secrets), never from the command line.
 */
import { readFileSync } from 'node:fs';
import { DEFAULT_IDENTIFIER_TYPES, type IdentifierTypeMap } from './lib/identification';
import { ConfigError } from './lib/errors';
import { LOG_LEVELS, type LogLevel } from './logger';
import type { ClientRegistrySettings } from './client-registry';
import { DEFAULT_REFERRAL_CODES_FILE, loadReferralCodes } from './lib/referral-codes';
import type { ReferralSettings } from './referral-service-request';
import type { HieSettings } from './services/hie-client';
import type { ShrSettings } from './services/shr-client';
import { splitCredentials } from './services/http';
import type { BackoffSettings } from './worker/backoff';
import type { WorkerSettings } from './worker/worker';

export interface ChtSettings {
  /** Server URL without credentials: safe to print. */
  readonly url: string;
  readonly auth?: { readonly username: string; readonly password: string };
  readonly db: string;
  readonly stateDb: string;
  readonly timeoutMs: number;
}

export interface Config {
  readonly cht: ChtSettings;
  readonly hie: HieSettings;
  readonly shr: ShrSettings;
  readonly clientRegistry: ClientRegistrySettings;
  readonly referrals: ReferralSettings;
  readonly worker: WorkerSettings;
  readonly logLevel: LogLevel;
}

export type Env = Readonly<Record<string, string | undefined>>;

export function optional(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === '' ? undefined : value;
}

function required(env: Env, name: string, hint: string): string {
  const value = optional(env, name);
  if (value === undefined) {
    throw new ConfigError(`${name} is not set: ${hint}`);
  }
  return value;
}

/** `NAME`, or the contents of the file named by `NAME_FILE`, or undefined when neither is set. */
export function optionalSecret(env: Env, name: string): string | undefined {
  const file = optional(env, `${name}_FILE`);
  if (file === undefined) {
    return optional(env, name);
  }
  if (optional(env, name) !== undefined) {
    throw new ConfigError(`${name} and ${name}_FILE are both set: set one`);
  }
  let value: string;
  try {
    value = readFileSync(file, 'utf8').trim();
  } catch {
    throw new ConfigError(`${name}_FILE names a file that cannot be read`);
  }
  if (value === '') {
    throw new ConfigError(`${name}_FILE names an empty file`);
  }
  return value;
}

export function secret(env: Env, name: string, hint: string): string {
  const value = optionalSecret(env, name);
  if (value === undefined) {
    throw new ConfigError(`${name} is not set: ${hint} (or ${name}_FILE)`);
  }
  return value;
}

/** The longest wait a Node.js timer takes (about 24.8 days); a longer one fires at once. */
const MAX_TIMER_MS = 2_147_483_647;

export function integer(env: Env, name: string, fallback: number, min: number, max = MAX_TIMER_MS): number {
  const text = optional(env, name);
  if (text === undefined) {
    return fallback;
  }
  const value = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!(value >= min && value <= max)) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, got "${text}"`);
  }
  return value;
}

const DAY_MS = 86_400_000;
const UNIT_MS: Readonly<Record<string, number>> = { d: DAY_MS, h: 3_600_000, m: 60_000, s: 1_000 };

/** `7d`, `12h`, `30m`, `90s`; `0` or `off` for never. Up to ten years: it is compared with clocks, not a timer. */
export function sweepInterval(env: Env): number {
  const text = (optional(env, 'SWEEP_INTERVAL') ?? '7d').toLowerCase();
  if (text === '0' || text === 'off') {
    return 0;
  }
  const match = /^(\d{1,6})([dhms])$/.exec(text);
  const ms = match ? Number(match[1]) * (UNIT_MS[match[2] ?? ''] ?? Number.NaN) : Number.NaN;
  if (!(ms >= 1_000 && ms <= 3650 * DAY_MS)) {
    throw new ConfigError(`SWEEP_INTERVAL must be a duration such as 7d, 12h, 30m or 90s (up to 3650d), or 0/off, got "${text}"`);
  }
  return ms;
}

function flag(env: Env, name: string): boolean {
  const text = optional(env, name) ?? 'false';
  if (text !== 'true' && text !== 'false') {
    throw new ConfigError(`${name} must be true or false`);
  }
  return text === 'true';
}

export function httpUrl(name: string, text: string): { url: string; auth?: { username: string; password: string } } {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ConfigError(`${name} is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(`${name} must be an http or https URL`);
  }
  if (text.includes('?') || text.includes('#')) {
    throw new ConfigError(`${name} must not have a query or a fragment`);
  }
  try {
    return splitCredentials(url.toString());
  } catch {
    throw new ConfigError(`${name} has a malformed user name or password (percent-encode special characters)`);
  }
}

/** A URL that must carry no credentials: the HIE's come from HIE_USERNAME and HIE_PASSWORD, and an identifier system is public. */
function urlWithoutCredentials(name: string, text: string): string {
  const { url, auth } = httpUrl(name, text);
  if (auth !== undefined) {
    throw new ConfigError(`${name} must not carry a user name or password`);
  }
  return url;
}

function identifierTypes(env: Env): IdentifierTypeMap {
  const text = optional(env, 'CR_IDENTIFIER_TYPES');
  if (text === undefined) {
    return DEFAULT_IDENTIFIER_TYPES;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ConfigError('CR_IDENTIFIER_TYPES must be a JSON object, e.g. {"national_id":"National ID"}');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed) || Object.values(parsed).some((v) => typeof v !== 'string' || v.trim() === '')) {
    throw new ConfigError('CR_IDENTIFIER_TYPES must map CHT identification types to non-empty CR identifierType strings');
  }
  const overrides = Object.fromEntries(Object.entries(parsed as Record<string, string>).map(([k, v]) => [k.trim().toLowerCase(), v.trim()]));
  return { ...DEFAULT_IDENTIFIER_TYPES, ...overrides };
}

/** An identifier system: a URL, or omitted from the ServiceRequest when not set. */
function optionalSystem(env: Env, name: string): string | undefined {
  const text = optional(env, name);
  if (text !== undefined && !/^(https?|urn):\S+$/.test(text)) {
    throw new ConfigError(`${name} must be a URL or URN`);
  }
  return text;
}

function timeZone(env: Env): string {
  const zone = optional(env, 'REFERRAL_TIME_ZONE') ?? 'Africa/Nairobi';
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
  } catch {
    throw new ConfigError('REFERRAL_TIME_ZONE must be an IANA time zone, e.g. Africa/Nairobi');
  }
  return zone;
}

function referrals(env: Env, chtUrl: string): ReferralSettings {
  const forms = (optional(env, 'REFERRAL_FORMS') ?? 'referral').split(',').map((f) => f.trim()).filter((f) => f !== '');
  if (forms.length === 0) {
    throw new ConfigError('REFERRAL_FORMS must name at least one form');
  }
  return {
    forms,
    contactTypes: contactTypes(env),
    instanceUrl: urlWithoutCredentials('CHT_INSTANCE_URL', optional(env, 'CHT_INSTANCE_URL') ?? new URL(chtUrl).origin),
    crIdSystem: optionalSystem(env, 'CR_ID_SYSTEM'),
    facilitySystem: optionalSystem(env, 'FACILITY_ID_SYSTEM'),
    chuSystem: optionalSystem(env, 'CHU_ID_SYSTEM'),
    timeZone: timeZone(env),
    codes: loadReferralCodes(optional(env, 'REFERRAL_CODES_FILE') ?? DEFAULT_REFERRAL_CODES_FILE),
  };
}

function servicePath(env: Env): string {
  const text = optional(env, 'SHR_SERVICE_REQUEST_PATH') ?? '/fhir/R4/ServiceRequest';
  if (!/^\/[^?#\s]*$/.test(text)) {
    throw new ConfigError('SHR_SERVICE_REQUEST_PATH must be a path starting with /, e.g. /fhir/R4/ServiceRequest');
  }
  return text;
}

export function logLevel(env: Env): LogLevel {
  const level = optional(env, 'LOG_LEVEL') ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(level)) {
    throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);
  }
  return level as LogLevel;
}

/** The databases and timeout every CHT instance shares: `CHT_DB`, `STATE_DB`, `CHT_TIMEOUT_MS`. */
export function chtDatabases(env: Env): Omit<ChtSettings, 'url' | 'auth'> {
  const db = optional(env, 'CHT_DB') ?? 'medic';
  const stateDb = optional(env, 'STATE_DB') ?? 'medic-echis-hie';
  if (stateDb === db) {
    throw new ConfigError('STATE_DB must not be the CHT database itself');
  }
  return { db, stateDb, timeoutMs: integer(env, 'CHT_TIMEOUT_MS', 30_000, 1) };
}

/** The one CHT instance `CHT_URL` names. */
export function chtSettings(env: Env): ChtSettings {
  const cht = httpUrl('CHT_URL', secret(env, 'CHT_URL', 'the CHT server URL with credentials, e.g. https://user:pass@county.echis.go.ke'));
  return { ...cht, ...chtDatabases(env) };
}

export function contactTypes(env: Env): readonly string[] {
  const types = (optional(env, 'CR_CONTACT_TYPES') ?? 'f_client').split(',').map((t) => t.trim()).filter((t) => t !== '');
  if (types.length === 0) {
    throw new ConfigError('CR_CONTACT_TYPES must name at least one contact type');
  }
  return types;
}

/** Backoff of transient failures, and the attempts a bounded run (`--once`, `report`) gives each. */
export function retrySettings(env: Env): { readonly retry: BackoffSettings; readonly maxAttempts: number } {
  const retry = { baseMs: integer(env, 'RETRY_BASE_MS', 1_000, 1), maxMs: integer(env, 'RETRY_MAX_MS', 300_000, 1) };
  if (retry.baseMs > retry.maxMs) {
    throw new ConfigError('RETRY_BASE_MS must not be above RETRY_MAX_MS');
  }
  return { retry, maxAttempts: integer(env, 'RETRY_ATTEMPTS_ONCE', 5, 1, 1000) };
}

/** `cht` is the instance the worker runs for: by default the one of `CHT_URL` (see `deployment.ts` for many). */
export function loadConfig(env: Env, cht: ChtSettings = chtSettings(env)): Config {
  const hie = { url: urlWithoutCredentials('HIE_URL', required(env, 'HIE_URL', 'the HIE base URL, e.g. https://uat.dha.go.ke')) };
  const concurrency = integer(env, 'CONCURRENCY', 8, 1, 1000);
  const { retry, maxAttempts } = retrySettings(env);
  return {
    cht,
    hie: {
      url: hie.url,
      username: secret(env, 'HIE_USERNAME', 'the HIE user name'),
      password: secret(env, 'HIE_PASSWORD', 'the HIE password'),
      authKey: optional(env, 'HIE_AUTH_KEY') ?? 'echis',
      timeoutMs: integer(env, 'HIE_TIMEOUT_MS', 10_000, 1),
      tokenTtlMs: integer(env, 'HIE_TOKEN_TTL_S', 20, 1, 86_400) * 1000,
      insecureTls: flag(env, 'HIE_INSECURE_TLS'),
      concurrency,
    },
    shr: { url: urlWithoutCredentials('SHR_URL', optional(env, 'SHR_URL') ?? hie.url), serviceRequestPath: servicePath(env) },
    clientRegistry: { contactTypes: contactTypes(env), identifierTypes: identifierTypes(env) },
    referrals: referrals(env, cht.url),
    worker: {
      batchSize: integer(env, 'BATCH_SIZE', 200, 1, 10_000),
      maxQueued: integer(env, 'MAX_QUEUED', Math.max(1000, concurrency * 4), 1, 1_000_000),
      pollMs: integer(env, 'FEED_POLL_MS', 5_000, 1),
      checkpointEveryMs: integer(env, 'CHECKPOINT_EVERY_MS', 5_000, 0),
      retry,
      maxAttempts,
      sweepIntervalMs: sweepInterval(env),
    },
    logLevel: logLevel(env),
  };
}
