import { expect } from 'chai';
import sinon from 'sinon';
import { answerFor, create, inputsOf, outcomeOf } from '../../transitions/client-registry';
import { TransientError } from '../../transitions/lib/errors';
import { DEFAULT_IDENTIFIER_TYPES } from '../../transitions/lib/identification';
import { infoId } from '../../transitions/lib/records';
import type { PatientSearch } from '../../transitions/services/hie-client';
import type { Change, Doc, Info, RegistryPatient } from '../../transitions/types';
import { silentLog } from '../helpers/servers';

const ACHIENG: RegistryPatient = {
  resourceType: 'Patient',
  id: 'CR4200000000011-1',
  name: [{ text: 'Achieng Mary Odhiambo' }],
  gender: 'female',
  birthDate: '1988-04-12',
};

function client(overrides: Record<string, unknown> = {}): Doc {
  return {
    _id: 'client-1',
    _rev: '1-a',
    type: 'contact',
    contact_type: 'f_client',
    name: 'Achieng Mary Odhiambo',
    first_name: 'Achieng',
    middle_name: 'Mary',
    last_name: 'Odhiambo',
    sex: 'female',
    date_of_birth: '1988-04-12',
    dob_method: '',
    phone: '+254700000000',
    identification_type: 'national_id',
    identification_number: '23456781',
    upi: 'MOH-UPI-1',
    parent: { _id: 'hh-1', parent: { _id: 'area-1' } },
    ...overrides,
  };
}

function change(doc: Doc, info?: Info): Change {
  return { id: doc._id, seq: 1, doc, info };
}

const found = (...patients: RegistryPatient[]): PatientSearch => ({ matches: patients.length, patients });

describe('client_registry transition', () => {
  let searchPatients: sinon.SinonStub<[string, string], Promise<PatientSearch>>;
  let transition: ReturnType<typeof create>;

  beforeEach(() => {
    searchPatients = sinon.stub();
    transition = create({
      registry: { searchPatients },
      settings: { contactTypes: ['f_client'], identifierTypes: DEFAULT_IDENTIFIER_TYPES },
      log: silentLog,
    });
  });

  afterEach(() => sinon.restore());

  /** The info the worker records after answering `doc`. */
  function answeredInfo(doc: Doc): Info {
    return {
      _id: infoId(doc._id),
      type: 'info',
      doc_id: doc._id,
      transitions: { client_registry: { inputs: transition.inputsOf(doc), fields: { client_registry: doc.client_registry }, at: '2026-12-01T00:00:00.000Z' } },
    };
  }

  describe('filter', () => {
    it('matches a household client with an identification type and number', () => {
      expect(transition.filter(change(client()))).to.equal(true);
    });

    it('does not match other contacts, reports, deleted clients or clients without identification', () => {
      expect(transition.filter(change(client({ contact_type: 'e_household' })))).to.equal(false);
      expect(transition.filter(change(client({ type: 'data_record', contact_type: undefined })))).to.equal(false);
      expect(transition.filter(change(client({ _deleted: true })))).to.equal(false);
      expect(transition.filter(change(client({ identification_number: '  ' })))).to.equal(false);
      expect(transition.filter(change(client({ identification_type: undefined })))).to.equal(false);
      expect(transition.filter(change({ _id: '_design/medic' }))).to.equal(false);
    });

    it('matches the configured contact types, including the hard-coded person type', () => {
      const people = create({ registry: { searchPatients }, settings: { contactTypes: ['person'], identifierTypes: {} }, log: silentLog });
      expect(people.filter(change(client({ type: 'person', contact_type: undefined })))).to.equal(true);
      expect(people.filter(change(client()))).to.equal(false);
    });

    it('does not match a client already answered for the same inputs, whatever else changed', () => {
      const answered = client({ client_registry: { id: ACHIENG.id, status: 'OK' } });
      const info = answeredInfo(answered);
      expect(transition.filter(change(answered, info))).to.equal(false);
      expect(transition.filter(change({ ...answered, phone: '+254711111111', _rev: '2-b' }, info))).to.equal(false);
    });

    it('leaves no matches, multiple matches and details mismatch to the sweep: an unrelated edit does not ask again', () => {
      for (const answer of [{ error: 'no matches' }, { error: 'multiple matches' }, { error: 'details mismatch', fields: ['sex'] }]) {
        const answered = client({ client_registry: answer });
        const edited = { ...answered, phone: '+254711111111', _rev: '2-b' };
        expect(transition.filter(change(edited, answeredInfo(answered))), answer.error).to.equal(false);
        expect(transition.retriedBySweep?.(edited), answer.error).to.equal(true);
      }
    });

    it('sweeps no other answer: not an ID, not the errors only an edit can change, not a client without identification', () => {
      const sweptNot = [
        client({ client_registry: { id: ACHIENG.id, status: 'OK' } }),
        client({ client_registry: { error: 'unsupported identification type' } }),
        client({ client_registry: { error: 'invalid identification number' } }),
        client({ client_registry: { error: 'no matches' }, identification_number: undefined }),
        client({ client_registry: { error: 'no matches' }, contact_type: 'e_household' }),
        client({ client_registry: 'no matches' }),
        client(),
      ];
      expect(sweptNot.map((doc) => transition.retriedBySweep?.(doc))).to.deep.equal(sweptNot.map(() => false));
    });

    it('matches a client whose identification was removed while it still carries an answer', () => {
      const answered = client({ client_registry: { id: ACHIENG.id, status: 'OK' } });
      expect(transition.filter(change({ ...answered, identification_number: '' }, answeredInfo(answered)))).to.equal(true);
      expect(transition.filter(change({ ...answered, identification_type: undefined }))).to.equal(true);
      expect(transition.filter(change(client({ identification_number: '' })))).to.equal(false);
    });

    it('matches again when an input changed or the answer is no longer on the doc', () => {
      const answered = client({ client_registry: { error: 'no matches' } });
      const info = answeredInfo(answered);
      expect(transition.filter(change({ ...answered, identification_number: '23456782' }, info))).to.equal(true);
      expect(transition.filter(change({ ...answered, last_name: 'Otieno' }, info))).to.equal(true);
      expect(transition.filter(change({ ...answered, dob_method: 'approx' }, info))).to.equal(true);
      expect(transition.filter(change(client(), info))).to.equal(true);
    });
  });

  describe('onMatch', () => {
    it('searches with the mapped type and the normalised number and writes the CR ID', async () => {
      searchPatients.resolves(found(ACHIENG));
      const doc = client({ identification_number: ' 234-567 81 ' });
      expect(await transition.onMatch(change(doc))).to.equal(true);
      expect(searchPatients.calledOnceWithExactly('National ID', '23456781')).to.equal(true);
      expect(doc.client_registry).to.deep.equal({ id: 'CR4200000000011-1', status: 'OK' });
    });

    it('changes nothing but client_registry: upi, lineage and the rest stay as they were', async () => {
      searchPatients.resolves(found(ACHIENG));
      const doc = client();
      const before = structuredClone(doc);
      await transition.onMatch(change(doc));
      const { client_registry: written, ...rest } = doc;
      expect(rest).to.deep.equal(before);
      expect(written).to.deep.equal({ id: ACHIENG.id, status: 'OK' });
    });

    it('records "no matches" and "multiple matches"', async () => {
      searchPatients.resolves(found());
      const nobody = client();
      await transition.onMatch(change(nobody));
      expect(nobody.client_registry).to.deep.equal({ error: 'no matches' });

      searchPatients.resolves(found(ACHIENG, { ...ACHIENG, id: 'CR4200000000077-9' }));
      const two = client();
      await transition.onMatch(change(two));
      expect(two.client_registry).to.deep.equal({ error: 'multiple matches' });
    });

    it('records a details mismatch naming the fields that disagree', async () => {
      searchPatients.resolves(found({ ...ACHIENG, gender: 'male', birthDate: '1980-01-01' }));
      const doc = client();
      await transition.onMatch(change(doc));
      expect(doc.client_registry).to.deep.equal({ error: 'details mismatch', fields: ['date_of_birth', 'sex'] });
    });

    it('answers an unsupported type or an invalid number without calling the CR', async () => {
      const voter = client({ identification_type: 'voter_card' });
      await transition.onMatch(change(voter));
      expect(voter.client_registry).to.deep.equal({ error: 'unsupported identification type' });

      const letters = client({ identification_number: '12AB5678' });
      await transition.onMatch(change(letters));
      expect(letters.client_registry).to.deep.equal({ error: 'invalid identification number' });
      expect(searchPatients.called).to.equal(false);
    });

    it('replaces an answer given for earlier inputs', async () => {
      searchPatients.resolves(found(ACHIENG));
      const doc = client({ client_registry: { error: 'invalid identification number' } });
      expect(await transition.onMatch(change(doc))).to.equal(true);
      expect(doc.client_registry).to.deep.equal({ id: ACHIENG.id, status: 'OK' });
    });

    it('leaves the doc untouched when the CR fails transiently', async () => {
      searchPatients.rejects(new TransientError('hie_http_503'));
      const doc = client();
      const before = structuredClone(doc);
      let thrown: unknown;
      await transition.onMatch(change(doc)).catch((error: unknown) => {
        thrown = error;
      });
      expect(thrown).to.be.instanceOf(TransientError);
      expect(doc).to.deep.equal(before);
    });

    it('removes the answer when the identification is removed: it answered a number the client no longer has', async () => {
      const doc = client({ identification_number: ' ', client_registry: { id: ACHIENG.id, status: 'OK' } });
      const before = structuredClone(doc);
      expect(await transition.onMatch(change(doc))).to.equal(true);
      expect(doc).to.not.have.property('client_registry');
      expect({ ...doc, client_registry: before.client_registry }).to.deep.equal(before);
      expect(searchPatients.called).to.equal(false);
    });

    it('restores a recorded answer the doc lost, without asking the CR again', async () => {
      const info = answeredInfo(client({ client_registry: { id: ACHIENG.id, status: 'OK' } }));
      const doc = client();
      expect(await transition.onMatch(change(doc, info))).to.equal(true);
      expect(doc.client_registry).to.deep.equal({ id: ACHIENG.id, status: 'OK' });
      expect(searchPatients.called).to.equal(false);
    });

    it('resolves false when the doc already holds the answer', async () => {
      searchPatients.resolves(found(ACHIENG));
      const doc = client({ client_registry: { id: ACHIENG.id, status: 'OK' } });
      expect(await transition.onMatch(change(doc))).to.equal(false);
    });
  });

  it('fingerprints the mapped identifierType too, so a corrected type map asks again', () => {
    const settings = { contactTypes: ['f_client'], identifierTypes: DEFAULT_IDENTIFIER_TYPES };
    const doc = client();
    expect(inputsOf(doc, settings)).to.equal(inputsOf({ ...doc, phone: '+254799999999' }, settings));
    expect(inputsOf(doc, settings)).to.not.equal(inputsOf(doc, { ...settings, identifierTypes: { national_id: 'national-id' } }));
    expect(inputsOf(doc, settings)).to.equal(inputsOf(doc, { ...settings, identifierTypes: { ...DEFAULT_IDENTIFIER_TYPES, passport: 'PP' } }));
    const voter = client({ identification_type: 'voter_card' });
    expect(inputsOf(voter, settings)).to.not.equal(inputsOf(voter, { ...settings, identifierTypes: { voter_card: 'Voter ID' } }));
  });

  describe('answerFor', () => {
    it('treats a count above one as multiple matches even when the page holds one Patient', () => {
      expect(answerFor(client(), { matches: 2, patients: [ACHIENG] })).to.deep.equal({ error: 'multiple matches' });
    });
  });

  it('names outcomes with short codes for logs', () => {
    expect(outcomeOf({ id: 'CR1', status: 'OK' })).to.equal('ok');
    expect(outcomeOf({ error: 'details mismatch', fields: ['sex'] })).to.equal('details_mismatch');
    expect(outcomeOf(undefined)).to.equal('no_identification');
  });
});
