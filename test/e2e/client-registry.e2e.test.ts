/**
 * End to end: the real worker against the embedded CouchDB-protocol server and the HIE sandbox, over HTTP,
 * on the eCHIS sample data, checked against the sample's oracle.
 */
import { expect } from 'chai';
import { textOf } from '../../transitions/lib/fields';
import { normalizeIdentificationNumber } from '../../transitions/lib/identification';
import { runWorker } from '../../transitions/run';
import type { Doc } from '../../transitions/types';
import { startCli, until } from '../helpers/cli';
import { contactIds as ids, contacts, expectClientOracle as expectOracle, expectedAnswers as expected, withoutRevAndAnswer } from '../helpers/oracle';
import { silentLog, startServers, type TestServers } from '../helpers/servers';

const runOnce = (servers: TestServers, overrides: Record<string, string> = {}) =>
  runWorker(servers.config(overrides), silentLog, { once: true, signal: new AbortController().signal });

describe('client registry look-up, end to end', () => {
  let servers: TestServers;

  afterEach(async () => {
    await (servers as TestServers | undefined)?.close();
  });

  describe('in process', () => {
    beforeEach(async () => {
      servers = await startServers();
    });

    it('gives every sample contact its expected client_registry and changes nothing else', async () => {
      const summary = await runOnce(servers);
      expect(summary).to.include({ pending: 0, failed: 0, written: 20 });
      await expectOracle(servers);
      expect(Object.keys(expected).filter((id) => expected[id] !== null)).to.have.length(20);
      expect(((await servers.medic.get('ke-sample-client-20')) as Doc).upi).to.equal('MOH-UPI-55A1');
    });

    it('makes no CR call on an unchanged second run, also from the start of the feed', async () => {
      await runOnce(servers);
      const searches = servers.sandbox.stats().searches;
      expect(searches).to.equal(18); // 20 identified clients less the unsupported type and the invalid number
      expect((await runOnce(servers)).written).to.equal(0);
      const checkpoint = await servers.stateDb.get('_local/echis-hie-seq');
      await servers.stateDb.put({ ...(checkpoint as Doc), seq: 0 });
      expect((await runOnce(servers)).written).to.equal(0);
      expect(servers.sandbox.stats().searches).to.equal(searches);
      await expectOracle(servers);
    });

    it('looks an edited client up again and replaces its answer; an unrelated edit asks nothing', async () => {
      await runOnce(servers);
      const before = { ...servers.sandbox.stats().searchesByNumber };
      const kevin = (await servers.medic.get('ke-sample-client-13')) as Doc;
      expect(kevin.client_registry).to.deep.equal({ error: 'details mismatch', fields: ['sex'] });
      await servers.medic.put({ ...kevin, sex: 'male' });
      const achieng = (await servers.medic.get('ke-sample-client-00')) as Doc;
      await servers.medic.put({ ...achieng, phone: '+254733000000' });
      const amani = (await servers.medic.get('ke-sample-client-04')) as Doc;
      const withoutNumber = Object.fromEntries(Object.entries(amani).filter(([field]) => field !== 'identification_number')) as Doc;
      await servers.medic.put(withoutNumber);

      expect((await runOnce(servers)).written).to.equal(2);
      const amaniAfter = (await servers.medic.get('ke-sample-client-04')) as Doc;
      expect(amaniAfter).to.not.have.property('client_registry');
      expect(withoutRevAndAnswer(amaniAfter)).to.deep.equal(withoutRevAndAnswer(withoutNumber));
      expect(((await servers.medic.get('ke-sample-client-13')) as Doc).client_registry).to.deep.equal({ id: 'CR4200000000145-2', status: 'OK' });
      const after = servers.sandbox.stats().searchesByNumber;
      expect(after['37788990']).to.equal((before['37788990'] ?? 0) + 1);
      expect(after['23456781']).to.equal(before['23456781']);
      expect(((await servers.medic.get('ke-sample-client-00')) as Doc).phone).to.equal('+254733000000');
    });
  });

  describe('the echis-hie CLI', () => {
    it('says which setting is missing in one line and exits 2', async () => {
      const { exited } = startCli(['run', '--once'], { HIE_URL: 'http://127.0.0.1:9', HIE_USERNAME: 'u', HIE_PASSWORD: 'p' });
      const result = await exited;
      expect(result.code).to.equal(2);
      expect(result.stderr.trim().split('\n')).to.deep.equal([
        'echis-hie: CHT_URL is not set: the CHT server URL with credentials, e.g. https://user:pass@county.echis.go.ke (or CHT_URL_FILE)',
      ]);
    });

    it('prints help on stdout with exit 0, and reports a bad command or option in one line with exit 2', async () => {
      const help = await startCli(['-h'], {}).exited;
      expect(help.code).to.equal(0);
      expect(help.stdout).to.match(/^usage:/);
      for (const args of [['run', '--bogus'], ['frobnicate'], ['sandbox', '--patients', 'package.json'], ['sandbox', '--port', '99999'], ['sandbox', '--patients', 'test/fixtures/echis-sample/registry-patients.json', '--fail-every', 'x'], ['sandbox', '--patients', 'test/fixtures/echis-sample/registry-patients.json', '--token-ttl-s', '0']]) {
        const result = await startCli(args, {}).exited;
        expect(result.code, args.join(' ')).to.equal(2);
        expect(result.stderr.trim().split('\n'), args.join(' ')).to.have.length(1);
      }
    });

    it('exits 2 when the state database is missing and the CHT user may not create it', async () => {
      servers = await startServers();
      const anonymous = new URL(servers.env.CHT_URL);
      anonymous.username = '';
      anonymous.password = '';
      const result = await startCli(['run', '--once'], { ...servers.env, CHT_URL: anonymous.toString() }).exited;
      expect(result.code).to.equal(2);
      expect(result.stderr.trim()).to.equal(
        'echis-hie: the state database "medic-echis-hie" (STATE_DB) does not exist and the CHT user may not create it',
      );
      expect(await servers.medic.get('ke-sample-client-00')).to.not.have.property('client_registry');
    });

    it('exits 1 with the count of changes left pending when the HIE stays down', async () => {
      servers = await startServers();
      const { exited } = startCli(['run', '--once'], { ...servers.env, HIE_URL: 'http://127.0.0.1:9', RETRY_ATTEMPTS_ONCE: '2', LOG_LEVEL: 'silent' });
      const result = await exited;
      expect(result.code).to.equal(1);
      expect(result.stderr).to.contain('echis-hie: 18 changes pending, 0 failed');
      // Only the answers that need no CR were written: the unsupported type and the invalid number.
      const docs = await servers.medic.getMany(ids);
      expect([...docs.values()].filter((doc) => doc.client_registry !== undefined).map((doc) => doc._id)).to.deep.equal([
        'ke-sample-client-16',
        'ke-sample-client-17',
      ]);
    });

    it('after SIGKILL mid-run, a restart ends with every contact right and repeats only the look-ups in flight', async () => {
      servers = await startServers({ sandbox: { latencyMs: 150 } });
      const env = { ...servers.env, CONCURRENCY: '2', LOG_LEVEL: 'silent' };
      const first = startCli(['run', '--once'], env);
      await until(() => servers.sandbox.stats().searches >= 6);
      first.child.kill('SIGKILL');
      expect((await first.exited).signal).to.equal('SIGKILL');

      // What the worker had recorded when it died must never be asked again.
      const infos = await servers.stateDb.getMany(ids.map((id) => `${id}-info`));
      const recorded = new Set([...infos.values()].map((info) => String(info.doc_id)));
      expect(recorded.size).to.be.at.least(4);
      const searchesAtKill = { ...servers.sandbox.stats().searchesByNumber };

      const second = await startCli(['run', '--once'], env).exited;
      expect(second.code).to.equal(0);
      await expectOracle(servers);

      const byNumber = servers.sandbox.stats().searchesByNumber;
      for (const doc of contacts.filter((c) => recorded.has(c._id))) {
        const number = normalizeIdentificationNumber(textOf(doc.identification_number));
        expect(byNumber[number] ?? 0, doc._id).to.equal(searchesAtKill[number] ?? 0);
      }
      // Only look-ups whose answer was not yet recorded (in flight, or answered and not yet saved) are repeated.
      const recordedNumbers = new Set(contacts.filter((c) => recorded.has(c._id)).map((c) => normalizeIdentificationNumber(textOf(c.identification_number))));
      const repeated = Object.keys(byNumber).filter((number) => (byNumber[number] ?? 0) > 1);
      expect(repeated.filter((number) => recordedNumbers.has(number))).to.deep.equal([]);
      expect(repeated.length).to.be.below(Object.keys(searchesAtKill).length);
      expect(Object.keys(byNumber)).to.have.length(18);
    });
  });
});
