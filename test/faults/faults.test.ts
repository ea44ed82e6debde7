/**
 * The fault suite: the built CLI (`echis-hie run --once`) against the embedded server and the sandbox over HTTP,
 * on the sample contacts and referrals, while the HIE fails, throttles, stalls, drops connections and kills
 * tokens, another writer edits the same docs, the CHT server restarts, or the worker is killed. After each
 * scenario: every contact holds the oracle's answer, every field the other writer set is still there, every
 * referral is in the SHR exactly once, and no revision of any doc ever held an answer the oracle does not
 * have (nothing is written on a transient failure).
 */
import { expect } from 'chai';
import { isDeepStrictEqual } from 'node:util';
import { referralOutcome } from '../../transitions/demo';
import type { SandboxFaults } from '../../transitions/sandbox/hie-sandbox';
import type { Doc } from '../../transitions/types';
import { startCli, until, type CliRun } from '../helpers/cli';
import { contacts, expectedAnswers, expectedReferrals, INSTANCE_URL, reports } from '../helpers/oracle';
import { allRevisions, dbClient, startServers, type TestServers } from '../helpers/servers';

const OTHER_FIELD = 'edited_by_other_writer';

/**
 * Another CHT user editing the same docs during the run: a field of its own on each, round after round. A fixed
 * number of rounds: a writer that never stops would keep moving the end of the feed `--once` reads to.
 */
class OtherWriter {
  private static readonly ROUNDS = 10;
  /** The last value it saved per doc: what must still be there at the end. */
  readonly saved = new Map<string, number>();
  private stopped = false;
  private loop: Promise<void> | undefined;

  start(servers: TestServers): void {
    const ids = [...contacts, ...reports].map((doc) => doc._id);
    this.loop = (async () => {
      for (let round = 1; !this.stopped && round <= OtherWriter.ROUNDS; round += 1) {
        // Its own client: the embedded server is the same one the worker writes to (also across a restart).
        const medic = dbClient(servers.couch.url, 'medic');
        for (const id of ids) {
          const doc = await medic.get(id).catch(() => undefined);
          if (doc !== undefined && (await medic.put({ ...doc, [OTHER_FIELD]: round }).catch(() => 'conflict')) !== 'conflict') {
            this.saved.set(id, round);
          }
        }
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }
}

interface Scenario {
  readonly name: string;
  readonly faults?: SandboxFaults;
  readonly tokenTtlS?: number;
  readonly latencyMs?: number;
  readonly otherWriter?: boolean;
  /** Something done to the run while it works; may kill it, in which case the worker is started again. */
  readonly during?: (servers: TestServers, run: CliRun) => Promise<void>;
}

const SCENARIOS: readonly Scenario[] = [
  { name: 'an HIE that fails every fourth request and issues 1.5-second tokens', faults: { failEvery: 4 }, tokenTtlS: 1.5 },
  { name: 'an HIE that throttles every third request (429, Retry-After)', faults: { rateLimitEvery: 3, retryAfterS: 1 } },
  { name: 'an HIE slower than the client timeout on every third request (POSTs stored after the client gave up)', faults: { slowEvery: 3, slowMs: 500 } },
  { name: 'an HIE that drops every fourth connection unanswered', faults: { dropEvery: 4 } },
  { name: 'an HIE that refuses every third valid token once', faults: { refuseTokenEvery: 3 } },
  { name: 'another writer editing the same contacts and reports all through the run (409 storms)', otherWriter: true, latencyMs: 20 },
  {
    name: 'the CHT server restarted mid-run',
    latencyMs: 50,
    during: async (servers) => {
      await until(() => servers.sandbox.stats().searches >= 4);
      await servers.stopCouch();
      await new Promise((resolve) => setTimeout(resolve, 300));
      await servers.restartCouch();
    },
  },
  {
    name: 'the worker killed with SIGKILL mid-batch and started again',
    latencyMs: 150,
    during: async (servers, run) => {
      await until(() => servers.sandbox.stats().searches >= 6);
      run.child.kill('SIGKILL');
    },
  },
  {
    name: 'all HIE faults at once, 1.5-second tokens and another writer',
    faults: { failEvery: 7, rateLimitEvery: 11, retryAfterS: 1, dropEvery: 13, slowEvery: 5, slowMs: 500, refuseTokenEvery: 9 },
    tokenTtlS: 1.5,
    otherWriter: true,
  },
];

/** Every field as seeded, but for the worker's own and the other writer's. */
function seededFields(doc: Doc): Record<string, unknown> {
  const ignored = new Set(['_rev', 'client_registry', 'service_request', OTHER_FIELD]);
  return Object.fromEntries(Object.entries(doc).filter(([field]) => !ignored.has(field)));
}

async function expectEverythingRight(servers: TestServers, writer: OtherWriter | undefined): Promise<void> {
  const docs = await servers.medic.getMany([...contacts, ...reports].map((doc) => doc._id));
  const stored = servers.sandbox.serviceRequests();

  const wrongAnswers = contacts.filter((seeded) => !isDeepStrictEqual(docs.get(seeded._id)?.client_registry ?? null, expectedAnswers[seeded._id] ?? null));
  expect(wrongAnswers.map((doc) => doc._id), 'contacts without the oracle answer').to.deep.equal([]);
  const outcomes = Object.fromEntries(reports.map((report) => [report._id, referralOutcome(docs.get(report._id) as Doc, stored)]));
  expect(outcomes).to.deep.equal(expectedReferrals);
  const sentFor = stored.map((request) => request.identifier?.[0]?.value).sort();
  expect(sentFor, 'one ServiceRequest per delivered report').to.deep.equal(reports.map((r) => r._id).filter((id) => !('error' in (expectedReferrals[id] as object))));

  const changed = [...contacts, ...reports].filter((seeded) => !isDeepStrictEqual(seededFields(docs.get(seeded._id) as Doc), seededFields(seeded)));
  expect(changed.map((doc) => doc._id), 'docs with another field changed').to.deep.equal([]);
  const lostEdits = [...(writer?.saved ?? new Map<string, number>())].filter(([id, value]) => docs.get(id)?.[OTHER_FIELD] !== value);
  expect(lostEdits.map(([id]) => id), "the other writer's edits lost").to.deep.equal([]);

  // Every revision ever written: an answer is the oracle's or none, a report's result its final one or none.
  for (const seeded of [...contacts, ...reports]) {
    const final = docs.get(seeded._id) as Doc;
    for (const revision of await allRevisions(servers.couch.url, 'medic', seeded._id)) {
      for (const field of ['client_registry', 'service_request']) {
        const value = revision[field];
        expect(value === undefined || isDeepStrictEqual(value, final[field]), `${seeded._id} ${revision._rev ?? ''} ${field}`).to.equal(true);
      }
    }
  }
}

describe('fault suite: the worker against a failing HIE and a busy CHT', function () {
  this.timeout(120_000);
  let servers: TestServers | undefined;

  afterEach(async () => {
    await servers?.close();
    servers = undefined;
  });

  for (const scenario of SCENARIOS) {
    it(`ends with every contact and referral right: ${scenario.name}`, async () => {
      const started = await startServers({
        reports,
        sandbox: { faults: scenario.faults, tokenTtlS: scenario.tokenTtlS ?? 20, latencyMs: scenario.latencyMs ?? 0 },
      });
      servers = started;
      const writer = scenario.otherWriter ? new OtherWriter() : undefined;
      writer?.start(started);
      const env = {
        ...started.env,
        CHT_INSTANCE_URL: INSTANCE_URL,
        LOG_LEVEL: 'silent',
        CONCURRENCY: '4',
        HIE_TIMEOUT_MS: '300',
        RETRY_ATTEMPTS_ONCE: '60',
      };
      const first = startCli(['run', '--once'], env);
      await scenario.during?.(started, first);
      let result = await first.exited;
      if (result.signal === 'SIGKILL') {
        result = await startCli(['run', '--once'], env).exited;
      }
      await writer?.stop();
      expect(result.code, result.stderr).to.equal(0);
      await expectEverythingRight(started, writer);
    });
  }
});
