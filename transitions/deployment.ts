/**
 * Settings of a deployment as a whole. eCHIS runs one CHT instance per county, so one deployment of the worker
 * may serve many: `CHT_INSTANCES_FILE` lists them as `[{"name": "kisumu", "url": "https://kisumu.echis.go.ke"}]`.
 * The file is configuration (often kept in git), so it never holds credentials: each instance's come from
 * `CHT_<NAME>_USERNAME` and `CHT_<NAME>_PASSWORD` (or their `_FILE`), else from the shared `CHT_USERNAME` and
 * `CHT_PASSWORD`, since eCHIS counties commonly share one integration user. Without the file, the one instance
 * of `CHT_URL` is used exactly as before.
 */
import { readFileSync } from 'node:fs';
import { chtDatabases, chtSettings, contactTypes, integer, httpUrl, loadConfig, logLevel, optional, optionalSecret, retrySettings, type ChtSettings, type Config, type Env } from './config';
import { ConfigError } from './lib/errors';
import type { LogLevel } from './logger';
import type { BackoffSettings } from './worker/backoff';

export interface ChtInstance extends ChtSettings {
  /** Names the instance in logs, metrics (label `cht`) and the report. */
  readonly name: string;
}

export interface MetricsSettings {
  readonly host: string;
  readonly port: number;
  /** /healthz fails for an instance whose feed was not read for this long. */
  readonly healthMaxAgeMs: number;
}

/** A CHT instance and the configuration of its worker. */
export interface InstanceConfig {
  readonly name: string;
  readonly config: Config;
}

export interface Deployment {
  /** The instances of `CHT_INSTANCES_FILE`, or the one of `CHT_URL`; all alike but for `cht` and `referrals`. */
  readonly instances: readonly [InstanceConfig, ...InstanceConfig[]];
  /** From `CHT_INSTANCES_FILE`: false keeps the single-instance behaviour of `CHT_URL` exactly. */
  readonly many: boolean;
  /** Undefined when `METRICS_PORT` is not set: no endpoint. */
  readonly metrics: MetricsSettings | undefined;
}

export interface ReportSettings {
  readonly instances: readonly ChtInstance[];
  readonly contactTypes: readonly string[];
  readonly batchSize: number;
  /** A page read that fails is tried again with this backoff, up to `maxAttempts` times in all. */
  readonly retry: BackoffSettings;
  readonly maxAttempts: number;
  readonly logLevel: LogLevel;
}

const INSTANCE_NAME = /^[a-z][a-z0-9_-]{0,39}$/;

/** `kisumu-staging` -> `CHT_KISUMU_STAGING`: the prefix of an instance's credential variables. */
export function credentialPrefix(name: string): string {
  return `CHT_${name.toUpperCase().replace(/-/g, '_')}`;
}

/** `<PREFIX>_USERNAME` and `<PREFIX>_PASSWORD` (or `_FILE`): both, neither (undefined), never one alone. */
function credentialPair(env: Env, prefix: string): { username: string; password: string } | undefined {
  const username = optionalSecret(env, `${prefix}_USERNAME`);
  const password = optionalSecret(env, `${prefix}_PASSWORD`);
  if ((username === undefined) !== (password === undefined)) {
    throw new ConfigError(`${prefix}_USERNAME and ${prefix}_PASSWORD must be set together`);
  }
  return username === undefined || password === undefined ? undefined : { username, password };
}

function instanceOf(env: Env, entry: unknown, index: number, databases: ReturnType<typeof chtDatabases>): ChtInstance {
  const { name, url } = (entry ?? {}) as { name?: unknown; url?: unknown };
  if (typeof name !== 'string' || !INSTANCE_NAME.test(name) || typeof url !== 'string') {
    throw new ConfigError(`CHT_INSTANCES_FILE entry ${index + 1} needs a "name" (a lower-case letter, then letters, digits, - or _) and a "url"`);
  }
  const prefix = credentialPrefix(name);
  const parsed = httpUrl(`the url of CHT instance "${name}"`, url);
  if (parsed.auth) {
    throw new ConfigError(`the url of CHT instance "${name}" must not carry credentials: set ${prefix}_USERNAME and ${prefix}_PASSWORD`);
  }
  const auth = credentialPair(env, prefix) ?? credentialPair(env, 'CHT');
  if (auth === undefined) {
    throw new ConfigError(`no credentials for CHT instance "${name}": set ${prefix}_USERNAME and ${prefix}_PASSWORD (or _FILE), or CHT_USERNAME and CHT_PASSWORD`);
  }
  return { name, url: parsed.url, auth, ...databases };
}

/** The instances `CHT_INSTANCES_FILE` lists, or undefined when it is not set. */
export function chtInstances(env: Env): readonly [ChtInstance, ...ChtInstance[]] | undefined {
  const file = optional(env, 'CHT_INSTANCES_FILE');
  if (file === undefined) {
    return undefined;
  }
  if (optional(env, 'CHT_URL') !== undefined || optional(env, 'CHT_URL_FILE') !== undefined) {
    throw new ConfigError('set CHT_URL or CHT_INSTANCES_FILE, not both');
  }
  let list: unknown;
  try {
    list = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    throw new ConfigError('CHT_INSTANCES_FILE must name a readable JSON file');
  }
  if (!Array.isArray(list) || list.length === 0) {
    throw new ConfigError('CHT_INSTANCES_FILE must hold a JSON list of {"name", "url"}, at least one');
  }
  const databases = chtDatabases(env);
  const instances = list.map((entry: unknown, index) => instanceOf(env, entry, index, databases));
  const names = instances.map((instance) => instance.name);
  const repeated = names.find((name, index) => names.indexOf(name) !== index);
  if (repeated !== undefined) {
    throw new ConfigError(`CHT_INSTANCES_FILE names instance "${repeated}" twice`);
  }
  return instances as [ChtInstance, ...ChtInstance[]];
}

/** The one instance of `CHT_URL`, named after its host. */
function singleInstance(env: Env): [ChtInstance] {
  const cht = chtSettings(env);
  return [{ ...cht, name: new URL(cht.url).host }];
}

/** `pollMs`: how often a caught-up worker reads its feed, which the health age must exceed. */
function metricsSettings(env: Env, pollMs: number): MetricsSettings | undefined {
  if (optional(env, 'METRICS_PORT') === undefined) {
    return undefined;
  }
  const healthMaxAgeMs = integer(env, 'HEALTHZ_MAX_AGE_MS', 60_000, 1);
  if (healthMaxAgeMs <= pollMs) {
    throw new ConfigError('HEALTHZ_MAX_AGE_MS must be above FEED_POLL_MS: an idle worker reads its feed only that often');
  }
  return { host: optional(env, 'METRICS_HOST') ?? '127.0.0.1', port: integer(env, 'METRICS_PORT', 0, 0, 65_535), healthMaxAgeMs };
}

export function loadDeployment(env: Env): Deployment {
  const many = chtInstances(env);
  if (many && optional(env, 'CHT_INSTANCE_URL') !== undefined) {
    throw new ConfigError('CHT_INSTANCE_URL names one instance: with CHT_INSTANCES_FILE each instance is named by its own url');
  }
  const [first, ...others] = many ?? singleInstance(env);
  const configOf = (instance: ChtInstance): InstanceConfig => ({ name: instance.name, config: loadConfig(env, instance) });
  const instances: Deployment['instances'] = [configOf(first), ...others.map(configOf)];
  return { instances, many: many !== undefined, metrics: metricsSettings(env, instances[0].config.worker.pollMs) };
}

/** What `report` needs: the CHT instances and the client types, not the HIE. */
export function loadReportSettings(env: Env): ReportSettings {
  return {
    instances: chtInstances(env) ?? singleInstance(env),
    contactTypes: contactTypes(env),
    batchSize: integer(env, 'REPORT_BATCH_SIZE', 1000, 1, 10_000),
    ...retrySettings(env),
    logLevel: logLevel(env),
  };
}
