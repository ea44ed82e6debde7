/**
 * Runs the deployment: the one instance of `CHT_URL` exactly as `runWorker` does, or one worker per instance of
 * `CHT_INSTANCES_FILE` (each its own feed, and its own checkpoint in its own state db), all sharing one HIE
 * client: one token cache (tokens are asked for only when needed) and one cap on HIE requests in flight
 * (`CONCURRENCY`), so 47 counties never ask the HIE 47 times as much. With `METRICS_PORT`, /metrics and /healthz
 * run beside them.
 */
import type { Logger } from 'pino';
import type { Deployment, InstanceConfig } from './deployment';
import { ConfigError, reasonOf } from './lib/errors';
import { Metrics } from './metrics/metrics';
import { serveMetrics } from './metrics/server';
import { runSweep, runWorker, stopsWith, type WorkerServices } from './run';
import { HieClient } from './services/hie-client';
import { backoffMs } from './worker/backoff';
import { sleep, type RunSummary, type SweepSummary } from './worker/worker';

interface RunOptions {
  readonly once: boolean;
  readonly signal: AbortSignal;
}

/**
 * One instance's worker. An instance that cannot be started (down, or refusing its credentials: both may be
 * mended on the CHT side while the others run) is tried again with backoff; with `once`, it is given up after
 * `RETRY_ATTEMPTS_ONCE` attempts and reported as unread. Once started, the worker retries its own reads.
 */
async function runInstance({ config }: InstanceConfig, services: WorkerServices, log: Logger, options: RunOptions): Promise<RunSummary> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await runWorker(config, log, options, services);
    } catch (error) {
      const reason = error instanceof ConfigError ? error.message : reasonOf(error);
      if (options.once && attempt >= config.worker.maxAttempts) {
        log.error({ reason, attempts: attempt }, 'CHT instance given up for this run');
        return { changes: 0, written: 0, pending: 0, failed: 0, unreadFeed: reason };
      }
      const wait = backoffMs(attempt, config.worker.retry);
      // A refused user or a missing database needs a person on the CHT side; a network failure may mend itself.
      log[error instanceof ConfigError ? 'error' : 'warn']({ reason, attempt, retryInMs: wait }, 'CHT instance could not be started: will retry');
      if (!(await sleep(wait, options.signal))) {
        return { changes: 0, written: 0, pending: 0, failed: 0, unreadFeed: reason };
      }
    }
  }
}

/** The instances' summaries added up; an unread feed names its instance. */
function combined(instances: readonly InstanceConfig[], summaries: readonly RunSummary[]): RunSummary {
  const total: RunSummary = { changes: 0, written: 0, pending: 0, failed: 0 };
  const unread: string[] = [];
  summaries.forEach((summary, index) => {
    total.changes += summary.changes;
    total.written += summary.written;
    total.pending += summary.pending;
    total.failed += summary.failed;
    if (summary.unreadFeed !== undefined) {
      unread.push(`${instances[index]?.name ?? '?'}: ${summary.unreadFeed}`);
    }
  });
  return unread.length > 0 ? { ...total, unreadFeed: unread.join('; ') } : total;
}

export async function runDeployment(deployment: Deployment, log: Logger, options: RunOptions): Promise<RunSummary> {
  const endpoint = deployment.metrics;
  const metrics = endpoint ? new Metrics() : undefined;
  const server = endpoint && metrics ? await serveMetrics(metrics, endpoint, log) : undefined;
  try {
    const [first] = deployment.instances;
    const hie = stopsWith(new HieClient(first.config.hie), options.signal);
    const timed = metrics ? metrics.timed(hie) : hie;
    if (!deployment.many) {
      return await runWorker(first.config, log, options, { hie, registry: timed, observer: metrics?.observer(first.name) });
    }
    const summaries = await Promise.all(
      deployment.instances.map((instance) =>
        runInstance(instance, { hie, registry: timed, observer: metrics?.observer(instance.name) }, log.child({ cht: instance.name }), options),
      ),
    );
    return combined(deployment.instances, summaries);
  } finally {
    await server?.close();
  }
}

/**
 * One re-try sweep of every instance (`echis-hie sweep`), all sharing one HIE client as `run` does. An instance
 * that cannot be started is reported as unread, and the others are swept all the same.
 */
export async function sweepDeployment(deployment: Deployment, log: Logger, options: RunOptions): Promise<SweepSummary> {
  const hie = stopsWith(new HieClient(deployment.instances[0].config.hie), options.signal);
  const results = await Promise.allSettled(
    deployment.instances.map((instance) =>
      runSweep(instance.config, deployment.many ? log.child({ cht: instance.name }) : log, options, { hie, registry: hie }),
    ),
  );
  const total: SweepSummary = { swept: 0, written: 0, pending: 0, failed: 0, finished: true };
  const unread: string[] = [];
  results.forEach((result, index) => {
    const name = deployment.instances[index]?.name ?? '?';
    if (result.status === 'rejected') {
      unread.push(`${name}: ${result.reason instanceof ConfigError ? result.reason.message : reasonOf(result.reason)}`);
      total.finished = false;
      return;
    }
    const summary = result.value;
    total.swept += summary.swept;
    total.written += summary.written;
    total.pending += summary.pending;
    total.failed += summary.failed;
    total.finished &&= summary.finished;
    if (summary.unread !== undefined) {
      unread.push(`${name}: ${summary.unread}`);
    }
  });
  return unread.length > 0 ? { ...total, unread: unread.join('; ') } : total;
}
