/**
 * The benchmark's other side, in a process of its own so that the worker's CPU time and memory are measured
 * alone: the embedded CouchDB-protocol server seeded with generated clients, the HIE sandbox with their CR
 * Patients (with the latency and rate limit under test) and an instant one, and the check of every answer.
 * Driven by messages from `bench.ts` over the IPC channel of `fork`.
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { startCouch, type RunningCouch } from '../embedded/couch-server';
import { CouchDb } from '../services/couch';
import { createHttp, splitCredentials } from '../services/http';
import { SANDBOX_DEFAULTS, startSandbox, type RunningSandbox } from '../sandbox/hie-sandbox';
import type { ClientRegistryResult, Doc } from '../types';
import { households } from './generate';

export interface StartMessage {
  readonly type: 'start';
  readonly dataDir: string;
  readonly n: number;
  readonly instantN: number;
  readonly baselineN: number;
  readonly latencyMs: number;
  readonly concurrency: number;
}

export type Request = StartMessage | { readonly type: 'verify'; readonly db: string } | { readonly type: 'stats' } | { readonly type: 'stop' };

export type Reply =
  | { readonly type: 'progress'; readonly text: string }
  | { readonly type: 'ready'; readonly couchUrl: string; readonly sandboxUrl: string; readonly instantUrl: string; readonly baselineIds: readonly string[] }
  | { readonly type: 'verified'; readonly checked: number; readonly wrong: number; readonly examples: readonly string[] }
  | { readonly type: 'stats'; readonly rateLimited: number }
  | { readonly type: 'error'; readonly reason: string };

const SEED_BATCH = 2000;
const VERIFY_PAGE = 1000;

function reply(message: Reply): void {
  process.send?.(message);
}

/** Seeds `db` with a county of `n` clients; returns the CR Patients for them and each client's expected answer. */
async function seed(db: CouchDb, n: number, prefix: string, firstNumber: number, clientsOnly = false): Promise<{ patients: unknown[]; expected: Map<string, ClientRegistryResult | null> }> {
  await db.create();
  const patients: unknown[] = [];
  const expected = new Map<string, ClientRegistryResult | null>();
  let batch: Doc[] = [];
  for (const household of households(n, prefix, firstNumber)) {
    batch.push(...household.docs.filter((doc) => !clientsOnly || household.expected.has(doc._id)));
    patients.push(...household.patients);
    household.expected.forEach((answer, id) => expected.set(id, answer));
    if (batch.length >= SEED_BATCH) {
      await db.bulkSave(batch);
      batch = [];
      if (expected.size % 100_000 < SEED_BATCH / 2) {
        reply({ type: 'progress', text: `seeded ${expected.size} of ${n} clients in ${db.name}` });
      }
    }
  }
  await db.bulkSave(batch);
  return { patients, expected };
}

/** Reads every doc of `db` a page at a time and counts the clients whose `client_registry` is not as expected. */
async function verify(db: CouchDb, expected: ReadonlyMap<string, ClientRegistryResult | null>): Promise<{ checked: number; wrong: number; examples: string[] }> {
  let checked = 0;
  const examples: string[] = [];
  let wrong = 0;
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

function main(): void {
  let couch: RunningCouch | undefined;
  const sandboxes: RunningSandbox[] = [];
  let dataDir: string | undefined;
  const expectations = new Map<string, Map<string, ClientRegistryResult | null>>();
  let http: ReturnType<typeof createHttp> | undefined;
  const db = (name: string): CouchDb => {
    if (http === undefined) {
      throw new Error('the servers are not started');
    }
    return new CouchDb(http, name);
  };

  process.on('message', (message: Request) => {
    const handle = async (): Promise<void> => {
      switch (message.type) {
        case 'start': {
          dataDir = message.dataDir;
          couch = await startCouch({ dataDir, admin: { username: 'admin', password: randomBytes(12).toString('hex') } });
          const { url, auth } = splitCredentials(couch.url);
          http = createHttp({ baseURL: url, timeoutMs: 600_000, ...(auth ? { auth } : {}) });
          const main = await seed(db('medic'), message.n, 'bench', 0);
          const instant = await seed(db('instant'), message.instantN, 'instant', 0);
          // The baseline's clients share the limited CR with the main county's: numbers after theirs.
          const baseline = await seed(db('baseline'), message.baselineN, 'baseline', message.n, true);
          expectations.set('medic', main.expected);
          expectations.set('instant', instant.expected);
          const limited = await startSandbox({
            ...SANDBOX_DEFAULTS,
            patients: [...main.patients, ...baseline.patients],
            latencyMs: message.latencyMs,
            maxInFlight: message.concurrency,
          });
          const unlimited = await startSandbox({ ...SANDBOX_DEFAULTS, patients: instant.patients });
          sandboxes.push(limited, unlimited);
          reply({ type: 'ready', couchUrl: couch.url, sandboxUrl: limited.url, instantUrl: unlimited.url, baselineIds: [...baseline.expected.keys()] });
          return;
        }
        case 'verify':
          reply({ type: 'verified', ...(await verify(db(message.db), expectations.get(message.db) ?? new Map())) });
          return;
        case 'stats':
          reply({ type: 'stats', rateLimited: sandboxes[0]?.stats().rateLimited ?? 0 });
          return;
        case 'stop':
          for (const server of sandboxes) {
            await server.close();
          }
          await couch?.close();
          if (dataDir !== undefined) {
            rmSync(dataDir, { recursive: true, force: true });
          }
          process.exit(0);
      }
    };
    handle().catch((error: unknown) => reply({ type: 'error', reason: error instanceof Error ? error.message : String(error) }));
  });
}

main();
