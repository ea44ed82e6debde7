/**
 * `echis-hie bench`: back-fills N generated clients with the worker against a CR with latency L and a limit of C
 * requests in flight, and compares it with the upstream flow (token, CR search, GET doc, PUT doc, one contact
 * after another) and with the worker against an instant CR (its own cost). The worker, the CHT server and the HIE
 * each run in a child process of their own, so the worker's CPU time and peak RSS are its own.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { answerFor } from '../client-registry';
import { loadConfig } from '../config';
import { identificationOf } from '../lib/identification';
import { CouchDb } from '../services/couch';
import { interpretSearch, parseToken } from '../services/hie-client';
import { createHttp, splitCredentials } from '../services/http';
import { SANDBOX_DEFAULTS } from '../sandbox/hie-sandbox';
import type { Doc } from '../types';
import type { Reply, Request } from './servers';

export interface BenchOptions {
  readonly n: number;
  readonly latencyMs: number;
  readonly concurrency: number;
  /** The embedded CouchDB-protocol server keeps its databases in memory (else leveldb, as the demo's). */
  readonly inMemory: boolean;
}

export interface BenchResult {
  readonly n: number;
  readonly latency_ms: number;
  readonly concurrency: number;
  readonly limit_per_s: number;
  /** Clients back-filled per second, those that need no look-up (no or a malformed identification) included. */
  readonly worker_per_s: number;
  /** CR look-ups per second during the back-fill: how much of the CR's limit the worker used. */
  readonly lookups_per_s: number;
  readonly worker_seconds: number;
  readonly baseline_n: number;
  readonly baseline_per_s: number;
  readonly instant_n: number;
  readonly instant_per_s: number;
  readonly cpu_ms_per_contact_instant: number;
  /** Of the worker's process, which runs with a V8 heap limit of `worker_heap_limit_mb`. */
  readonly peak_rss_mb: number;
  readonly worker_heap_limit_mb: number;
  /** Requests the CR answered 429: the worker keeps under the limit, so 0. */
  readonly rate_limited: number;
  readonly correct: boolean;
  readonly machine: string;
}

/** The upstream flow is measured on this many contacts at most; the instant CR run on this many clients. */
const BASELINE_MAX = 1000;
const INSTANT_MAX = 20_000;

/**
 * The V8 heap limit the measured worker runs with, as `NODE_OPTIONS=--max-old-space-size=192` in production:
 * without one, V8 lets garbage grow the heap far beyond what is live (about 40 MB here at any N).
 */
export const WORKER_HEAP_MB = 192;
const CHT_HEAP_MB = 16_384;

/** A child process of the benchmark (`servers.ts`), answering one request at a time. */
class Child {
  private readonly child: ChildProcess;
  private readonly replies: Reply[] = [];
  private waiter: (() => void) | undefined;
  /** Set when the process is gone (a crash: out of memory, say), so nobody waits for its answer for ever. */
  private exitCode: number | null | undefined;

  constructor(
    private readonly progress: (text: string) => void,
    execArgv: readonly string[] = [],
  ) {
    this.child = fork(path.join(__dirname, 'servers.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: [...execArgv] });
    this.child.on('message', (message: Reply) => {
      if (message.type === 'progress') {
        this.progress(message.text);
        return;
      }
      this.replies.push(message);
      this.waiter?.();
    });
    this.child.on('exit', (code) => {
      this.exitCode = code;
      this.waiter?.();
    });
  }

  async ask<T extends Reply['type']>(request: Request, answer: T): Promise<Extract<Reply, { type: T }>> {
    this.throwIfGone(request);
    this.child.send(request);
    while (this.replies.length === 0) {
      this.throwIfGone(request);
      await new Promise<void>((resolve) => (this.waiter = resolve));
    }
    const message = this.replies.shift() as Reply;
    if (message.type === 'error') {
      throw new Error(`bench servers: ${message.reason}`);
    }
    if (message.type !== answer) {
      throw new Error(`bench servers: expected ${answer}, got ${message.type}`);
    }
    return message as Extract<Reply, { type: T }>;
  }

  private throwIfGone(request: Request): void {
    if (this.exitCode !== undefined) {
      throw new Error(`bench: a child process exited (${String(this.exitCode)}) before answering ${request.type}`);
    }
  }

  stop(): Promise<void> {
    if (this.exitCode !== undefined) {
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.child.once('exit', () => resolve());
      this.child.send({ type: 'stop' } satisfies Request);
    });
  }
}

/** What the upstream service did for each contact, one after another: token, CR search, GET doc, PUT doc. */
async function baseline(couchUrl: string, hieUrl: string, ids: readonly string[]): Promise<number> {
  const { url, auth } = splitCredentials(couchUrl);
  const db = new CouchDb(createHttp({ baseURL: url, timeoutMs: 30_000, ...(auth ? { auth } : {}) }), 'baseline');
  const hie = createHttp({ baseURL: hieUrl, timeoutMs: 30_000 });
  const settings = loadConfig({ CHT_URL: couchUrl, HIE_URL: hieUrl, HIE_USERNAME: 'x', HIE_PASSWORD: 'x' }).clientRegistry;
  const started = performance.now();
  for (const id of ids) {
    const doc = (await db.get(id)) as Doc;
    const identification = identificationOf(doc, settings.identifierTypes);
    if (identification.kind === 'searchable') {
      const tokenResponse = await hie.get('/v1/hie-auth', {
        params: { key: SANDBOX_DEFAULTS.authKey },
        auth: { username: SANDBOX_DEFAULTS.username, password: SANDBOX_DEFAULTS.password },
        responseType: 'text',
      });
      const search = await hie.get('/v1/fhir/Patient', {
        params: { identifierType: identification.identifierType, identifierNumber: identification.identifierNumber },
        headers: { Authorization: `Bearer ${parseToken(tokenResponse.data) ?? ''}` },
      });
      doc.client_registry = answerFor(doc, interpretSearch(search.status, search.data));
    }
    await db.put(doc);
  }
  return ids.length / ((performance.now() - started) / 1000);
}

export async function runBench(options: BenchOptions, progress: (text: string) => void): Promise<BenchResult> {
  const { n, latencyMs, concurrency } = options;
  const instantN = Math.min(n, INSTANT_MAX);
  const baselineN = Math.min(n, BASELINE_MAX);
  // In memory, a million clients' docs and revisions outgrow V8's default heap of the CHT server's process.
  const cht = new Child(progress, options.inMemory ? [`--max-old-space-size=${CHT_HEAP_MB}`] : []);
  const hie = new Child(progress);
  const worker = new Child(progress, [`--max-old-space-size=${WORKER_HEAP_MB}`]);
  try {
    progress(`generating and seeding ${n} + ${instantN} + ${baselineN} clients`);
    const population = { n, instantN, baselineN };
    const [chtReady, hieReady] = await Promise.all([
      cht.ask({ type: 'start-cht', dataDir: mkdtempSync(path.join(os.tmpdir(), 'echis-hie-bench-')), population, inMemory: options.inMemory }, 'cht-ready'),
      hie.ask({ type: 'start-hie', population, latencyMs, concurrency }, 'hie-ready'),
    ]);
    progress(`baseline: ${baselineN} contacts one after another`);
    const baselinePerS = await baseline(chtReady.couchUrl, hieReady.sandboxUrl, chtReady.baselineIds);
    progress(`worker: ${n} clients, CR latency ${latencyMs} ms, at most ${concurrency} in flight`);
    const before = await hie.ask({ type: 'stats' }, 'stats');
    const limited = await worker.ask({ type: 'backfill', couchUrl: chtReady.couchUrl, hieUrl: hieReady.sandboxUrl, db: 'medic', n, concurrency }, 'backfilled');
    progress(`worker against an instant CR: ${instantN} clients`);
    const instant = await worker.ask({ type: 'backfill', couchUrl: chtReady.couchUrl, hieUrl: hieReady.instantUrl, db: 'instant', n: instantN, concurrency }, 'backfilled');
    progress('checking every answer');
    const checks = [await cht.ask({ type: 'verify', db: 'medic' }, 'verified'), await cht.ask({ type: 'verify', db: 'instant' }, 'verified')];
    const after = await hie.ask({ type: 'stats' }, 'stats');
    checks.flatMap((check) => check.examples).forEach((example) => progress(`wrong: ${example}`));
    const round = (value: number): number => Math.round(value * 100) / 100;
    return {
      n,
      latency_ms: latencyMs,
      concurrency,
      limit_per_s: latencyMs > 0 ? round((concurrency * 1000) / latencyMs) : Number.POSITIVE_INFINITY,
      worker_per_s: round(limited.perSecond),
      worker_seconds: round(limited.seconds),
      baseline_n: baselineN,
      baseline_per_s: round(baselinePerS),
      instant_n: instantN,
      instant_per_s: round(instant.perSecond),
      cpu_ms_per_contact_instant: round(instant.cpuMs),
      peak_rss_mb: Math.max(limited.peakRssMb, instant.peakRssMb),
      worker_heap_limit_mb: WORKER_HEAP_MB,
      lookups_per_s: round((after.searches - before.searches) / limited.seconds),
      rate_limited: after.rateLimited,
      correct: checks.every((check) => check.wrong === 0) && checks[0]?.checked === n && checks[1]?.checked === instantN,
      machine: `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node.js ${process.version}`,
    };
  } finally {
    await Promise.all([cht.stop(), hie.stop(), worker.stop()]);
  }
}

/** The short table `bench` prints, with the targets of the benchmark issue. */
export function describeBench(result: BenchResult): string {
  const mark = (ok: boolean): string => (ok ? 'met' : 'NOT met');
  const share = result.worker_per_s / result.limit_per_s;
  const speedup = result.worker_per_s / result.baseline_per_s;
  return [
    `echis-hie bench: ${result.n} clients, CR latency ${result.latency_ms} ms, at most ${result.concurrency} HIE requests in flight`,
    `  worker             ${result.worker_per_s.toFixed(1).padStart(8)} clients/s  (${(share * 100).toFixed(0)}% of the limit ${result.limit_per_s}/s: target 90%, ${mark(share >= 0.9)}; ` +
      `${result.lookups_per_s.toFixed(1)} CR look-ups/s, ${((result.lookups_per_s / result.limit_per_s) * 100).toFixed(0)}% of it)`,
    `  upstream flow      ${result.baseline_per_s.toFixed(1).padStart(8)} clients/s  (${result.baseline_n} contacts one after another; worker ${speedup.toFixed(1)}x: target 10x, ${mark(speedup >= 10)})`,
    `  worker, instant CR ${result.instant_per_s.toFixed(1).padStart(8)} clients/s  (${result.instant_n} clients: target 1000/s, ${mark(result.instant_per_s >= 1000)}), ` +
      `${result.cpu_ms_per_contact_instant.toFixed(2)} ms CPU per client (target 1 ms, ${mark(result.cpu_ms_per_contact_instant <= 1)})`,
    `  peak RSS ${result.peak_rss_mb} MB with a ${result.worker_heap_limit_mb} MB heap limit (target 300 MB, ${mark(result.peak_rss_mb <= 300)}); every answer checked: ${result.correct ? 'correct' : 'WRONG'}`,
    `  on ${result.machine}`,
  ].join('\n');
}

export function writeJson(file: string, result: BenchResult): void {
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
}
