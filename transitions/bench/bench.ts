/**
 * `echis-hie bench`: back-fills N generated clients with the worker against a CR with latency L and a limit of C
 * requests in flight, and compares it with the upstream flow (token, CR search, GET doc, PUT doc, one contact
 * after another) and with the worker against an instant CR (its own cost). The worker runs in this process; the
 * servers run in a child process, so CPU time and peak RSS here are the worker's.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from 'pino';
import { answerFor } from '../client-registry';
import { loadConfig } from '../config';
import { identificationOf } from '../lib/identification';
import { runWorker } from '../run';
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
}

export interface BenchResult {
  readonly n: number;
  readonly latency_ms: number;
  readonly concurrency: number;
  readonly limit_per_s: number;
  readonly worker_per_s: number;
  readonly worker_seconds: number;
  readonly baseline_n: number;
  readonly baseline_per_s: number;
  readonly instant_n: number;
  readonly instant_per_s: number;
  readonly cpu_ms_per_contact_instant: number;
  readonly peak_rss_mb: number;
  /** Requests the CR answered 429: the worker keeps under the limit, so 0. */
  readonly rate_limited: number;
  readonly correct: boolean;
  readonly machine: string;
}

/** The upstream flow is measured on this many contacts at most; the instant CR run on this many clients. */
const BASELINE_MAX = 1000;
const INSTANT_MAX = 20_000;

/** The servers' process, answering one request at a time. */
class Servers {
  private readonly child: ChildProcess;
  private readonly replies: Reply[] = [];
  private waiter: (() => void) | undefined;

  constructor(private readonly progress: (text: string) => void) {
    this.child = fork(path.join(__dirname, 'servers.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child.on('message', (message: Reply) => {
      if (message.type === 'progress') {
        this.progress(message.text);
        return;
      }
      this.replies.push(message);
      this.waiter?.();
    });
  }

  async ask<T extends Reply['type']>(request: Request, answer: T): Promise<Extract<Reply, { type: T }>> {
    this.child.send(request);
    while (this.replies.length === 0) {
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

  stop(): Promise<void> {
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

/** Runs the worker to the end of `db`'s feed against `hieUrl`: clients per second and CPU ms per client. */
async function backfill(couchUrl: string, hieUrl: string, db: string, n: number, concurrency: number, log: Logger): Promise<{ perSecond: number; cpuMs: number; seconds: number }> {
  const config = loadConfig({
    CHT_URL: couchUrl,
    CHT_DB: db,
    STATE_DB: `${db}-echis-hie`,
    HIE_URL: hieUrl,
    HIE_USERNAME: SANDBOX_DEFAULTS.username,
    HIE_PASSWORD: SANDBOX_DEFAULTS.password,
    CONCURRENCY: String(concurrency),
    RETRY_BASE_MS: '200',
    LOG_LEVEL: 'warn',
  });
  const cpu = process.cpuUsage();
  const started = performance.now();
  const summary = await runWorker(config, log, { once: true, signal: new AbortController().signal });
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  if (summary.pending > 0 || summary.failed > 0) {
    throw new Error(`the worker left ${summary.pending} changes pending and ${summary.failed} failed`);
  }
  return { perSecond: n / seconds, cpuMs: (used.user + used.system) / 1000 / n, seconds };
}

export async function runBench(options: BenchOptions, progress: (text: string) => void, log: Logger): Promise<BenchResult> {
  const { n, latencyMs, concurrency } = options;
  const instantN = Math.min(n, INSTANT_MAX);
  const baselineN = Math.min(n, BASELINE_MAX);
  const servers = new Servers(progress);
  try {
    progress(`generating and seeding ${n} + ${instantN} + ${baselineN} clients`);
    const ready = await servers.ask(
      { type: 'start', dataDir: mkdtempSync(path.join(os.tmpdir(), 'echis-hie-bench-')), n, instantN, baselineN, latencyMs, concurrency },
      'ready',
    );
    progress(`baseline: ${baselineN} contacts one after another`);
    const baselinePerS = await baseline(ready.couchUrl, ready.sandboxUrl, ready.baselineIds);
    progress(`worker: ${n} clients, CR latency ${latencyMs} ms, at most ${concurrency} in flight`);
    const worker = await backfill(ready.couchUrl, ready.sandboxUrl, 'medic', n, concurrency, log);
    progress(`worker against an instant CR: ${instantN} clients`);
    const instant = await backfill(ready.couchUrl, ready.instantUrl, 'instant', instantN, concurrency, log);
    progress('checking every answer');
    const checks = [await servers.ask({ type: 'verify', db: 'medic' }, 'verified'), await servers.ask({ type: 'verify', db: 'instant' }, 'verified')];
    const { rateLimited } = await servers.ask({ type: 'stats' }, 'stats');
    checks.flatMap((check) => check.examples).forEach((example) => progress(`wrong: ${example}`));
    const round = (value: number): number => Math.round(value * 100) / 100;
    return {
      n,
      latency_ms: latencyMs,
      concurrency,
      limit_per_s: latencyMs > 0 ? round((concurrency * 1000) / latencyMs) : Number.POSITIVE_INFINITY,
      worker_per_s: round(worker.perSecond),
      worker_seconds: round(worker.seconds),
      baseline_n: baselineN,
      baseline_per_s: round(baselinePerS),
      instant_n: instantN,
      instant_per_s: round(instant.perSecond),
      cpu_ms_per_contact_instant: round(instant.cpuMs),
      peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
      rate_limited: rateLimited,
      correct: checks.every((check) => check.wrong === 0) && checks[0]?.checked === n && checks[1]?.checked === instantN,
      machine: `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node.js ${process.version}`,
    };
  } finally {
    await servers.stop();
  }
}

/** The short table `bench` prints, with the targets of the benchmark issue. */
export function describeBench(result: BenchResult): string {
  const mark = (ok: boolean): string => (ok ? 'met' : 'NOT met');
  const share = result.worker_per_s / result.limit_per_s;
  const speedup = result.worker_per_s / result.baseline_per_s;
  return [
    `echis-hie bench: ${result.n} clients, CR latency ${result.latency_ms} ms, at most ${result.concurrency} HIE requests in flight`,
    `  worker             ${result.worker_per_s.toFixed(1).padStart(8)} clients/s  (${(share * 100).toFixed(0)}% of the limit ${result.limit_per_s}/s: target 90%, ${mark(share >= 0.9)})`,
    `  upstream flow      ${result.baseline_per_s.toFixed(1).padStart(8)} clients/s  (${result.baseline_n} contacts one after another; worker ${speedup.toFixed(1)}x: target 10x, ${mark(speedup >= 10)})`,
    `  worker, instant CR ${result.instant_per_s.toFixed(1).padStart(8)} clients/s  (${result.instant_n} clients: target 1000/s, ${mark(result.instant_per_s >= 1000)}), ` +
      `${result.cpu_ms_per_contact_instant.toFixed(2)} ms CPU per client (target 1 ms, ${mark(result.cpu_ms_per_contact_instant <= 1)})`,
    `  peak RSS ${result.peak_rss_mb} MB (target 300 MB, ${mark(result.peak_rss_mb <= 300)}); every answer checked: ${result.correct ? 'correct' : 'WRONG'}`,
    `  on ${result.machine}`,
  ].join('\n');
}

export function writeJson(file: string, result: BenchResult): void {
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
}
