/**
 * The worker against the real embedded CouchDB-protocol server over HTTP, with the Client Registry stubbed
 * so that failures and races happen exactly when the test needs them.
 */
import { expect } from 'chai';
import rewire from 'rewire';
import sinon from 'sinon';
import * as clientRegistry from '../../transitions/client-registry';
import { ConfigError, TransientError } from '../../transitions/lib/errors';
import type { PatientSearch } from '../../transitions/services/hie-client';
import { StateStore } from '../../transitions/services/state-store';
import type { Doc, RegistryPatient, Transition } from '../../transitions/types';
import type * as WorkerModule from '../../transitions/worker/worker';
import { until } from '../helpers/cli';
import { silentLog, startServers, type TestServers } from '../helpers/servers';

const PATIENT: RegistryPatient = { resourceType: 'Patient', id: 'CR4200000000011-1', name: [{ text: 'Achieng Odhiambo' }], gender: 'female', birthDate: '1988-04-12' };
const CLIENT: Doc = {
  _id: 'client-1',
  type: 'contact',
  contact_type: 'f_client',
  name: 'Achieng Odhiambo',
  sex: 'female',
  date_of_birth: '1988-04-12',
  identification_type: 'national_id',
  identification_number: '23456781',
  parent: { _id: 'hh-1' },
};
const found: PatientSearch = { matches: 1, patients: [PATIENT] };

describe('worker (embedded CouchDB, stubbed registry)', () => {
  let servers: TestServers;
  let searchPatients: sinon.SinonStub<[string, string], Promise<PatientSearch>>;
  let waits: number[];
  let worker: typeof WorkerModule;

  beforeEach(async () => {
    servers = await startServers({ contacts: [CLIENT] });
    searchPatients = sinon.stub();
    waits = [];
    // Waits are recorded and cut to a few milliseconds, so retries take no time and their schedule can be checked.
    const rewired = rewire<typeof WorkerModule>('../../transitions/worker/worker');
    rewired.__set__('sleep', async (ms: number, signal: AbortSignal) => {
      waits.push(ms);
      await new Promise((resolve) => setTimeout(resolve, 5));
      return !signal.aborted;
    });
    worker = rewired;
  });

  afterEach(async () => {
    sinon.restore();
    await servers.close();
  });

  function run(options: { once?: boolean; transitions?: Transition[]; signal?: AbortSignal; state?: StateStore } = {}) {
    const config = servers.config();
    const transitions = options.transitions ?? [clientRegistry.create({ registry: { searchPatients }, settings: config.clientRegistry, log: silentLog })];
    const state = options.state ?? new StateStore(servers.stateDb, 'medic');
    return state
      .ensure()
      .then(() =>
        new worker.Worker({ db: servers.medic, state, transitions: () => transitions, settings: config.worker, log: silentLog }).run({
          once: options.once ?? true,
          signal: options.signal ?? new AbortController().signal,
        }),
      );
  }

  const client = async (): Promise<Doc> => (await servers.medic.get('client-1')) as Doc;

  it('writes nothing on a transient failure and retries with growing backoff until answered', async () => {
    searchPatients.onCall(0).rejects(new TransientError('hie_http_503'));
    searchPatients.onCall(1).rejects(new TransientError('hie_rate_limited', 150));
    searchPatients.onCall(2).resolves(found);
    const summary = await run();
    expect(summary).to.include({ pending: 0, failed: 0, written: 1 });
    expect(searchPatients.callCount).to.equal(3);
    expect(waits).to.have.length(2);
    expect(waits[1]).to.be.at.least(150); // the server's Retry-After, above the 40 ms the backoff would wait
    const doc = await client();
    expect(doc._rev).to.match(/^2-/); // one write: the failures wrote nothing
    expect(doc.client_registry).to.deep.equal({ id: PATIENT.id, status: 'OK' });
  });

  it('with --once leaves a change pending after its attempts, keeps the checkpoint before it, and the next run answers it', async () => {
    searchPatients.rejects(new TransientError('hie_unreachable'));
    const first = await run();
    expect(first).to.include({ pending: 1, written: 0 });
    expect(searchPatients.callCount).to.equal(servers.config().worker.maxAttempts);
    expect((await client())._rev).to.match(/^1-/);

    searchPatients.resetBehavior();
    searchPatients.resolves(found);
    const second = await run();
    expect(second).to.include({ pending: 0, written: 1 });
    expect((await client()).client_registry).to.deep.equal({ id: PATIENT.id, status: 'OK' });
  });

  it('keeps another writer\'s edit made during the look-up (409) and adds only client_registry', async () => {
    searchPatients.callsFake(async () => {
      const doc = await client();
      await servers.medic.put({ ...doc, phone: '+254722000000', household_head: true });
      return found;
    });
    const summary = await run();
    expect(summary.written).to.equal(1);
    const doc = await client();
    expect(doc).to.deep.include({ phone: '+254722000000', household_head: true, client_registry: { id: PATIENT.id, status: 'OK' } });
    expect(searchPatients.callCount).to.equal(1);
  });

  it('drops an answer whose inputs were edited during the look-up and answers the new revision', async () => {
    searchPatients.onCall(0).callsFake(async () => {
      const doc = await client();
      await servers.medic.put({ ...doc, identification_number: '99999999' });
      return found;
    });
    searchPatients.onCall(1).resolves({ matches: 0, patients: [] });
    await run();
    expect(searchPatients.secondCall.args).to.deep.equal(['National ID', '99999999']);
    expect((await client()).client_registry).to.deep.equal({ error: 'no matches' });
  });

  it('with --once gives up on a CHT that goes away, within its attempts, and says why', async () => {
    searchPatients.callsFake(async () => {
      await servers.couch.close();
      return found;
    });
    const summary = await run();
    expect(summary.unreadFeed).to.equal('cht_unreachable');
    expect(summary.pending).to.equal(1);
    expect(summary.written).to.equal(0);
  });

  it('does not look a client up again when its change in flight finishes while the next page\'s infos are read', async () => {
    // The look-up edits the client (so the next page carries it) and answers a little later; reading infos is
    // slower still, so the first change finishes while the page with the edit waits for its infos.
    class SlowState extends StateStore {
      override async infos(ids: readonly string[]) {
        await new Promise((resolve) => setTimeout(resolve, 300));
        return super.infos(ids);
      }
    }
    searchPatients.callsFake(async () => {
      const doc = await client();
      await servers.medic.put({ ...doc, phone: '+254722000000' });
      await new Promise((resolve) => setTimeout(resolve, 100));
      return found;
    });
    const controller = new AbortController();
    const running = run({ once: false, signal: controller.signal, state: new SlowState(servers.stateDb, 'medic') });
    await until(async () => (await client()).client_registry !== undefined);
    // Time for the page with the edit to be read and its change worked on (two slow info reads).
    await new Promise((resolve) => setTimeout(resolve, 1000));
    controller.abort();
    await running;
    expect(searchPatients.callCount).to.equal(1);
    expect(await client()).to.deep.include({ phone: '+254722000000', client_registry: { id: PATIENT.id, status: 'OK' } });
  });

  it('never runs a transition on a design doc', async () => {
    const ddoc = { ...CLIENT, _id: '_design/clients' };
    await servers.medic.put(ddoc);
    searchPatients.resolves(found);
    await run();
    expect(await servers.medic.get('_design/clients')).to.not.have.property('client_registry');
    expect(await servers.stateDb.get('_design/clients-info')).to.equal(undefined);
    expect(searchPatients.callCount).to.equal(1);
  });

  it('skips a change whose transition throws a non-transient error, and carries on', async () => {
    const broken: Transition = {
      name: 'broken',
      ownedFields: ['broken'],
      inputsOf: () => '',
      filter: (change) => change.id === 'client-1',
      onMatch: () => Promise.reject(new TypeError('bug')),
    };
    await servers.medic.put({ _id: 'client-2', ...Object.fromEntries(Object.entries(CLIENT).filter(([k]) => k !== '_id')) });
    searchPatients.resolves(found);
    const summary = await run({
      transitions: [broken, clientRegistry.create({ registry: { searchPatients }, settings: servers.config().clientRegistry, log: silentLog })],
    });
    expect(summary).to.include({ failed: 1, pending: 0 });
    expect(((await servers.medic.get('client-2')) as Doc).client_registry).to.deep.equal({ id: PATIENT.id, status: 'OK' });
  });

  it('without --once follows new changes until stopped, then saves its position', async () => {
    searchPatients.resolves(found);
    const controller = new AbortController();
    const running = run({ once: false, signal: controller.signal });
    const pollMs = servers.config().worker.pollMs;
    await new Promise((resolve) => setTimeout(resolve, 300));
    await servers.medic.put({ ...CLIENT, _id: 'client-late' });
    for (let i = 0; i < 50 && (await servers.medic.get('client-late'))?.client_registry === undefined; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    controller.abort();
    const summary = await running;
    expect(summary.written).to.equal(2);
    expect(waits).to.include(pollMs);
    expect(((await servers.medic.get('client-late')) as Doc).client_registry).to.deep.equal({ id: PATIENT.id, status: 'OK' });
    expect(await new StateStore(servers.stateDb, 'medic').checkpoint()).to.not.equal(undefined);
    // The same state db for another CHT database would skip that database's changes: refused.
    const other = await new StateStore(servers.stateDb, 'medic2').checkpoint().catch((error: unknown) => error);
    expect(other).to.be.instanceOf(ConfigError);
  });
});
