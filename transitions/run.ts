/** Wires the configuration to the worker: the CHT and state databases, the HIE and SHR clients and the transitions. */
import type { Logger } from 'pino';
import type { Config } from './config';
import { ConfigError, TransientError } from './lib/errors';
import { createTransitions } from './index';
import { CouchDb } from './services/couch';
import { HieClient, type ClientRegistry } from './services/hie-client';
import { createHttp } from './services/http';
import { ShrClient } from './services/shr-client';
import { StateStore } from './services/state-store';
import type { Contacts } from './types';
import type { WorkerObserver } from './worker/observer';
import { Worker, type RunSummary, type SweepSummary } from './worker/worker';

/** What the workers of many CHT instances share, and an optional observer; by default a worker's own HIE client. */
export interface WorkerServices {
  /** One HIE client: one token source and one cap on requests in flight, for the CR and the SHR. */
  readonly hie: HieClient;
  /** The CR searches as the transitions make them: `hie` itself, or timed for the metrics. */
  readonly registry: ClientRegistry;
  readonly observer?: WorkerObserver;
}

interface RunOptions {
  readonly once: boolean;
  readonly signal: AbortSignal;
}

export async function runWorker(config: Config, log: Logger, options: RunOptions, services?: WorkerServices): Promise<RunSummary> {
  return (await createWorker(config, log, options.signal, services)).run(options);
}

/** One re-try sweep (`echis-hie sweep`), with the same wiring as `run`. */
export async function runSweep(config: Config, log: Logger, options: RunOptions, services?: WorkerServices): Promise<SweepSummary> {
  return (await createWorker(config, log, options.signal, services)).sweep(options);
}

/**
 * Stopping finishes the HIE requests in flight, not the queue behind the cap (up to MAX_QUEUED changes, each
 * started at once and waiting for an HIE slot): those are left for the next run.
 */
export function stopsWith(hie: HieClient, signal: AbortSignal): HieClient {
  signal.addEventListener('abort', () => hie.slots.close(new TransientError('hie_stopping')), { once: true });
  return hie;
}

async function createWorker(config: Config, log: Logger, signal: AbortSignal, services?: WorkerServices): Promise<Worker> {
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
  const hie = services?.hie ?? stopsWith(new HieClient(config.hie), signal);
  const registry = services?.registry ?? hie;
  // The SHR takes the same short-lived HIE token and counts against the same cap: one token source and one cap.
  const shrHttp = createHttp({ baseURL: config.shr.url, timeoutMs: config.hie.timeoutMs, ...(config.hie.insecureTls ? { insecureTls: true } : {}) });
  const shr = new ShrClient(shrHttp, hie, config.shr);
  const transitions = (contacts: Contacts) => createTransitions({ registry, shr, state, config, log }, contacts);
  return new Worker({ db, state, transitions, settings: config.worker, log, observer: services?.observer });
}
