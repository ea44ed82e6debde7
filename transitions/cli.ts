#!/usr/bin/env node
/**
 * `echis-hie`: run the worker, start the HIE sandbox, or run the demo. Settings come from the environment
 * (see the README); secrets never from the command line.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadConfig } from './config';
import { runDemo } from './demo';
import { ConfigError, reasonOf } from './lib/errors';
import { createLogger, type LogLevel } from './logger';
import { runWorker } from './run';
import { SANDBOX_DEFAULTS, startSandbox } from './sandbox/hie-sandbox';

const USAGE = `usage:
  echis-hie run [--once]        follow the CHT feed and look clients up in the Client Registry
                                (--once: up to the feed's end, then exit 0, or 1 when changes are left pending)
  echis-hie sandbox --patients FILE [--port N] [--latency-ms N]
                                a local HIE Client Registry for demos and tests (HIE_USERNAME, HIE_PASSWORD and
                                HIE_AUTH_KEY default to ${SANDBOX_DEFAULTS.username}/${SANDBOX_DEFAULTS.password}/${SANDBOX_DEFAULTS.authKey})
  echis-hie demo                the worker on the embedded CouchDB-protocol server and the sandbox, with sample data`;

function wholeNumber(name: string, text: string | undefined, fallback: number): number {
  const value = text === undefined ? fallback : Number(text);
  if (!Number.isInteger(value) || value < 0) {
    throw new ConfigError(`--${name} must be a whole number`);
  }
  return value;
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
  switch (command) {
    case 'run': {
      const { values } = parseArgs({ args: [...rest], options: { once: { type: 'boolean', default: false } } });
      const config = loadConfig(process.env);
      const log = createLogger(config.logLevel);
      const summary = await runWorker(config, log, { once: values.once, signal: stopSignal() });
      if (summary.pending > 0 || summary.failed > 0) {
        process.stderr.write(`echis-hie: ${summary.pending} changes pending, ${summary.failed} failed\n`);
        return values.once ? 1 : 0;
      }
      return 0;
    }
    case 'sandbox': {
      const { values } = parseArgs({
        args: [...rest],
        options: { patients: { type: 'string' }, port: { type: 'string' }, 'latency-ms': { type: 'string' }, host: { type: 'string' } },
      });
      if (values.patients === undefined) {
        throw new ConfigError('sandbox needs --patients FILE (a JSON array of FHIR Patients)');
      }
      let patients: unknown;
      try {
        patients = JSON.parse(readFileSync(values.patients, 'utf8'));
      } catch {
        throw new ConfigError('--patients must name a readable JSON file');
      }
      if (!Array.isArray(patients)) {
        throw new ConfigError('--patients must hold a JSON array of FHIR Patients');
      }
      const sandbox = await startSandbox(
        {
          patients,
          username: process.env.HIE_USERNAME ?? SANDBOX_DEFAULTS.username,
          password: process.env.HIE_PASSWORD ?? SANDBOX_DEFAULTS.password,
          authKey: process.env.HIE_AUTH_KEY ?? SANDBOX_DEFAULTS.authKey,
          tokenTtlS: SANDBOX_DEFAULTS.tokenTtlS,
          latencyMs: wholeNumber('latency-ms', values['latency-ms'], 0),
        },
        wholeNumber('port', values.port, 0),
        values.host ?? '127.0.0.1',
      );
      process.stdout.write(`HIE sandbox listening on ${sandbox.url}\n`);
      const signal = stopSignal();
      await new Promise((resolve) => signal.addEventListener('abort', resolve));
      await sandbox.close();
      return 0;
    }
    case 'demo': {
      const log = createLogger((process.env.LOG_LEVEL as LogLevel | undefined) ?? 'warn');
      return (await runDemo(process.stdout, log, process.env)) ? 0 : 1;
    }
    default:
      process.stderr.write(`${USAGE}\n`);
      return command === undefined || command === 'help' || command === '--help' ? 0 : 2;
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
