/**
 * Operator signals for Prometheus (prom-client): CR look-ups by outcome, HIE search latency, queue depth and
 * feed lag per CHT instance, transient failures, ServiceRequests by outcome; and the health of every feed for
 * /healthz. Labels hold instance names, outcomes and reason codes only, never anything about a client. The
 * instance label is `cht`, because Prometheus sets `instance` itself on every scraped series.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { NAME as CLIENT_REGISTRY, outcomeOf } from '../client-registry';
import { NAME as REFERRAL, outcomeOf as referralOutcomeOf } from '../referral-service-request';
import type { ClientRegistry } from '../services/hie-client';
import type { ClientRegistryResult, ServiceRequestResult } from '../types';
import type { WorkerObserver } from '../worker/observer';

/** When a feed was last read, and last read to its end. */
interface Feed {
  readonly startedAt: number;
  lastReadAt?: number;
  lastEndAt?: number;
}

export interface Health {
  readonly healthy: boolean;
  readonly body: Record<string, unknown>;
}

export class Metrics {
  readonly registry = new Registry();
  private readonly feeds = new Map<string, Feed>();
  private readonly lookups = new Counter({
    name: 'echis_hie_cr_lookups_total',
    help: 'client_registry answers recorded, by outcome (ok, no_matches, details_mismatch, ...)',
    labelNames: ['cht', 'outcome'] as const,
    registers: [this.registry],
  });
  private readonly searchSeconds = new Histogram({
    name: 'echis_hie_cr_search_duration_seconds',
    help: 'HIE Client Registry searches, by result (none, one, many, failed)',
    labelNames: ['result'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  private readonly queue = new Gauge({
    name: 'echis_hie_queue_depth',
    help: 'changes read from the feed and not yet settled',
    labelNames: ['cht'] as const,
    registers: [this.registry],
  });
  private readonly failures = new Counter({
    name: 'echis_hie_transient_failures_total',
    help: 'reads, look-ups and writes that failed and will be retried, by reason code',
    labelNames: ['cht', 'reason'] as const,
    registers: [this.registry],
  });
  private readonly serviceRequests = new Counter({
    name: 'echis_hie_service_requests_total',
    help: 'referral_service_request answers recorded, by outcome (ok, client_has_no_client_registry_id, invalid_facility_code, shr_refused, ...)',
    labelNames: ['cht', 'outcome'] as const,
    registers: [this.registry],
  });

  constructor(private readonly now: () => number = Date.now) {
    const feeds = this.feeds;
    new Gauge({
      name: 'echis_hie_feed_lag_seconds',
      help: 'seconds since the feed was last read to its end (or since start, before that): below FEED_POLL_MS while the worker keeps up',
      labelNames: ['cht'] as const,
      registers: [this.registry],
      collect() {
        for (const [cht, feed] of feeds) {
          this.set({ cht }, (now() - (feed.lastEndAt ?? feed.startedAt)) / 1000);
        }
      },
    });
    collectDefaultMetrics({ register: this.registry, prefix: 'echis_hie_' });
  }

  /** The observer of one instance's worker; the instance counts for /healthz from now on. */
  observer(cht: string): WorkerObserver {
    const feed: Feed = { startedAt: this.now() };
    this.feeds.set(cht, feed);
    // Delivered referrals from zero, so that a rate over them is defined before the first one.
    this.serviceRequests.inc({ cht, outcome: 'ok' }, 0);
    return {
      feedRead: (reachedEnd) => {
        feed.lastReadAt = this.now();
        if (reachedEnd) {
          feed.lastEndAt = feed.lastReadAt;
        }
      },
      queueDepth: (changes) => this.queue.set({ cht }, changes),
      answered: (records) => {
        const lookup = records[CLIENT_REGISTRY];
        if (lookup !== undefined) {
          this.lookups.inc({ cht, outcome: outcomeOf(lookup.fields[CLIENT_REGISTRY] as ClientRegistryResult | undefined) });
        }
        const referral = records[REFERRAL]?.fields.service_request as ServiceRequestResult | undefined;
        if (referral !== undefined) {
          this.serviceRequests.inc({ cht, outcome: referralOutcomeOf(referral) });
        }
      },
      transientFailure: (reason) => this.failures.inc({ cht, reason }),
    };
  }

  /** `registry` with each search timed. */
  timed(registry: ClientRegistry): ClientRegistry {
    return {
      searchPatients: async (identifierType, identifierNumber) => {
        const end = this.searchSeconds.startTimer();
        try {
          const search = await registry.searchPatients(identifierType, identifierNumber);
          end({ result: search.matches === 0 ? 'none' : search.matches === 1 ? 'one' : 'many' });
          return search;
        } catch (error) {
          end({ result: 'failed' });
          throw error;
        }
      },
    };
  }

  /** Healthy when every instance's feed was read within `maxAgeMs`; else the reasons, per instance. */
  health(maxAgeMs: number): Health {
    const now = this.now();
    const feeds = Object.fromEntries(
      [...this.feeds].map(([cht, feed]) => {
        const age = feed.lastReadAt === undefined ? undefined : now - feed.lastReadAt;
        const reason = age === undefined ? 'feed never read' : age > maxAgeMs ? `feed not read for ${Math.round(age / 1000)} s` : undefined;
        return [cht, reason === undefined ? { ok: true, last_read_s: Math.round((age ?? 0) / 1000) } : { ok: false, reason }];
      }),
    );
    const healthy = this.feeds.size > 0 && Object.values(feeds).every((feed) => feed.ok);
    return { healthy, body: { status: healthy ? 'ok' : 'unhealthy', instances: feeds } };
  }
}
