import { expect } from 'chai';
import sinon from 'sinon';
import type { ServiceRequest } from '@medplum/fhirtypes';
import { TransientError } from '../../transitions/lib/errors';
import { DEFAULT_REFERRAL_CODES_FILE, loadReferralCodes } from '../../transitions/lib/referral-codes';
import { create, inputsOf, outcomeOf } from '../../transitions/referral-service-request';
import { readSample } from '../../transitions/sandbox/sample';
import type { Delivery } from '../../transitions/services/shr-client';
import type { Change, Doc, Info } from '../../transitions/types';
import { silentLog } from '../helpers/servers';

const [sample] = readSample<Doc[]>('referral-reports.json');
const CLIENT_ID = 'ke-sample-client-00';
const withCrId: Doc = { _id: CLIENT_ID, type: 'contact', contact_type: 'f_client', client_registry: { id: 'CR4200000000011-1', status: 'OK' } };
const withoutCrId: Doc = { _id: CLIENT_ID, type: 'contact', contact_type: 'f_client', client_registry: { error: 'no matches' } };

function report(overrides: Record<string, unknown> = {}): Doc {
  return { ...(sample as Doc), ...overrides };
}

function change(doc: Doc, info?: Info): Change {
  return { id: doc._id, seq: 1, doc, info };
}

/** The info the worker records once the transition answered `doc`. */
function answered(doc: Doc): Info {
  return { _id: `${doc._id}-info`, type: 'info', doc_id: doc._id, transitions: { referral_service_request: { inputs: inputsOf(doc), fields: { service_request: doc.service_request }, at: '' } } };
}

describe('referral_service_request transition', () => {
  let createServiceRequest: sinon.SinonStub<[ServiceRequest], Promise<Delivery>>;
  let get: sinon.SinonStub<[string], Promise<Doc | undefined>>;
  let refresh: sinon.SinonStub<[string, number], Promise<Doc | undefined>>;
  let addWaiting: sinon.SinonStub<[string, string], Promise<void>>;
  let removeWaiting: sinon.SinonStub<[string, string], Promise<void>>;
  let transition: ReturnType<typeof create>;

  beforeEach(() => {
    createServiceRequest = sinon.stub<[ServiceRequest], Promise<Delivery>>().resolves({ kind: 'created', id: 'sr-1' });
    get = sinon.stub<[string], Promise<Doc | undefined>>().resolves(withCrId);
    refresh = sinon.stub<[string, number], Promise<Doc | undefined>>().resolves(withoutCrId);
    addWaiting = sinon.stub<[string, string], Promise<void>>().resolves();
    removeWaiting = sinon.stub<[string, string], Promise<void>>().resolves();
    transition = create({
      shr: { createServiceRequest },
      contacts: { get, refresh },
      waiting: { addWaiting, removeWaiting },
      settings: { forms: ['referral'], contactTypes: ['f_client'], instanceUrl: 'https://siaya.echis.go.ke', timeZone: 'Africa/Nairobi', codes: loadReferralCodes(DEFAULT_REFERRAL_CODES_FILE) },
      log: silentLog,
    });
  });

  describe('filter', () => {
    it('takes referral reports without a result, and nothing else', () => {
      expect(transition.filter(change(report()))).to.equal(true);
      expect(transition.filter(change(report({ form: 'pregnancy_home_visit' })))).to.equal(false);
      expect(transition.filter(change(report({ type: 'contact' })))).to.equal(false);
      expect(transition.filter(change(report({ _deleted: true })))).to.equal(false);
    });

    it('never takes a delivered report again, even edited', () => {
      const delivered = report({ service_request: { id: 'sr-1', status: 'OK' } });
      expect(transition.filter(change(delivered))).to.equal(false);
      expect(transition.filter(change({ ...delivered, fields: {} }, answered(delivered)))).to.equal(false);
    });

    it('takes a waiting report on every change; another error only once its report is edited', () => {
      const waiting = report({ service_request: { error: 'client has no client registry id' } });
      expect(transition.filter(change(waiting, answered(waiting)))).to.equal(true);
      const refused = report({ service_request: { error: 'invalid facility code' } });
      expect(transition.filter(change(refused, answered(refused)))).to.equal(false);
      const edited = { ...refused, fields: { ...(refused.fields as object), referred_to_facility_code: '13902' } };
      expect(transition.filter(change(edited, answered(refused)))).to.equal(true);
    });
  });

  describe('onMatch', () => {
    it('sends the ServiceRequest for a client with a CR ID and records its id, listing nothing', async () => {
      const doc = report();
      expect(await transition.onMatch(change(doc))).to.equal(true);
      expect(doc.service_request).to.deep.equal({ id: 'sr-1', status: 'OK' });
      const [sent] = createServiceRequest.firstCall.args;
      expect(sent.subject).to.deep.equal({ reference: 'Patient/CR4200000000011-1', identifier: { value: 'CR4200000000011-1' } });
      expect(get.calledOnceWith(CLIENT_ID)).to.equal(true);
      expect(refresh.called || addWaiting.called || removeWaiting.called).to.equal(false);
    });

    it('reads the client from patient_id when patient_uuid is missing', async () => {
      const doc = report({ fields: { ...(sample?.fields as object), patient_uuid: '' } });
      await transition.onMatch(change(doc));
      expect(get.calledOnceWith(CLIENT_ID)).to.equal(true);
    });

    it('asks for a client without CR ID to be looked up again unless answered since the referral, and lists the report on it', async () => {
      get.resolves(withoutCrId);
      const doc = report();
      expect(await transition.onMatch(change(doc))).to.equal(true);
      expect(doc.service_request).to.deep.equal({ error: 'client has no client registry id' });
      expect(addWaiting.calledOnceWith(CLIENT_ID, doc._id)).to.equal(true);
      expect(addWaiting.calledBefore(refresh)).to.equal(true);
      expect(refresh.calledOnceWith(CLIENT_ID, sample?.reported_date as number)).to.equal(true);
      expect(createServiceRequest.called || removeWaiting.called).to.equal(false);
      // The echo of that write changes nothing.
      expect(await transition.onMatch(change(doc, answered(doc)))).to.equal(false);
    });

    it('sends a waiting report once its client has a CR ID and takes it off the client', async () => {
      const doc = report({ service_request: { error: 'client has no client registry id' } });
      expect(await transition.onMatch(change(doc, answered(doc)))).to.equal(true);
      expect(doc.service_request).to.deep.equal({ id: 'sr-1', status: 'OK' });
      expect(removeWaiting.calledOnceWith(CLIENT_ID, doc._id)).to.equal(true);
    });

    it('sends at once when the look-up made for it finds the CR ID', async () => {
      get.resolves(withoutCrId);
      refresh.resolves(withCrId);
      const doc = report();
      await transition.onMatch(change(doc));
      expect(doc.service_request).to.deep.equal({ id: 'sr-1', status: 'OK' });
      expect(removeWaiting.calledOnceWith(CLIENT_ID, doc._id)).to.equal(true);
    });

    it('waits for a client that is not there yet, and says so', async () => {
      get.resolves(undefined);
      refresh.resolves(undefined);
      const doc = report();
      await transition.onMatch(change(doc));
      expect(doc.service_request).to.deep.equal({ error: 'client not found' });
      expect(addWaiting.calledOnce).to.equal(true);
    });

    it('records why a report names no client or cannot be a ServiceRequest, and sends nothing', async () => {
      const noClient = report({ fields: { ...(sample?.fields as object), patient_uuid: null, patient_id: ' ' } });
      await transition.onMatch(change(noClient));
      expect(noClient.service_request).to.deep.equal({ error: 'referral has no client' });
      const badFacility = report({ fields: { ...(sample?.fields as object), referred_to_facility_code: '1390' } });
      await transition.onMatch(change(badFacility));
      expect(badFacility.service_request).to.deep.equal({ error: 'invalid facility code' });
      expect(createServiceRequest.called).to.equal(false);
    });

    it('refuses a referral about a household or a CHP: it would wait for a CR ID for ever', async () => {
      get.resolves({ _id: CLIENT_ID, type: 'contact', contact_type: 'e_household' });
      const doc = report();
      await transition.onMatch(change(doc));
      expect(doc.service_request).to.deep.equal({ error: 'referral is not about a client' });
      expect(addWaiting.called || refresh.called || createServiceRequest.called).to.equal(false);
    });

    it('records the SHR refusing the ServiceRequest', async () => {
      createServiceRequest.resolves({ kind: 'refused', reason: 'the SHR refused the ServiceRequest (HTTP 422)' });
      const doc = report();
      await transition.onMatch(change(doc));
      expect(doc.service_request).to.deep.equal({ error: 'the SHR refused the ServiceRequest (HTTP 422)' });
      expect(outcomeOf(doc.service_request as { error: string })).to.equal('shr_refused');
    });

    it('writes nothing when the SHR fails for now', async () => {
      createServiceRequest.rejects(new TransientError('shr_create_http_503'));
      const doc = report();
      let failure: unknown;
      await transition.onMatch(change(doc)).catch((error: unknown) => (failure = error));
      expect(failure).to.be.instanceOf(TransientError);
      expect(doc).not.to.have.property('service_request');
    });
  });

  it('releases the referrals waiting for a client once the client has a CR ID', () => {
    expect(transition.releasesWaiting?.(withCrId)).to.equal(true);
    expect(transition.releasesWaiting?.(withoutCrId)).to.equal(false);
    expect(transition.releasesWaiting?.({ ...withCrId, client_registry: { id: 'Patient/../x', status: 'OK' } })).to.equal(false);
  });

  it('names its outcomes with short codes for logs and metrics', () => {
    expect(outcomeOf({ id: 'sr-1', status: 'OK' })).to.equal('ok');
    expect(outcomeOf({ error: 'client has no client registry id' })).to.equal('client_has_no_client_registry_id');
    expect(outcomeOf({ error: 'invalid follow-up date' })).to.equal('invalid_follow_up_date');
    expect(outcomeOf({ error: 'invalid ServiceRequest: x at y' })).to.equal('invalid_service_request');
  });
});
