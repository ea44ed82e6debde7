/**
 * What a running worker tells whoever watches it (the metrics module): the worker stays free of any metrics
 * library, and a worker given no observer behaves exactly as one given one. Calls must be cheap and must not
 * throw. Nothing passed here names a client: counts, reason codes and the transitions' own answers only.
 */
import type { TransitionRecord } from '../types';

export interface WorkerObserver {
  /** A feed page was read; `reachedEnd` when it held fewer changes than asked for (the worker had caught up). */
  feedRead(reachedEnd: boolean): void;
  /** Changes read and not yet settled. */
  queueDepth(changes: number): void;
  /** The transitions answered a doc; `records` holds what each wrote, by transition name. */
  answered(records: Readonly<Record<string, TransitionRecord>>): void;
  /** A read, look-up or write failed for a reason that will be retried (`cht_unreachable`, `hie_search_timeout` ...). */
  transientFailure(reason: string): void;
}
