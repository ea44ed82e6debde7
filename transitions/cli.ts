#!/usr/bin/env node
/**
 * `echis-hie`: run the worker, start the HIE sandbox, or run the demo. Settings come from the environment
 * (see the README); secrets never from the command line. Exit codes: 0 done, 1 work left or a failure,
 * 2 a usage or configuration error (one line on stderr).
 */
import { accessSync, constants, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { describeBench, runBench, writeJson } from './bench/bench';
import { logLevel, optionalSecret } from './config';
import { loadDeployment, loadReportSettings } from './deployment';
import { runDemo } from './demo';
import { ConfigError, reasonOf } from './lib/errors';
import { createLogger } from './logger';
import { FORMATS, type Format } from './report/formats';
import { buildReport, render } from './report/report';
import { runDeployment, sweepDeployment } from './run-deployment';
import { SANDBOX_DEFAULTS, startSandbox } from './sandbox/hie-sandbox';

const USAGE = `usage:
  echis-hie run [--once]        follow the CHT feed and look clients up in the Client Registry
                                (--once: up to the feed's end, then exit 0, or 1 when changes are left pending)
  echis-hie sweep [--once]      look up again the clients the CR did not know, knew twice or knew with other
                                details (run does this every SWEEP_INTERVAL); --once: RETRY_ATTEMPTS_ONCE
                                attempts each, then exit 0, or 1 when clients are left pending
  echis-hie report [--format table|csv|html|json] [--out FILE]
                                clients per county, sub-county and CHU by Client Registry state (default: table
                                on stdout); exit 1 when an instance could not be read
  echis-hie sandbox --patients FILE [--port N] [--latency-ms N] [--max-in-flight N] [--token-ttl-s S] [faults]
                                a local HIE Client Registry for demos and tests (HIE_USERNAME, HIE_PASSWORD and
                                HIE_AUTH_KEY default to ${SANDBOX_DEFAULTS.username}/${SANDBOX_DEFAULTS.password}/${SANDBOX_DEFAULTS.authKey});
                                faults, each on every Nth request: --fail-every N (503), --rate-limit-every N
                                (429, Retry-After 1 s), --drop-every N, --slow-every N with --slow-ms MS,
                                --refuse-token-every N (401 for a valid token)
  echis-hie demo                the worker on the embedded CouchDB-protocol server and the sandbox, with sample data
  echis-hie bench [--n N] [--latency-ms L] [--concurrency C] [--json FILE] [--leveldb]
                                back-fill N generated clients against a CR with latency L and a limit of C in flight,
                                beside the upstream flow and an instant CR (defaults 20000, 50, 16; the embedded
                                server in memory unless --leveldb)
  echis-hie help                this text
Settings come from the environment: see README.md.`;

const HELP = new Set(['help', '--help', '-h']);

/**
 * parseArgs, with its errors (unknown or malformed options) as usage errors. Its own messages quote what was
 * typed, which may be a password pasted in the wrong place: the error names the option only, never a value.
 */
function options<T extends NonNullable<ParseArgsConfig['options']>>(args: readonly string[], spec: T) {
  try {
    return parseArgs({ args: [...args], options: spec, strict: true, allowPositionals: false }).values;
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
      throw new ConfigError('unexpected argument: settings and secrets come from the environment (echis-hie help)');
    }
    const option = /'(--?[A-Za-z][\w-]*)/.exec(error instanceof Error ? error.message : '')?.[1];
    throw new ConfigError(option === undefined ? 'bad arguments (echis-hie help)' : `bad option ${option} (echis-hie help lists the options)`);
  }
}

function wholeNumber(name: string, text: string | undefined, fallback: number, max: number): number {
  const value = text === undefined ? fallback : /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!(value >= 0 && value <= max)) {
    throw new ConfigError(`--${name} must be a whole number from 0 to ${max}`);
  }
  return value;
}

/** Seconds, fractions allowed: a token that dies in 1.5 s is one of the faults worth trying. */
function tokenLifetime(text: string | undefined): number {
  const value = text === undefined ? SANDBOX_DEFAULTS.tokenTtlS : /^\d{1,5}(\.\d{1,3})?$/.test(text) ? Number(text) : Number.NaN;
  if (!(value > 0 && value <= 86_400)) {
    throw new ConfigError('--token-ttl-s must be a number of seconds above 0, up to 86400');
  }
  return value;
}

function readPatients(file: string): unknown[] {
  let patients: unknown;
  try {
    patients = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    throw new ConfigError('--patients must name a readable JSON file');
  }
  const isPatient = (value: unknown): boolean =>
    value !== null && typeof value === 'object' && (value as { resourceType?: unknown }).resourceType === 'Patient' && typeof (value as { id?: unknown }).id === 'string';
  if (!Array.isArray(patients) || !patients.every(isPatient)) {
    throw new ConfigError('--patients must hold a JSON array of FHIR Patients, each with an id');
  }
  return patients;
}

function writableFolder(folder: string): boolean {
  try {
    accessSync(folder, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** SIGTERM or SIGINT aborts the returned signal once; a second one exits at once. */
function stopSignal(): AbortSignal {
  const controller = new AbortController();
  const stop = (): void => {
    if (controller.signal.aborted) {
      process.exit(130);
    }
    controller.abort();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  return controller.signal;
}

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || HELP.has(command) || rest.some((arg) => HELP.has(arg))) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  switch (command) {
    case 'run': {
      const { once } = options(rest, { once: { type: 'boolean', default: false } });
      const deployment = loadDeployment(process.env);
      const summary = await runDeployment(deployment, createLogger(deployment.instances[0].config.logLevel), { once, signal: stopSignal() });
      if (summary.unreadFeed !== undefined) {
        process.stderr.write(`echis-hie: the feed could not be read to its end (${summary.unreadFeed})\n`);
      }
      if (summary.pending > 0 || summary.failed > 0 || summary.unreadFeed !== undefined) {
        process.stderr.write(`echis-hie: ${summary.pending} changes pending, ${summary.failed} failed\n`);
        return once ? 1 : 0;
      }
      return 0;
    }
    case 'sweep': {
      const { once } = options(rest, { once: { type: 'boolean', default: false } });
      const deployment = loadDeployment(process.env);
      const summary = await sweepDeployment(deployment, createLogger(deployment.instances[0].config.logLevel), { once, signal: stopSignal() });
      if (summary.unread !== undefined) {
        process.stderr.write(`echis-hie: the contacts could not be read to their end (${summary.unread})\n`);
      }
      if (!summary.finished || summary.failed > 0) {
        process.stderr.write(`echis-hie: ${summary.pending} clients pending, ${summary.failed} failed\n`);
        return once ? 1 : 0;
      }
      return 0;
    }
    case 'report': {
      const values = options(rest, { format: { type: 'string', default: 'table' }, out: { type: 'string' } });
      if (!(FORMATS as readonly string[]).includes(values.format)) {
        throw new ConfigError(`--format must be one of ${FORMATS.join(', ')}`);
      }
      const settings = loadReportSettings(process.env);
      // Checked before a county's whole database is read, not after.
      if (values.out !== undefined && !writableFolder(path.dirname(path.resolve(values.out)))) {
        throw new ConfigError('--out must name a file in a folder that exists and may be written');
      }
      const report = await buildReport(settings, createLogger(settings.logLevel));
      const text = render(report, values.format as Format);
      if (values.out === undefined) {
        process.stdout.write(text);
      } else {
        writeFileSync(values.out, text);
      }
      return report.unreadable.length > 0 ? 1 : 0;
    }
    case 'sandbox': {
      const text = { type: 'string' } as const;
      const values = options(rest, {
        patients: text,
        port: text,
        'latency-ms': text,
        'max-in-flight': text,
        'token-ttl-s': text,
        'fail-every': text,
        'rate-limit-every': text,
        'drop-every': text,
        'slow-every': text,
        'slow-ms': text,
        'refuse-token-every': text,
      });
      const fault = (flag: 'fail-every' | 'rate-limit-every' | 'drop-every' | 'slow-every' | 'slow-ms' | 'refuse-token-every'): number =>
        wholeNumber(flag, values[flag], 0, 600_000);
      if (values.patients === undefined) {
        throw new ConfigError('sandbox needs --patients FILE (a JSON array of FHIR Patients)');
      }
      const port = wholeNumber('port', values.port, 0, 65_535);
      const sandbox = await startSandbox(
        {
          patients: readPatients(values.patients),
          username: optionalSecret(process.env, 'HIE_USERNAME') ?? SANDBOX_DEFAULTS.username,
          password: optionalSecret(process.env, 'HIE_PASSWORD') ?? SANDBOX_DEFAULTS.password,
          authKey: process.env.HIE_AUTH_KEY?.trim() || SANDBOX_DEFAULTS.authKey,
          tokenTtlS: tokenLifetime(values['token-ttl-s']),
          latencyMs: wholeNumber('latency-ms', values['latency-ms'], 0, 600_000),
          maxInFlight: wholeNumber('max-in-flight', values['max-in-flight'], 0, 100_000),
          faults: {
            failEvery: fault('fail-every'),
            rateLimitEvery: fault('rate-limit-every'),
            dropEvery: fault('drop-every'),
            slowEvery: fault('slow-every'),
            slowMs: fault('slow-ms'),
            refuseTokenEvery: fault('refuse-token-every'),
          },
        },
        port,
      ).catch((error: unknown) => {
        throw (error as { code?: unknown }).code === 'EADDRINUSE' ? new ConfigError(`port ${port} is in use`) : error;
      });
      process.stdout.write(`HIE sandbox listening on ${sandbox.url}\n`);
      const signal = stopSignal();
      await new Promise((resolve) => signal.addEventListener('abort', resolve));
      await sandbox.close();
      return 0;
    }
    case 'bench': {
      const values = options(rest, {
        n: { type: 'string' },
        'latency-ms': { type: 'string' },
        concurrency: { type: 'string' },
        json: { type: 'string' },
        leveldb: { type: 'boolean', default: false },
      });
      const bench = {
        n: wholeNumber('n', values.n, 20_000, 10_000_000),
        latencyMs: wholeNumber('latency-ms', values['latency-ms'], 50, 60_000),
        concurrency: wholeNumber('concurrency', values.concurrency, 16, 1000),
        inMemory: !values.leveldb,
      };
      if (bench.n < 1 || bench.concurrency < 1) {
        throw new ConfigError('--n and --concurrency must be at least 1');
      }
      const result = await runBench(bench, (text) => process.stderr.write(`bench: ${text}\n`));
      process.stdout.write(`${describeBench(result)}\n`);
      if (values.json !== undefined) {
        writeJson(values.json, result);
      }
      return result.correct ? 0 : 1;
    }
    case 'demo': {
      options(rest, {});
      const log = createLogger(logLevel({ LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' }));
      return (await runDemo(process.stdout, log, process.env, stopSignal())) ? 0 : 1;
    }
    default:
      throw new ConfigError(`unknown command "${command}" (echis-hie help lists the commands)`);
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof ConfigError) {
      process.stderr.write(`echis-hie: ${error.message}\n`);
      process.exit(2);
    }
    process.stderr.write(`echis-hie: stopped: ${reasonOf(error)}\n`);
    process.exit(1);
  },
);
