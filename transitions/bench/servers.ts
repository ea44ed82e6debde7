/**
 * The benchmark's child processes, so that the worker's CPU time and memory are measured alone and the CHT
 * database and the HIE do not share one CPU (they never do in production). One role per process, set by its
 * first request. `cht`: the embedded CouchDB-protocol server seeded with generated counties, and the check of
 * every answer. `hie`: the HIE sandbox holding the same counties' CR Patients (generated again from the same
 * seed), with the latency and limit under test, and an instant one. `backfill`: the measured worker, run to the
 * end of a database's feed. Driven by messages from `bench.ts` over `fork`'s IPC.
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { loadConfig } from '../config';
import { startCouch, type RunningCouch } from '../embedded/couch-server';
import { createLogger } from '../logger';
import { runWorker } from '../run';
import { CouchDb } from '../services/couch';
import { createHttp, splitCredentials } from '../services/http';
import { SANDBOX_DEFAULTS, startSandbox, type RunningSandbox } from '../sandbox/hie-sandbox';
import type { ClientRegistryResult, Doc } from '../types';
import { households } from './generate';

/** How many clients each database gets. */
export interface Population {
  readonly n: number;
  readonly instantN: number;
  readonly baselineN: number;
}

export type Request =
  | { readonly type: 'start-cht'; readonly dataDir: string; readonly population: Population; readonly inMemory: boolean }
  | { readonly type: 'start-hie'; readonly population: Population; readonly latencyMs: number; readonly concurrency: number }
  | { readonly type: 'backfill'; readonly couchUrl: string; readonly hieUrl: string; readonly db: string; readonly n: number; readonly concurrency: number }
  | { readonly type: 'verify'; readonly db: string }
  | { readonly type: 'stats' }
  | { readonly type: 'stop' };

export type Reply =
  | { readonly type: 'progress'; readonly text: string }
  | { readonly type: 'cht-ready'; readonly couchUrl: string; readonly baselineIds: readonly string[] }
  | { readonly type: 'hie-ready'; readonly sandboxUrl: string; readonly instantUrl: string }
  | { readonly type: 'backfilled'; readonly perSecond: number; readonly cpuMs: number; readonly seconds: number; readonly peakRssMb: number }
  | { readonly type: 'verified'; readonly checked: number; readonly wrong: number; readonly examples: readonly string[] }
  | { readonly type: 'stats'; readonly rateLimited: number; readonly searches: number }
  | { readonly type: 'error'; readonly reason: string };

/** One generated county per database. The baseline's clients share the limited CR: numbers after the main county's. */
interface County {
  readonly db: 'medic' | 'instant' | 'baseline';
  readonly n: number;
  readonly prefix: string;
  readonly firstNumber: number;
  /** The CR answers at the latency and limit under test (else at once). */
  readonly limited: boolean;
  readonly clientsOnly: boolean;
}

function counties(population: Population): County[] {
  return [
    { db: 'medic', n: population.n, prefix: 'bench', firstNumber: 0, limited: true, clientsOnly: false },
    { db: 'instant', n: population.instantN, prefix: 'instant', firstNumber: 0, limited: false, clientsOnly: false },
    { db: 'baseline', n: population.baselineN, prefix: 'baseline', firstNumber: population.n, limited: true, clientsOnly: true },
  ];
}

const SEED_BATCH = 2000;
const VERIFY_PAGE = 1000;

function reply(message: Reply): void {
  process.send?.(message);
}

/** Seeds `db` with a county; returns each client's expected answer. */
async function seed(db: CouchDb, county: County): Promise<Map<string, ClientRegistryResult | null>> {
  await db.create();
  const expected = new Map<string, ClientRegistryResult | null>();
  let batch: Doc[] = [];
  for (const household of households(county.n, county.prefix, county.firstNumber)) {
    batch.push(...household.docs.filter((doc) => !county.clientsOnly || household.expected.has(doc._id)));
    household.expected.forEach((answer, id) => expected.set(id, answer));
    if (batch.length >= SEED_BATCH) {
      await db.bulkSave(batch);
      batch = [];
      if (expected.size % 100_000 < SEED_BATCH / 2) {
        reply({ type: 'progress', text: `seeded ${expected.size} of ${county.n} clients in ${db.name}` });
      }
    }
  }
  await db.bulkSave(batch);
  return expected;
}

/** Reads every doc of `db` a page at a time and counts the clients whose `client_registry` is not as expected. */
async function verify(db: CouchDb, expected: ReadonlyMap<string, ClientRegistryResult | null>): Promise<{ checked: number; wrong: number; examples: string[] }> {
  let checked = 0;
  let wrong = 0;
  const examples: string[] = [];
  for (let page = await db.allDocs({ limit: VERIFY_PAGE }); page.length > 0; page = await db.allDocs({ after: page.at(-1)?._id, limit: VERIFY_PAGE })) {
    for (const doc of page) {
      const answer = expected.get(doc._id);
      if (answer === undefined) {
        continue;
      }
      checked += 1;
      if (!isDeepStrictEqual(doc.client_registry ?? null, answer)) {
        wrong += 1;
        // Generated clients: their answers say nothing about anybody.
        if (examples.length < 5) {
          examples.push(`${doc._id}: ${JSON.stringify(doc.client_registry ?? null)}, expected ${JSON.stringify(answer)}`);
        }
      }
    }
  }
  return { checked, wrong: wrong + (expected.size - checked), examples };
}

/** Runs the worker to the end of `db`'s feed: clients per second, CPU ms per client, and this process's peak RSS. */
async function backfill(request: Extract<Request, { type: 'backfill' }>): Promise<Extract<Reply, { type: 'backfilled' }>> {
  const config = loadConfig({
    CHT_URL: request.couchUrl,
    CHT_DB: request.db,
    STATE_DB: `${request.db}-echis-hie`,
    HIE_URL: request.hieUrl,
    HIE_USERNAME: SANDBOX_DEFAULTS.username,
    HIE_PASSWORD: SANDBOX_DEFAULTS.password,
    CONCURRENCY: String(request.concurrency),
    RETRY_BASE_MS: '200',
    LOG_LEVEL: 'warn',
  });
  const cpu = process.cpuUsage();
  const started = performance.now();
  const summary = await runWorker(config, createLogger(config.logLevel), { once: true, signal: new AbortController().signal });
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  if (summary.pending > 0 || summary.failed > 0) {
    throw new Error(`the worker left ${summary.pending} changes pending and ${summary.failed} failed`);
  }
  const { n } = request;
  return { type: 'backfilled', perSecond: n / seconds, cpuMs: (used.user + used.system) / 1000 / n, seconds, peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024) };
}

function main(): void {
  const running: Array<RunningCouch | RunningSandbox> = [];
  let limitedSandbox: RunningSandbox | undefined;
  let dataDir: string | undefined;
  let http: ReturnType<typeof createHttp> | undefined;
  const expectations = new Map<string, Map<string, ClientRegistryResult | null>>();
  const db = (name: string): CouchDb => {
    if (http === undefined) {
      throw new Error('the CHT server is not started');
    }
    return new CouchDb(http, name);
  };

  const handle = async (message: Request): Promise<void> => {
    switch (message.type) {
      case 'start-cht': {
        dataDir = message.dataDir;
        const couch = await startCouch({ dataDir, admin: { username: 'admin', password: randomBytes(12).toString('hex') }, inMemory: message.inMemory });
        running.push(couch);
        const { url, auth } = splitCredentials(couch.url);
        http = createHttp({ baseURL: url, timeoutMs: 600_000, ...(auth ? { auth } : {}) });
        for (const county of counties(message.population)) {
          expectations.set(county.db, await seed(db(county.db), county));
        }
        reply({ type: 'cht-ready', couchUrl: couch.url, baselineIds: [...(expectations.get('baseline')?.keys() ?? [])] });
        return;
      }
      case 'start-hie': {
        const patients = { limited: [] as unknown[], instant: [] as unknown[] };
        for (const county of counties(message.population)) {
          for (const household of households(county.n, county.prefix, county.firstNumber)) {
            (county.limited ? patients.limited : patients.instant).push(...household.patients);
          }
        }
        limitedSandbox = await startSandbox({ ...SANDBOX_DEFAULTS, patients: patients.limited, latencyMs: message.latencyMs, maxInFlight: message.concurrency });
        running.push(limitedSandbox);
        const instant = await startSandbox({ ...SANDBOX_DEFAULTS, patients: patients.instant });
        running.push(instant);
        reply({ type: 'hie-ready', sandboxUrl: limitedSandbox.url, instantUrl: instant.url });
        return;
      }
      case 'backfill':
        reply(await backfill(message));
        return;
      case 'verify':
        reply({ type: 'verified', ...(await verify(db(message.db), expectations.get(message.db) ?? new Map())) });
        return;
      case 'stats':
        reply({ type: 'stats', rateLimited: limitedSandbox?.stats().rateLimited ?? 0, searches: limitedSandbox?.stats().searches ?? 0 });
        return;
      case 'stop':
        for (const server of running) {
          await server.close();
        }
        if (dataDir !== undefined) {
          rmSync(dataDir, { recursive: true, force: true });
        }
        process.exit(0);
    }
  };
  process.on('message', (message: Request) => {
    handle(message).catch((error: unknown) => reply({ type: 'error', reason: error instanceof Error ? error.message : String(error) }));
  });
}

main();
