'use strict';
const { expect } = require('chai');
const { useHarness } = require('./harness');

const TASK_TITLE = 'task.echis.cr_correct_details.title';
const TARGET = 'echis-clients-with-cr-id';

const HOUSEHOLD = { _id: 'ke-test-household', parent: { _id: 'ke-test-area', parent: { _id: 'ke-test-chu', parent: { _id: 'ke-test-sub', parent: { _id: 'ke-test-county' } } } } };
const client = (id, extra) => ({
  _id: id, type: 'contact', contact_type: 'f_client', name: `Test ${id}`, parent: HOUSEHOLD, reported_date: 1733216400000,
  identification_type: 'national_id', identification_number: '12345678', ...extra,
});

describe('task and target', () => {
  const harness = useHarness({ now: '2026-12-03' });

  const subjectClient = () => harness.state.contacts.find((c) => c._id === 'ke-test-client');
  const setClient = (fields) => {
    const doc = subjectClient();
    delete doc.client_registry;
    delete doc.identification_type;
    delete doc.identification_number;
    Object.assign(doc, fields);
  };
  const tasks = () => harness.getTasks({ title: TASK_TITLE });

  describe('correct the client\'s details', () => {
    for (const error of ['no matches', 'details mismatch', 'unsupported identification type', 'invalid identification number']) {
      it(`appears for "${error}"`, async () => {
        setClient({ identification_type: 'national_id', identification_number: '12345678', client_registry: { error, ...(error === 'details mismatch' ? { fields: ['name'] } : {}) } });
        const found = await tasks();
        expect(found).to.have.length(1);
        expect(found[0].emission).to.nested.include({ 'actions[0].form': 'client_details_review', forId: 'ke-test-client' });
      });
    }

    it('does not appear for "multiple matches" (the registry must fix it), a CR ID, no answer or no identification', async () => {
      for (const fields of [
        { identification_type: 'national_id', identification_number: '12345678', client_registry: { error: 'multiple matches' } },
        { identification_type: 'national_id', identification_number: '12345678', client_registry: { id: 'CR4200000000011-1', status: 'OK' } },
        { identification_type: 'national_id', identification_number: '12345678' },
        { client_registry: { error: 'no matches' } },
      ]) {
        setClient(fields);
        expect(await tasks(), JSON.stringify(fields)).to.be.empty;
      }
    });

    it('is resolved when the error goes away, after the CHP worked on it', async () => {
      setClient({ identification_type: 'national_id', identification_number: '12345678', client_registry: { error: 'no matches' } });
      const [task] = await tasks();
      await harness.loadAction(task);
      const review = await harness.fillForm(['corrected']);
      expect(review.errors).to.be.empty;
      expect(review.report.fields).to.include({ patient_uuid: 'ke-test-client', outcome: 'corrected' });
      // Still there: the details are not confirmed yet
      expect(await tasks()).to.have.length(1);
      // The worker writes the new answer after the CHP's edit
      setClient({ identification_type: 'national_id', identification_number: '12345679', client_registry: { id: 'CR4200000000011-1', status: 'OK' } });
      expect(await tasks()).to.be.empty;
      expect(await harness.countTaskDocsByState({ title: TASK_TITLE })).to.include({ Completed: 1, Ready: 0 });
    });

    it('goes away when the error does, even without the review form', async () => {
      setClient({ identification_type: 'national_id', identification_number: '12345678', client_registry: { error: 'invalid identification number' } });
      expect(await tasks()).to.have.length(1);
      setClient({ identification_type: 'national_id', identification_number: '12345678', client_registry: { id: 'CR4200000000011-1', status: 'OK' } });
      expect(await tasks()).to.be.empty;
      expect(await harness.countTaskDocsByState({ title: TASK_TITLE })).to.include({ Ready: 0 });
    });
  });

  describe('household clients with a CR ID', () => {
    it('is the percentage of the CHP\'s household clients the Client Registry confirmed', async () => {
      setClient({ identification_type: 'national_id', identification_number: '12345678', client_registry: { id: 'CR4200000000011-1', status: 'OK' } });
      harness.pushMockedDoc(
        client('ke-test-client-2', { client_registry: { id: 'CR4200000000022-2', status: 'OK' } }),
        client('ke-test-client-3', { client_registry: { error: 'no matches' } }),
        client('ke-test-client-4', {}),
        client('ke-test-client-5', { identification_type: 'none', identification_number: '' }),
        client('ke-test-client-dead', { date_of_death: '2026-01-01', client_registry: { id: 'CR4200000000033-3', status: 'OK' } }),
        { _id: 'ke-test-other-household', type: 'contact', contact_type: 'e_household', parent: HOUSEHOLD.parent, client_registry: { id: 'CR1', status: 'OK' } },
      );
      const [target] = await harness.getTargets({ type: TARGET });
      expect(target).to.include({ id: TARGET, type: 'percent', translation_key: 'targets.echis.clients_with_cr_id.title' });
      expect(target.value).to.include({ pass: 2, total: 5, percent: 40 });
    });

    it('rises when a client is confirmed', async () => {
      setClient({ identification_type: 'national_id', identification_number: '12345678' });
      let [target] = await harness.getTargets({ type: TARGET });
      expect(target.value).to.include({ pass: 0, total: 1 });
      setClient({ identification_type: 'national_id', identification_number: '12345678', client_registry: { id: 'CR4200000000011-1', status: 'OK' } });
      [target] = await harness.getTargets({ type: TARGET });
      expect(target.value).to.include({ pass: 1, total: 1, percent: 100 });
    });
  });
});
