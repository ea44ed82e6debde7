/**
 * End to end: referral reports become ServiceRequests in the sandbox SHR, through the real worker, the embedded
 * CouchDB-protocol server and the HIE sandbox over HTTP, checked against the sample's oracle.
 */
import { expect } from 'chai';
import { runWorker } from '../../transitions/run';
import { SANDBOX_DEFAULTS, startSandbox } from '../../transitions/sandbox/hie-sandbox';
import { readSample } from '../../transitions/sandbox/sample';
import type { Doc } from '../../transitions/types';
import { startCli, until } from '../helpers/cli';
import { expectReferralOracle as expectOracle, INSTANCE_URL, registeredPeter, reports } from '../helpers/oracle';
import { silentLog, startServers, type TestServers } from '../helpers/servers';

/** Peter (ke-sample-client-05) as the CR will know him once his corrected number is in. */
const PETER = registeredPeter('31122335');

const runOnce = (servers: TestServers) =>
  runWorker(servers.config({ CHT_INSTANCE_URL: INSTANCE_URL }), silentLog, { once: true, signal: new AbortController().signal });

describe('referrals to the SHR, end to end', () => {
  let servers: TestServers;

  afterEach(async () => {
    await (servers as TestServers | undefined)?.close();
  });

  it('sends each sample referral as one ServiceRequest a facility finds by its KMHFL code, or records why not', async () => {
    servers = await startServers({ reports });
    const summary = await runOnce(servers);
    expect(summary).to.include({ pending: 0, failed: 0 });
    await expectOracle(servers);

    const urgent = servers.sandbox.serviceRequests().find((request) => request.identifier?.[0]?.value === 'ke-sample-referral-00');
    expect(urgent).to.include({ status: 'active', intent: 'order', priority: 'urgent', authoredOn: '2024-12-03T13:00:00+03:00' });
    // What KenyaEMR asks the SHR: the active ServiceRequests for its facility.
    const response = await fetch(`${servers.sandbox.url}/fhir/R4/ServiceRequest?status=active&performer:identifier=13901`, {
      headers: { Authorization: `Bearer ${await token(servers)}` },
    });
    const bundle = (await response.json()) as { total: number; entry: { resource: { subject: { identifier: { value: string } } } }[] };
    expect(bundle.entry.map((entry) => entry.resource.subject.identifier.value).sort()).to.deep.equal(['CR4200000000011-1', 'CR4200000000022-4']);
  });

  it('looks a client up for a referral that arrived first, without waiting on itself or asking the CR twice', async () => {
    // Reports ahead of their clients in the feed (a phone that synced them first), one slot: each referral's
    // client is looked up from inside the referral's own slot.
    servers = await startServers({ contacts: [...reports, ...readSample<Doc[]>('contacts.json')] });
    const summary = await runWorker(servers.config({ CHT_INSTANCE_URL: INSTANCE_URL, CONCURRENCY: '1', BATCH_SIZE: '7' }), silentLog, {
      once: true,
      signal: new AbortController().signal,
    });
    expect(summary).to.include({ pending: 0, failed: 0 });
    await expectOracle(servers);
    expect(servers.sandbox.stats().searches).to.equal(18);
  });

  it('sends nothing twice when run again, also from the start of the feed', async () => {
    servers = await startServers({ reports });
    await runOnce(servers);
    const { serviceRequestPosts, searches } = servers.sandbox.stats();
    expect(serviceRequestPosts).to.equal(3);
    await runOnce(servers);
    const checkpoint = await servers.stateDb.get('_local/echis-hie-seq');
    await servers.stateDb.put({ ...(checkpoint as Doc), seq: 0 });
    expect((await runOnce(servers)).written).to.equal(0);
    expect(servers.sandbox.stats()).to.include({ serviceRequestPosts, searches });
    await expectOracle(servers);
  });

  it('sends a waiting referral as soon as a corrected client gets a CR ID', async () => {
    servers = await startServers({ reports, sandbox: { patients: [...readSample<unknown[]>('registry-patients.json'), PETER] } });
    await runOnce(servers);
    expect((await servers.medic.get('ke-sample-referral-03'))?.service_request).to.deep.equal({ error: 'client has no client registry id' });
    const peter = (await servers.medic.get('ke-sample-client-05')) as Doc;
    await servers.medic.put({ ...peter, identification_number: '31122335' });

    await runOnce(servers);
    expect((await servers.medic.get('ke-sample-client-05'))?.client_registry).to.deep.equal({ id: PETER.id, status: 'OK' });
    const sent = await servers.medic.get('ke-sample-referral-03');
    const request = servers.sandbox.serviceRequests().find((r) => r.identifier?.[0]?.value === 'ke-sample-referral-03');
    expect(sent?.service_request).to.deep.equal({ id: request?.id, status: 'OK' });
    expect(request).to.deep.include({ subject: { reference: `Patient/${PETER.id}`, identifier: { value: PETER.id } }, priority: 'urgent' });
    expect((await servers.stateDb.get('ke-sample-client-05-info'))?.waiting).to.deep.equal([]);
    // Only the report changed its field; the still-waiting referral for Ruth stays as it was.
    expect((await servers.medic.get('ke-sample-referral-04'))?.service_request).to.deep.equal({ error: 'client has no client registry id' });
  });

  it('sends the referrals already waiting when a new referral finds its client a CR ID', async () => {
    servers = await startServers({ reports });
    await runOnce(servers);
    expect((await servers.medic.get('ke-sample-referral-03'))?.service_request).to.deep.equal({ error: 'client has no client registry id' });
    // Later the CR knows Peter under the number he already gave, and a CHP refers him again.
    const registry = await startSandbox({ ...SANDBOX_DEFAULTS, patients: [registeredPeter('31122334')] });
    try {
      const referral = reports[3] as Doc;
      const again = { ...referral, _id: 'ke-sample-referral-05', reported_date: Date.now(), fields: { ...(referral.fields as object), follow_up_date: '2099-12-31' } };
      await servers.medic.bulkSave([again]);
      const summary = await runWorker(servers.config({ CHT_INSTANCE_URL: INSTANCE_URL, HIE_URL: registry.url }), silentLog, {
        once: true,
        signal: new AbortController().signal,
      });
      expect(summary).to.include({ pending: 0, failed: 0 });
      expect(registry.stats().searches).to.equal(1);
    } finally {
      await registry.close();
    }
    for (const id of ['ke-sample-referral-03', 'ke-sample-referral-05']) {
      expect((await servers.medic.get(id))?.service_request, id).to.have.property('status', 'OK');
    }
  });

  it('after SIGKILL mid-delivery, a restart makes no second ServiceRequest', async () => {
    servers = await startServers({ reports, sandbox: { latencyMs: 300 } });
    const env = { ...servers.env, CHT_INSTANCE_URL: INSTANCE_URL, LOG_LEVEL: 'silent' };
    const first = startCli(['run', '--once'], env);
    await until(() => servers.sandbox.stats().serviceRequestPosts >= 1, 60_000);
    first.child.kill('SIGKILL');
    await first.exited;
    // The SHR goes on to store what it was sent: the worker never heard the answer.
    await until(() => servers.sandbox.serviceRequests().length >= 1);

    const second = await startCli(['run', '--once'], env).exited;
    expect(second.code).to.equal(0);
    await expectOracle(servers);
    expect(servers.sandbox.stats().serviceRequestPosts).to.be.above(3);
  });
});

/** A token as any HIE client gets one, to ask the sandbox SHR what a facility would ask. */
async function token(servers: TestServers): Promise<string> {
  const response = await fetch(`${servers.sandbox.url}/v1/hie-auth?key=echis`, {
    headers: { Authorization: `Basic ${Buffer.from(`${servers.env.HIE_USERNAME}:${servers.env.HIE_PASSWORD}`).toString('base64')}` },
  });
  const body = await response.text();
  return body.startsWith('{') ? (JSON.parse(body) as { token: string }).token : body;
}
