/**
 * The re-try sweep, end to end: clients the CR did not know, knew twice or knew with other details are asked
 * again by the sweep only (not by unrelated edits), in pages, and a new CR ID sends the referrals waiting for it.
 */
import { expect } from 'chai';
import { isDeepStrictEqual } from 'node:util';
import { textOf } from '../../transitions/lib/fields';
import { normalizeIdentificationNumber } from '../../transitions/lib/identification';
import { runSweep, runWorker } from '../../transitions/run';
import { StateStore } from '../../transitions/services/state-store';
import type { Doc } from '../../transitions/types';
import { until } from '../helpers/cli';
import { contacts, expectedAnswers, INSTANCE_URL, registeredPeter, reports } from '../helpers/oracle';
import { silentLog, startServers, type TestServers } from '../helpers/servers';

const SWEPT_ERRORS = ['no matches', 'multiple matches', 'details mismatch'];
/** The sample clients whose oracle answer the sweep asks about again. */
const swept = contacts.filter((doc) => SWEPT_ERRORS.includes((expectedAnswers[doc._id] as { error?: string } | null)?.error ?? ''));
const numberOf = (doc: Doc): string => normalizeIdentificationNumber(textOf(doc.identification_number));
const PETER_ID = 'ke-sample-client-05';
const PETER_NUMBER = '31122334';

describe('re-try sweep, end to end', () => {
  let servers: TestServers;
  const settings = { CHT_INSTANCE_URL: INSTANCE_URL, BATCH_SIZE: '4', CONCURRENCY: '2', FEED_POLL_MS: '50' };
  const once = { once: true, signal: new AbortController().signal };

  beforeEach(async () => {
    servers = await startServers({ reports });
    await runWorker(servers.config(settings), silentLog, once);
  });

  afterEach(async () => {
    await servers.close();
  });

  const answerOf = async (id: string): Promise<unknown> => (await servers.medic.get(id))?.client_registry;
  const state = (): StateStore => new StateStore(servers.stateDb, 'medic');

  it('asks again only about no matches, multiple matches and details mismatch, in pages, and sends what a new CR ID releases', async () => {
    expect(swept.map((doc) => doc._id)).to.include(PETER_ID).and.have.length.of.at.least(3);
    // An unrelated edit of such a client asks the CR nothing: only the sweep or an edit of its details does.
    for (const doc of swept) {
      await servers.medic.put({ ...((await servers.medic.get(doc._id)) as Doc), phone: '+254722111222' });
    }
    await runWorker(servers.config(settings), silentLog, once);
    const before = { ...servers.sandbox.stats().searchesByNumber };
    const posts = servers.sandbox.stats().serviceRequestPosts;
    expect(await answerOf(PETER_ID)).to.deep.equal({ error: 'no matches' });

    servers.sandbox.register([registeredPeter(PETER_NUMBER)]);
    const summary = await runSweep(servers.config(settings), silentLog, once);

    expect(summary).to.deep.include({ swept: swept.length, pending: 0, failed: 0, finished: true });
    const after = servers.sandbox.stats().searchesByNumber;
    const sweptNumbers = new Set(swept.map(numberOf));
    for (const [number, count] of Object.entries(after)) {
      expect(count, number).to.equal((before[number] ?? 0) + (sweptNumbers.has(number) ? 1 : 0));
    }
    expect(await answerOf(PETER_ID)).to.deep.equal({ id: registeredPeter(PETER_NUMBER).id, status: 'OK' });
    for (const doc of contacts.filter((c) => c._id !== PETER_ID)) {
      expect(isDeepStrictEqual((await answerOf(doc._id)) ?? null, expectedAnswers[doc._id]), doc._id).to.equal(true);
    }
    // Peter's waiting referral went to the SHR once; the other waiting one still waits.
    const forPeter = servers.sandbox.serviceRequests().filter((request) => request.identifier?.[0]?.value === 'ke-sample-referral-03');
    expect(forPeter).to.have.length(1);
    expect((await servers.medic.get('ke-sample-referral-03'))?.service_request).to.deep.equal({ id: forPeter[0]?.id, status: 'OK' });
    expect(servers.sandbox.stats().serviceRequestPosts).to.equal(posts + 1);
    expect((await servers.medic.get('ke-sample-referral-04'))?.service_request).to.deep.equal({ error: 'client has no client registry id' });
    expect(await state().lastSweep()).to.be.a('number');
  });

  it('retries transient failures by backoff: against an HIE failing every third request with 1.5 s tokens, no client is left', async () => {
    await servers.close();
    servers = await startServers({ reports, sandbox: { faults: { failEvery: 3 }, tokenTtlS: 1.5 } });
    const config = servers.config({ ...settings, RETRY_ATTEMPTS_ONCE: '30' });
    expect(await runWorker(config, silentLog, once)).to.include({ pending: 0, failed: 0 });
    servers.sandbox.register([registeredPeter(PETER_NUMBER)]);
    const summary = await runSweep(config, silentLog, once);
    expect(summary).to.deep.include({ swept: swept.length, pending: 0, failed: 0, finished: true });
    expect(await answerOf(PETER_ID)).to.deep.equal({ id: registeredPeter(PETER_NUMBER).id, status: 'OK' });
    expect(servers.sandbox.serviceRequests().filter((request) => request.identifier?.[0]?.value === 'ke-sample-referral-03')).to.have.length(1);
  });

  it('sends a waiting referral even when the SHR failed the first time, after the client was already written', async () => {
    servers.sandbox.register([registeredPeter(PETER_NUMBER)]);
    servers.sandbox.setFaults({ failServiceRequests: 1 });
    const summary = await runSweep(servers.config(settings), silentLog, once);
    expect(summary).to.deep.include({ pending: 0, failed: 0, finished: true });
    // The sample's three, then the retry: the failed POST was answered 503 before the SHR counted it.
    expect(servers.sandbox.stats().serviceRequestPosts).to.equal(3 + 1);
    expect(servers.sandbox.serviceRequests().filter((request) => request.identifier?.[0]?.value === 'ke-sample-referral-03')).to.have.length(1);
    expect((await servers.medic.get('ke-sample-referral-03'))?.service_request).to.have.property('status', 'OK');
  });

  it('sweeps while running once SWEEP_INTERVAL has passed since the last sweep, and a restart does not sweep again early', async () => {
    const dayAgo = Date.now() - 25 * 3_600_000;
    await state().saveSweep(dayAgo);
    servers.sandbox.register([registeredPeter(PETER_NUMBER)]);
    const config = servers.config({ ...settings, SWEEP_INTERVAL: '1d' });

    const first = new AbortController();
    const running = runWorker(config, silentLog, { once: false, signal: first.signal });
    await until(async () => ((await state().lastSweep()) ?? 0) > dayAgo);
    first.abort();
    await running;
    expect(await answerOf(PETER_ID)).to.deep.equal({ id: registeredPeter(PETER_NUMBER).id, status: 'OK' });
    const sweptAt = await state().lastSweep();
    const searches = servers.sandbox.stats().searches;

    const second = new AbortController();
    const restarted = runWorker(config, silentLog, { once: false, signal: second.signal });
    // Several feed polls: long enough for a sweep to start, were one due.
    await new Promise((resolve) => setTimeout(resolve, 600));
    second.abort();
    await restarted;
    expect(servers.sandbox.stats().searches).to.equal(searches);
    expect(await state().lastSweep()).to.equal(sweptAt);
  });

  it('counts a first start as a sweep, so a new deployment does not sweep what the feed has just asked', async () => {
    const controller = new AbortController();
    const searches = servers.sandbox.stats().searches;
    const running = runWorker(servers.config({ ...settings, SWEEP_INTERVAL: '1d' }), silentLog, { once: false, signal: controller.signal });
    await until(async () => (await state().lastSweep()) !== undefined);
    await new Promise((resolve) => setTimeout(resolve, 300));
    controller.abort();
    await running;
    expect(servers.sandbox.stats().searches).to.equal(searches);
  });
});
