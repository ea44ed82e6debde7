/** Wires the configuration to the worker: the CHT and state databases, the HIE and SHR clients and the transitions. */
import type { Logger } from 'pino';
import type { Config } from './config';
import { ConfigError, TransientError } from './lib/errors';
import { createTransitions } from './index';
import { CouchDb } from './services/couch';
import { HieClient } from './services/hie-client';
import { createHttp } from './services/http';
import { ShrClient } from './services/shr-client';
import { StateStore } from './services/state-store';
import type { Contacts } from './types';
import { Worker, type RunSummary, type SweepSummary } from './worker/worker';

interface RunOptions {
  readonly once: boolean;
  readonly signal: AbortSignal;
}

export async function runWorker(config: Config, log: Logger, options: RunOptions): Promise<RunSummary> {
  return (await createWorker(config, log, options.signal)).run(options);
}

/** One re-try sweep (`echis-hie sweep`), with the same wiring as `run`. */
export async function runSweep(config: Config, log: Logger, options: RunOptions): Promise<SweepSummary> {
  return (await createWorker(config, log, options.signal)).sweep(options);
}

async function createWorker(config: Config, log: Logger, signal: AbortSignal): Promise<Worker> {
  const http = createHttp({ baseURL: config.cht.url, timeoutMs: config.cht.timeoutMs, ...(config.cht.auth ? { auth: config.cht.auth } : {}) });
  const db = new CouchDb(http, config.cht.db);
  const access = await db.access();
  if (access !== 'ok') {
    throw new ConfigError(
      access === 'missing' ? `database "${config.cht.db}" not found at CHT_URL` : 'CHT_URL credentials were refused by the CHT server',
    );
  }
  const state = new StateStore(new CouchDb(http, config.cht.stateDb), config.cht.db);
  await state.ensure();
  const registry = new HieClient(config.hie);
  // Stopping finishes the HIE requests in flight, not the queue behind the cap (up to MAX_QUEUED changes, each
  // started at once and waiting for an HIE slot): those are left for the next run.
  signal.addEventListener('abort', () => registry.slots.close(new TransientError('hie_stopping')), { once: true });
  // The SHR takes the same short-lived HIE token and counts against the same cap: one token source and one cap.
  const shrHttp = createHttp({ baseURL: config.shr.url, timeoutMs: config.hie.timeoutMs, ...(config.hie.insecureTls ? { insecureTls: true } : {}) });
  const shr = new ShrClient(shrHttp, registry, config.shr);
  const transitions = (contacts: Contacts) => createTransitions({ registry, shr, state, config, log }, contacts);
  return new Worker({ db, state, transitions, settings: config.worker, log });
}
