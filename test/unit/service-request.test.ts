import { expect } from 'chai';
import { ConfigError } from '../../transitions/lib/errors';
import { DEFAULT_REFERRAL_CODES_FILE, loadReferralCodes, parseReferralCodes } from '../../transitions/lib/referral-codes';
import { buildServiceRequest, problemOf, zonedDateTime, type ServiceRequestSettings } from '../../transitions/lib/service-request';
import { readSample } from '../../transitions/sandbox/sample';
import type { Doc } from '../../transitions/types';

const codes = loadReferralCodes(DEFAULT_REFERRAL_CODES_FILE);
const settings: ServiceRequestSettings = { instanceUrl: 'https://siaya.echis.go.ke', timeZone: 'Africa/Nairobi', codes };
const [sample] = readSample<Doc[]>('referral-reports.json');
const CR_ID = 'CR4200000000011-1';
/** The worker's clock: the sample reports were made in December 2024. */
const NOW = Date.UTC(2024, 11, 20);

function report(fields: Record<string, unknown>, extra: Record<string, unknown> = {}): Doc {
  const base = sample as Doc;
  return { ...base, ...extra, fields: { ...(base.fields as object), ...fields } };
}

function built(doc: Doc, with_: Partial<ServiceRequestSettings> = {}) {
  const result = buildServiceRequest(doc, CR_ID, { ...settings, ...with_ }, NOW);
  if ('error' in result) {
    throw new Error(`expected a ServiceRequest, got ${result.error}`);
  }
  return result.resource;
}

describe('ServiceRequest from a referral report', () => {
  it('addresses the facility by KMHFL code, the client by CR ID, and codes the danger signs with NHDD', () => {
    const resource = built(report({}));
    expect(resource).to.deep.equal({
      resourceType: 'ServiceRequest',
      identifier: [{ system: 'https://siaya.echis.go.ke', value: 'ke-sample-referral-00' }],
      status: 'active',
      intent: 'order',
      priority: 'urgent',
      category: [{ coding: [{ system: codes.serviceSystem, code: 'out_patient', display: 'Outpatient' }], text: 'Outpatient' }],
      subject: { reference: `Patient/${CR_ID}`, identifier: { value: CR_ID } },
      // 1733220000000 is 10:00 UTC: 13:00 on a CHP's phone in Kenya.
      authoredOn: '2024-12-03T13:00:00+03:00',
      occurrencePeriod: { start: '2024-12-03T13:00:00+03:00', end: '2024-12-10' },
      requester: { type: 'Organization', identifier: { value: '612301' } },
      performer: [{ type: 'Organization', identifier: { value: '13901' } }],
      reasonCode: [
        { coding: [{ system: codes.nhddSystem, code: '32879', display: 'Fever' }], text: 'Fever' },
        { coding: [{ system: codes.nhddSystem, code: '46463', display: 'Convulsions' }], text: 'Convulsions' },
      ],
      note: [{ text: 'referred by CHP' }],
    });
    expect(problemOf(resource)).to.equal(undefined);
  });

  it('is routine with no reasonCode without danger signs, and has no note without notes', () => {
    const resource = built(report({ danger_signs: '  ', notes: '' }));
    expect(resource.priority).to.equal('routine');
    expect(resource).not.to.have.property('reasonCode');
    expect(resource).not.to.have.property('note');
    expect(problemOf(resource)).to.equal(undefined);
  });

  it('sends a danger sign the dictionary has no code for as text, and each sign once', () => {
    const resource = built(report({ danger_signs: 'fast_breathing fever fast_breathing' }));
    expect(resource.reasonCode).to.deep.equal([
      { text: 'Fast breathing' },
      { coding: [{ system: codes.nhddSystem, code: '32879', display: 'Fever' }], text: 'Fever' },
    ]);
  });

  it('uses the configured identifier systems', () => {
    const resource = built(report({}), { crIdSystem: 'https://cr.example/id', facilitySystem: 'https://kmhfl.example', chuSystem: 'urn:chu' });
    expect(resource.subject.identifier).to.deep.equal({ system: 'https://cr.example/id', value: CR_ID });
    expect(resource.performer?.[0]?.identifier).to.deep.equal({ system: 'https://kmhfl.example', value: '13901' });
    expect(resource.requester?.identifier).to.deep.equal({ system: 'urn:chu', value: '612301' });
  });

  const problems: [string, Doc, string][] = [
    ['no fields', { ...(sample as Doc), fields: 'x' }, 'referral has no fields'],
    ['no report date', report({}, { reported_date: 'yesterday' }), 'invalid report date'],
    ['a report from a phone whose clock is years ahead', report({}, { reported_date: Date.UTC(2100, 0, 1) }), 'report date in the future'],
    ['a 4-digit facility code', report({ referred_to_facility_code: '1390' }), 'invalid facility code'],
    ['a facility code with letters', report({ referred_to_facility_code: '13A01' }), 'invalid facility code'],
    ['a 7-digit facility code', report({ referred_to_facility_code: '1390100' }), 'invalid facility code'],
    ['a 5-digit CHU code', report({ chu_code: '61230' }), 'invalid community health unit code'],
    ['an unknown danger sign', report({ danger_signs: 'fever headache' }), 'unknown danger sign'],
    ['danger signs as a list', report({ danger_signs: ['fever'] }), 'unknown danger sign'],
    ['an unknown service', report({ service: 'dentistry' }), 'unknown service'],
    ['no service', report({ service: undefined }), 'unknown service'],
    ['a follow-up before the report', report({ follow_up_date: '2024-12-02' }), 'invalid follow-up date'],
    ['a follow-up that is no day', report({ follow_up_date: '2024-02-30' }), 'invalid follow-up date'],
    ['a follow-up as 1985-0-3', report({ follow_up_date: '1985-0-3' }), 'invalid follow-up date'],
  ];
  for (const [what, doc, error] of problems) {
    it(`is not made for ${what}: "${error}"`, () => {
      expect(buildServiceRequest(doc, CR_ID, settings, NOW)).to.deep.equal({ error });
    });
  }

  it('takes a 6-digit facility code and a follow-up on the report day, as the day is in Kenya', () => {
    expect(built(report({ referred_to_facility_code: '139010' })).performer?.[0]?.identifier?.value).to.equal('139010');
    expect(built(report({ follow_up_date: '2024-12-03' })).occurrencePeriod?.end).to.equal('2024-12-03');
    // 22:30 UTC on the 3rd is already the 4th in Nairobi: a follow-up on the 3rd is in the past there.
    const lateEvening = Date.UTC(2024, 11, 3, 22, 30);
    expect(buildServiceRequest(report({ follow_up_date: '2024-12-03' }, { reported_date: lateEvening }), CR_ID, settings, NOW)).to.deep.equal({
      error: 'invalid follow-up date',
    });
  });

  it('writes times with the offset of their zone', () => {
    expect(zonedDateTime(Date.UTC(2024, 11, 3, 10), 'Africa/Nairobi')).to.equal('2024-12-03T13:00:00+03:00');
    expect(zonedDateTime(Date.UTC(2024, 11, 3, 10), 'UTC')).to.equal('2024-12-03T10:00:00+00:00');
  });
});

describe('ServiceRequest check', () => {
  const valid = built(report({}));

  it('refuses what the R4 structure does not allow, naming where', () => {
    expect(problemOf({ ...valid, authoredOn: '2024-13-03' })).to.match(/dateTime.*ServiceRequest\.authoredOn/);
    expect(problemOf({ ...valid, subjekt: {} })).to.match(/subjekt/);
    expect(problemOf({ ...valid, subject: undefined })).to.match(/subject/i);
    expect(problemOf({ ...valid, resourceType: 'Patient' })).to.equal('not a ServiceRequest');
    expect(problemOf(null)).to.equal('not a ServiceRequest');
  });

  it('checks the code values the structure check leaves alone', () => {
    expect(problemOf({ ...valid, status: 'draft' })).to.equal('status must be active');
    expect(problemOf({ ...valid, intent: 'plan' })).to.equal('intent must be order');
    expect(problemOf({ ...valid, priority: 'stat' })).to.equal('priority must be routine or urgent');
  });
});

describe('referral code tables', () => {
  it('ship the danger signs the referral form offers, with the NHDD codes of the facts file', () => {
    expect(Object.keys(codes.dangerSigns)).to.include.members([
      'fever',
      'convulsions',
      'fast_breathing',
      'severe_headache',
      'severe_abdominal_pain',
      'vaginal_bleeding',
      'breathlessness',
      'very_pale',
    ]);
    expect(codes.dangerSigns.severe_headache).to.deep.equal({ code: '9636', display: 'Severe headache' });
  });

  it('refuse a malformed table with a clear message', () => {
    const good = { nhdd_system: 'https://nhdd.example/', service_system: 'https://svc.example', danger_signs: {}, services: {} };
    expect(() => parseReferralCodes({ ...good, nhdd_system: 'nhdd' })).to.throw(ConfigError, /nhdd_system/);
    expect(() => parseReferralCodes({ ...good, danger_signs: { 'Fever!': { display: 'Fever' } } })).to.throw(ConfigError, /danger_signs\.Fever!/);
    expect(() => parseReferralCodes({ ...good, services: { opd: { code: 12, display: 'OPD' } } })).to.throw(ConfigError, /services\.opd/);
    expect(() => parseReferralCodes({ ...good, services: [] })).to.throw(ConfigError, /services/);
    expect(() => loadReferralCodes('/nonexistent.json')).to.throw(ConfigError, /REFERRAL_CODES_FILE/);
  });
});
