/**
 * Follows the CHT database's `_changes` feed and runs the transitions on each change, as Sentinel does, with
 * what an unattended integration needs: a bound on changes in flight, one change per doc at a time, retries
 * with backoff for transient failures, conflict-safe write-back of the transitions' own fields only (in
 * `_bulk_docs` batches when many answers are ready), and a checkpoint that never passes a change still owed
 * work. The cap on HIE requests in flight is the HIE client's (`HieAccess`), so no slot is held while a
 * change waits for the CHT.
 */
import { setMaxListeners } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import { isDeepStrictEqual } from 'node:util';
import type { Logger } from 'pino';
import { reasonOf, TransientError } from '../lib/errors';
import { ownedFieldsOf, reapplyOwnedFields, withoutRecordsBefore, withRecords } from '../lib/records';
import type { CouchDb, ChangeRow } from '../services/couch';
import type { StateStore } from '../services/state-store';
import type { Change, Contacts, Doc, Info, Seq, Transition, TransitionRecord } from '../types';
import { backoffMs, type BackoffSettings } from './backoff';
import { Batcher } from './batcher';
import { DocLocks } from './doc-locks';
import type { WorkerObserver } from './observer';
import { Progress } from './progress';

export interface WorkerSettings {
  /** Changes read per request, and docs written per `_bulk_docs`. */
  readonly batchSize: number;
  /** The feed is not read further while this many changes are unfinished. */
  readonly maxQueued: number;
  /** How long a caught-up `run` waits before reading the feed again. */
  readonly pollMs: number;
  /** The checkpoint is saved at most this often while running, and always at the end. */
  readonly checkpointEveryMs: number;
  readonly retry: BackoffSettings;
  /** With `once`, a change that failed this many times is left for the next run. */
  readonly maxAttempts: number;
  /** While `run` follows the feed, a sweep starts this long after the last one finished; 0: never. */
  readonly sweepIntervalMs: number;
}

export interface WorkerDeps {
  readonly db: CouchDb;
  readonly state: StateStore;
  /** Made once the worker exists: a transition may work on other contacts through it (see `Contacts`). */
  readonly transitions: (contacts: Contacts) => readonly Transition[];
  readonly settings: WorkerSettings;
  readonly log: Logger;
  readonly now?: () => number;
  /** Told about feed reads, queue depth, answers and failures (for /metrics and /healthz); optional. */
  readonly observer?: WorkerObserver;
}

export interface RunSummary {
  /** Changes read from the feed (retries not counted again). */
  changes: number;
  /** Docs a transition wrote back. */
  written: number;
  /** Changes still owed work (transient failures past the budget of `--once`, or cut off by shutdown). */
  pending: number;
  /** Changes skipped because a transition threw something that is not a transient failure. */
  failed: number;
  /** With `once`: why the feed could not be read to its end (the CHT or the state db stayed unreachable). */
  unreadFeed?: string;
}

/** What one sweep did: the clients it asked about again and how each ended. */
export interface SweepSummary {
  /** Docs whose answer a transition wanted asked again (`Transition.retriedBySweep`). */
  swept: number;
  written: number;
  /** Left for the next sweep: transient failures past the budget of `--once`, or cut off by shutdown. */
  pending: number;
  failed: number;
  /** With `once`: why the docs could not be read to their end. */
  unread?: string;
  /** Every doc was read and every swept one settled: the sweep counts as done. */
  finished: boolean;
}

/** How the work on one change or swept doc ended. */
type Outcome = 'written' | 'done' | 'failed' | 'pending';

/** A doc and its info as read with a feed page. */
interface Known {
  readonly doc: Doc | undefined;
  readonly info: Info | undefined;
}

/** What one run shares between the feed loop, the sweep and the work on each doc. */
interface RunState {
  readonly once: boolean;
  readonly signal: AbortSignal;
  readonly inFlight: Set<Promise<void>>;
  /** Woken each time a task ends: loops wait here for room, never on `Promise.race` over the tasks. */
  readonly onTaskEnd: Array<() => void>;
  /** The last task queued per doc id: a new change of the doc (or its sweep) waits for it. */
  readonly lastTaskOf: Map<string, Promise<void>>;
}

/** What the feed loop adds to a run: its counts and the safe feed position. */
interface FeedState extends RunState {
  readonly summary: RunSummary;
  readonly progress: Progress;
}

/** Own writes remembered at most: far more than are ever in flight; an echo not recognised is merely answered. */
const MAX_OWN_WRITES = 10_000;

/** Conflicts in a row before the write is treated as a transient failure and retried later. */
const MAX_CONFLICT_RETRIES = 10;

/** Design docs are the CHT's code, not data: no transition runs on them. */
function isDesignDoc(id: string): boolean {
  return id.startsWith('_design/');
}

/**
 * Resolves when the next task ends. (`Promise.race` over the tasks in flight would leave a reaction on each
 * task still running at every call: memory growing with the back-fill, not with the work in flight.)
 */
function taskEnd(run: RunState): Promise<void> {
  return new Promise((resolve) => run.onTaskEnd.push(resolve));
}

/** Read again after an await: TypeScript takes `signal.aborted` for unchanged since the last check. */
function stopping(signal: AbortSignal): boolean {
  return signal.aborted;
}

/** Resolves after `ms`, or early (false) when the worker is stopping. */
export async function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  try {
    await delay(ms, undefined, { signal });
    return true;
  } catch {
    return false;
  }
}

/** How `process` treats a doc: as a change from the feed, or refreshed for another doc's transition. */
interface ProcessOptions {
  /** Answers recorded before this time (ms) are not trusted: the transitions answer again. */
  readonly notBefore?: number;
  /** Run the docs this one releases (off when a waiting doc, holding its own lock, asked for the refresh). */
  readonly release?: boolean;
}

export class Worker {
  private readonly now: () => number;
  private readonly transitions: readonly Transition[];
  /**
   * Contacts refreshed for another doc's transition since the feed last caught up: what a feed page brought
   * for them may be older than that refresh, so it is read again.
   */
  private readonly refreshed = new Set<string>();
  /**
   * The revision each doc was last written as, until its change comes back through the feed: that change is
   * our own write, already answered, and is passed over without reading its info. An echo the feed brought
   * before the write's answer came back leaves its entry behind, so the oldest entries go beyond a bound.
   */
  private readonly ownWrites = new Map<string, string>();
  private readonly locks = new DocLocks();
  private readonly infoWriter: Batcher<Info, undefined>;
  private readonly docWriter: Batcher<Doc, { rev: string } | 'conflict' | TransientError>;

  constructor(private readonly deps: WorkerDeps) {
    this.now = deps.now ?? Date.now;
    const contacts: Contacts = {
      get: (id) => deps.db.get(id),
      refresh: async (id, notBefore) => {
        this.refreshed.add(id);
        await this.process({ id, seq: 0 }, undefined, { notBefore, release: false });
        return deps.db.get(id);
      },
    };
    this.transitions = deps.transitions(contacts);
    this.infoWriter = new Batcher((infos) => deps.state.saveInfos(infos), deps.settings.batchSize);
    this.docWriter = new Batcher((docs) => deps.db.bulkSave(docs), deps.settings.batchSize);
  }

  /** Processes the feed from the saved checkpoint: to its end with `once`, else until `signal` aborts. */
  async run(options: { once: boolean; signal: AbortSignal }): Promise<RunSummary> {
    const { db, state, settings, log } = this.deps;
    const { once, signal } = options;
    const since: Seq = (await state.checkpoint()) ?? 0;
    const run: FeedState = {
      ...this.runState(once, signal),
      summary: { changes: 0, written: 0, pending: 0, failed: 0 },
      progress: new Progress(since),
    };
    const { summary, progress, inFlight, lastTaskOf } = run;
    const checkpoint = new Checkpointer(state, progress, settings.checkpointEveryMs, this.now, log);
    // `--once` reads the feed to its end and no further; sweeps belong to a worker that keeps running.
    const sweeps = once || settings.sweepIntervalMs === 0 ? undefined : new SweepSchedule(state, settings.sweepIntervalMs, this.now, log);
    await sweeps?.load();
    let feedSeq = since;
    log.info({ db: db.name, since }, 'worker started');

    while (!signal.aborted) {
      sweeps?.startIfDue(() => this.sweepWith(run));
      if (inFlight.size >= settings.maxQueued) {
        await taskEnd(run);
        continue;
      }
      const page = await this.withRetries('feed read failed', () => db.changes({ since: feedSeq, limit: settings.batchSize }), run, (reason) => {
        summary.unreadFeed = reason;
      });
      if (page === undefined) {
        break;
      }
      this.deps.observer?.feedRead(page.results.length < settings.batchSize);
      if (page.results.length === 0) {
        if (inFlight.size === 0) {
          // Caught up with nothing in flight: every echo and refresh has been seen.
          this.refreshed.clear();
          this.ownWrites.clear();
        }
        if (page.lastSeq !== feedSeq) {
          progress.skipTo(page.lastSeq);
          feedSeq = page.lastSeq;
        }
        await checkpoint.maybeSave();
        if (!once) {
          await sleep(settings.pollMs, signal);
        } else if (inFlight.size === 0) {
          break;
        } else {
          // The feed's end moves as our own writes come back through it: finish them, then read once more.
          await taskEnd(run);
        }
        continue;
      }
      const echoes = new Set(page.results.filter((row) => this.isOwnWrite(row)));
      // The info of every doc without a change in flight, in one request. A doc that had one is read again when
      // its turn comes, even if that change finished meanwhile: its info may have been written after this read.
      const prefetch = page.results.filter((row) => !echoes.has(row) && !isDesignDoc(row.id) && !lastTaskOf.has(row.id) && row.doc && !row.deleted).map((row) => row.id);
      const prefetched = new Set(prefetch);
      const infos = await this.withRetries('state read failed', () => state.infos(prefetch), run, (reason) => {
        summary.unreadFeed = reason;
      });
      if (infos === undefined) {
        break;
      }
      for (const row of page.results) {
        summary.changes += 1;
        if (isDesignDoc(row.id) || echoes.has(row)) {
          if (!echoes.has(row)) {
            this.skipped(row.id, 'design_doc');
          }
          progress.skipTo(row.seq);
        } else {
          this.schedule(row, prefetched.has(row.id) ? { doc: row.doc, info: infos.get(row.id) } : undefined, run);
        }
      }
      feedSeq = page.lastSeq;
      await checkpoint.maybeSave();
    }

    await Promise.allSettled(inFlight);
    await sweeps?.finished();
    if (once && signal.aborted && summary.unreadFeed === undefined) {
      // Stopped before the end: a cron job must not take this run for one that read the whole feed.
      summary.unreadFeed = 'stopped';
    }
    summary.pending = progress.open;
    await checkpoint.save();
    const drained = once && summary.unreadFeed === undefined;
    log.info({ db: db.name, ...summary, seq: progress.safeSeq() }, drained ? 'worker drained the feed' : 'worker stopped');
    return summary;
  }

  /** The change is our own write coming back (the doc is still the revision we wrote): nothing to do. */
  private isOwnWrite(row: ChangeRow): boolean {
    const rev = this.ownWrites.get(row.id);
    if (rev === undefined) {
      return false;
    }
    this.ownWrites.delete(row.id);
    return row.doc?._rev === rev;
  }

  /**
   * Asks the transitions again about every doc whose answer may have changed without an edit (clients the CR
   * did not know, knew twice or knew with other details): reads the CHT database in pages of `batchSize`,
   * works on them under the concurrency cap with the same retries as the feed's changes, and sends what a new
   * CR ID releases. On its own (`echis-hie sweep`): with `once`, each doc gets `maxAttempts` attempts.
   */
  async sweep(options: { once: boolean; signal: AbortSignal }): Promise<SweepSummary> {
    const summary = await this.sweepWith(this.runState(options.once, options.signal));
    if (summary.finished) {
      await this.deps.state.saveSweep(this.now());
    }
    return summary;
  }

  private runState(once: boolean, signal: AbortSignal): RunState {
    // Every change waiting out a backoff listens for the stop: many listeners on this signal are by design.
    setMaxListeners(0, signal);
    return { once, signal, inFlight: new Set(), onTaskEnd: [], lastTaskOf: new Map() };
  }

  private async sweepWith(run: RunState): Promise<SweepSummary> {
    const { db, settings, log } = this.deps;
    const summary: SweepSummary = { swept: 0, written: 0, pending: 0, failed: 0, finished: false };
    const mine = new Set<Promise<void>>();
    let sweeping = 0;
    log.info({ db: db.name }, 'sweep started');
    let after: string | undefined;
    while (!run.signal.aborted) {
      const page = await this.withRetries('sweep read failed', () => db.allDocs({ after, limit: settings.batchSize }), run, (reason) => {
        summary.unread = reason;
      });
      if (page === undefined || page.length === 0) {
        break;
      }
      for (const doc of page.filter((d) => !isDesignDoc(d._id) && this.isSwept(d))) {
        summary.swept += 1;
        let written = false;
        sweeping += 1;
        const task = this.queue(doc._id, run, async () => {
          try {
            const outcome = await this.settle(doc._id, async (attempt) => (written = (await this.sweepOne(doc._id, attempt)) || written), run);
            if (outcome !== 'done') {
              summary[outcome] += 1;
            }
          } finally {
            // Counted down before the task's end wakes the loop below, so the loop sees the room it made.
            sweeping -= 1;
          }
        });
        mine.add(task);
        void task.finally(() => mine.delete(task));
      }
      after = page[page.length - 1]?._id;
      // One page ahead at most: the sweep must not crowd the feed's changes out of the queue.
      while (sweeping >= settings.batchSize) {
        await taskEnd(run);
      }
    }
    await Promise.allSettled(mine);
    summary.finished = !run.signal.aborted && summary.unread === undefined && summary.pending === 0;
    log.info({ db: db.name, ...summary }, summary.finished ? 'sweep finished' : 'sweep stopped');
    return summary;
  }

  private isSwept(doc: Doc): boolean {
    return this.transitions.some((t) => t.retriedBySweep?.(doc) === true);
  }

  /**
   * Runs the transitions on a swept doc as if it had just changed (no answer recorded before now trusted), then
   * sends what a new CR ID releases; read again when its turn comes, as a change of the doc may have been worked
   * on first. True when it was written.
   */
  private async sweepOne(id: string, attempt: number): Promise<boolean> {
    const { db, state } = this.deps;
    const doc = await db.get(id);
    if (doc === undefined) {
      return false;
    }
    if (this.isSwept(doc)) {
      return this.process({ id, seq: 0 }, { doc, info: await state.info(id) }, { notBefore: this.now() });
    }
    // No longer swept on a retry: an earlier attempt answered it and then failed to send what it releases, so
    // it is worked on as a change of it would be, which releases them (its write's echo is passed over).
    return attempt > 1 ? this.process({ id, seq: 0 }, undefined) : false;
  }

  /**
   * Queues the work on one change behind any earlier change of the same doc, so one doc is never worked on
   * twice at once. `known` is the doc and info as read with the page, when they can be trusted; behind an
   * earlier change they are read again when its turn comes.
   */
  private schedule(row: ChangeRow, known: Known | undefined, run: FeedState): void {
    const ticket = run.progress.track(row.seq);
    const first = run.lastTaskOf.has(row.id) ? undefined : known;
    void this.queue(row.id, run, async () => {
      const outcome = await this.settle(
        row.id,
        (attempt) => this.process(row, attempt === 1 && first && !this.refreshed.has(row.id) ? first : undefined),
        run,
      );
      run.summary.written += outcome === 'written' ? 1 : 0;
      run.summary.failed += outcome === 'failed' ? 1 : 0;
      if (outcome !== 'pending') {
        run.progress.settle(ticket);
      }
    });
  }

  /** Runs `work` after the last task queued for the doc; the run waits for it before it ends. */
  private queue(id: string, run: RunState, work: () => Promise<void>): Promise<void> {
    const task: Promise<void> = (run.lastTaskOf.get(id) ?? Promise.resolve())
      .then(work)
      .catch((error: unknown) => {
        // settle() handles every failure of the work itself; this keeps a bug in it from stopping the worker.
        this.deps.log.error({ doc: id, reason: reasonOf(error) }, 'change not settled');
      })
      .finally(() => {
        run.inFlight.delete(task);
        run.onTaskEnd.splice(0).forEach((wake) => wake());
        this.deps.observer?.queueDepth(run.inFlight.size);
        if (run.lastTaskOf.get(id) === task) {
          run.lastTaskOf.delete(id);
        }
      });
    run.lastTaskOf.set(id, task);
    run.inFlight.add(task);
    this.deps.observer?.queueDepth(run.inFlight.size);
    return task;
  }

  /**
   * A read the whole feed (or sweep) waits on, retried with backoff until it works. Undefined when it must end:
   * the worker is stopping, or with `once` the read failed `maxAttempts` times (`giveUp` hears why).
   */
  private async withRetries<T>(what: string, read: () => Promise<T>, run: RunState, giveUp: (reason: string) => void): Promise<T | undefined> {
    const { settings, log } = this.deps;
    for (let attempt = 1; !run.signal.aborted; attempt += 1) {
      try {
        return await read();
      } catch (error) {
        if (run.once && attempt >= settings.maxAttempts) {
          giveUp(reasonOf(error));
          return undefined;
        }
        const wait = backoffMs(attempt, settings.retry, error instanceof TransientError ? error.retryAfterMs : 0);
        this.deps.observer?.transientFailure(reasonOf(error));
        log.warn({ reason: reasonOf(error), attempt, retryInMs: wait }, what);
        await sleep(wait, run.signal);
      }
    }
    return undefined;
  }

  /**
   * Works on one doc until it is settled: done, skipped as failed, or (transient failures) retried with
   * backoff; 'pending' when the run ends first. `work` is given the attempt (the first may use what the feed
   * page brought; retries read again).
   */
  private async settle(id: string, work: (attempt: number) => Promise<boolean>, run: RunState): Promise<Outcome> {
    const { settings, log } = this.deps;
    for (let attempt = 1; !run.signal.aborted; attempt += 1) {
      try {
        return (await work(attempt)) ? 'written' : 'done';
      } catch (error) {
        if (!(error instanceof TransientError)) {
          log.error({ doc: id, reason: reasonOf(error) }, 'transition failed: change skipped');
          return 'failed';
        }
        // A failure because the worker is stopping (an HIE slot refused) is no failure to report or wait out.
        if (stopping(run.signal)) {
          return 'pending';
        }
        this.deps.observer?.transientFailure(error.reason);
        if (run.once && attempt >= settings.maxAttempts) {
          log.warn({ doc: id, reason: error.reason, attempts: attempt }, 'change left for the next run');
          return 'pending';
        }
        const wait = backoffMs(attempt, settings.retry, error.retryAfterMs);
        log.warn({ doc: id, reason: error.reason, attempt, retryInMs: wait }, 'transient failure: will retry');
        await sleep(wait, run.signal);
      }
    }
    return 'pending';
  }

  /**
   * Runs the transitions on one change (holding the doc's lock), then, with the lock let go, on the docs it
   * releases; true when the doc was written back. A doc listed as waiting after the list was read here is one
   * whose own change is in flight: it reads this doc again under this doc's lock, so it sees what was written.
   */
  private async process(row: Pick<ChangeRow, 'id' | 'seq'>, known: Known | undefined, options: ProcessOptions = {}): Promise<boolean> {
    const { db, state } = this.deps;
    const outcome = await this.locks.with(row.id, async () => {
      const doc = known ? known.doc : await db.get(row.id);
      if (doc === undefined || doc._deleted) {
        this.skipped(row.id, 'deleted');
        return undefined;
      }
      const info = known ? known.info : await state.info(row.id);
      const trusted = options.notBefore === undefined ? info : withoutRecordsBefore(info, options.notBefore);
      // A doc that may not release here (a refresh) releases when its own write comes back through the feed.
      const echo = options.release === false;
      return { doc, info, written: await this.answer({ id: row.id, seq: row.seq, doc, info: trusted }, info, echo) };
    });
    if (outcome === undefined) {
      return false;
    }
    const { doc, info, written } = outcome;
    if (options.release !== false && this.releasesWaiting(doc)) {
      for (const id of info?.waiting ?? []) {
        await this.process({ id, seq: row.seq }, undefined, { release: false });
      }
    }
    return written;
  }

  private releasesWaiting(doc: Doc): boolean {
    return this.transitions.some((t) => t.releasesWaiting?.(doc));
  }

  /**
   * Runs the matching transitions, records their answers on `stored` (the info as it is in the state db) and
   * writes the doc back; true when it was written.
   */
  private async answer(change: Change, stored: Info | undefined, echo: boolean): Promise<boolean> {
    const { doc } = change;
    const answered: Transition[] = [];
    let changed = false;
    for (const transition of this.transitions) {
      if (transition.filter(change)) {
        changed = (await transition.onMatch(change)) || changed;
        answered.push(transition);
      }
    }
    if (answered.length === 0) {
      this.skipped(change.id, 'no_transition_applies');
      return false;
    }
    // The answer is recorded before it is written: a crash in between is repaired from the record, with no
    // second look-up; the other order could lose the answer or ask the HIE twice.
    const at = new Date(this.now()).toISOString();
    const records: Record<string, TransitionRecord> = Object.fromEntries(
      answered.map((t) => [t.name, { inputs: t.inputsOf(doc), fields: ownedFieldsOf(doc, t.ownedFields), at }]),
    );
    await this.infoWriter.push(withRecords(stored, change.id, records));
    this.deps.observer?.answered(records);
    return changed && (await this.writeBack(doc, answered, echo && this.releasesWaiting(doc)));
  }

  /**
   * Says why a change was left alone, for an operator asking why a doc has no answer: the doc id and a code,
   * never its contents (a malformed doc may hold anything). Debug level: most changes of a CHT database are
   * docs no transition is for.
   */
  private skipped(id: string, reason: 'design_doc' | 'deleted' | 'no_transition_applies'): void {
    this.deps.log.debug({ doc: id, reason }, 'change skipped');
  }

  /**
   * Saves with the read `_rev` (batched with other answers ready at the same moment); on 409 re-reads and puts
   * only the transitions' own fields on the latest revision. Its echo in the feed is passed over unless `echo`.
   */
  private async writeBack(answered: Doc, transitions: readonly Transition[], echo: boolean): Promise<boolean> {
    const { db, log } = this.deps;
    const ownedFields = transitions.flatMap((t) => t.ownedFields);
    let saved = await this.docWriter.push(answered);
    for (let conflicts = 1; saved === 'conflict'; conflicts += 1) {
      if (conflicts > MAX_CONFLICT_RETRIES) {
        throw new TransientError('cht_put_conflicts');
      }
      const latest = await db.get(answered._id);
      const merged = latest && reapplyOwnedFields(latest, answered, transitions);
      if (!merged) {
        log.debug({ doc: answered._id }, 'doc changed meanwhile: the newer revision will be answered');
        return false;
      }
      if (isDeepStrictEqual(ownedFieldsOf(latest, ownedFields), ownedFieldsOf(answered, ownedFields))) {
        return false;
      }
      saved = await db.put(merged);
    }
    if (saved instanceof TransientError) {
      throw saved;
    }
    if (!echo) {
      this.ownWrites.set(answered._id, saved.rev);
      if (this.ownWrites.size > MAX_OWN_WRITES) {
        // Maps iterate in insertion order: the first key is the oldest write, whose echo has long been read.
        this.ownWrites.delete(this.ownWrites.keys().next().value as string);
      }
    }
    return true;
  }
}

/** Saves the safe feed position: at most every `everyMs` while running, and once more at the end. */
class Checkpointer {
  private saved: Seq;
  private savedAt: number;

  constructor(
    private readonly state: StateStore,
    private readonly progress: Progress,
    private readonly everyMs: number,
    private readonly now: () => number,
    private readonly log: Logger,
  ) {
    this.saved = progress.safeSeq();
    this.savedAt = now();
  }

  async maybeSave(): Promise<void> {
    if (this.now() - this.savedAt >= this.everyMs) {
      await this.save();
    }
  }

  async save(): Promise<void> {
    const seq = this.progress.safeSeq();
    this.savedAt = this.now();
    if (seq === this.saved) {
      return;
    }
    try {
      await this.state.saveCheckpoint(seq);
      this.saved = seq;
    } catch (error) {
      this.log.warn({ reason: reasonOf(error) }, 'checkpoint not saved: will try again');
    }
  }
}

/**
 * When the next sweep of a running worker is due: `intervalMs` after the last one finished, as recorded in the
 * state db, so a restart does not sweep again early. A worker that never swept counts its first start as a
 * sweep: reading the feed from its start asks about every client anyway.
 */
class SweepSchedule {
  private dueAt = Number.POSITIVE_INFINITY;
  private running: Promise<void> | undefined;

  constructor(
    private readonly state: StateStore,
    private readonly intervalMs: number,
    private readonly now: () => number,
    private readonly log: Logger,
  ) {}

  async load(): Promise<void> {
    let last = await this.state.lastSweep();
    if (last === undefined) {
      last = this.now();
      await this.state.saveSweep(last);
    }
    this.dueAt = last + this.intervalMs;
  }

  startIfDue(sweep: () => Promise<SweepSummary>): void {
    if (this.running !== undefined || this.now() < this.dueAt) {
      return;
    }
    this.running = sweep()
      .then(async (summary) => {
        // A sweep cut short (shutdown) is not recorded: the next start sweeps again.
        if (summary.finished) {
          await this.state.saveSweep(this.now());
        }
      })
      .catch((error: unknown) => {
        this.log.warn({ reason: reasonOf(error) }, 'sweep time not saved');
      })
      .finally(() => {
        this.dueAt = this.now() + this.intervalMs;
        this.running = undefined;
      });
  }

  async finished(): Promise<void> {
    await this.running;
  }
}
