/** Wires the configuration to the worker: the CHT and state databases, the HIE client and the transitions. */
import type { Logger } from 'pino';
import type { Config } from './config';
import { ConfigError } from './lib/errors';
import { createTransitions } from './index';
import { CouchDb } from './services/couch';
import { HieClient, type ClientRegistry } from './services/hie-client';
import { createHttp } from './services/http';
import { StateStore } from './services/state-store';
import type { WorkerObserver } from './worker/observer';
import { Worker, type RunSummary } from './worker/worker';

/** What several workers may share (one HIE token cache and look-up limit), and an optional observer. */
export interface WorkerServices {
  readonly registry: ClientRegistry;
  readonly observer?: WorkerObserver;
}

export async function runWorker(
  config: Config,
  log: Logger,
  options: { once: boolean; signal: AbortSignal },
  services: WorkerServices = { registry: new HieClient(config.hie) },
): Promise<RunSummary> {
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
  const transitions = createTransitions({ registry: services.registry, config, log });
  return new Worker({ db, state, transitions, settings: config.worker, log, observer: services.observer }).run(options);
}
