'use strict';
const { expect } = require('chai');
const { useHarness } = require('./harness');

// The report fields the referral transition reads; the CHT adds its own `inputs` and `meta` groups.
const REFERRAL_FIELDS = ['patient_uuid', 'patient_id', 'patient_name', 'danger_signs', 'service',
  'referred_to_facility_code', 'chu_code', 'follow_up_date', 'notes'];

describe('referral form', () => {
  const harness = useHarness({ now: '2026-12-03' });

  const fill = (dangerSigns, service, facility, followUp, notes) =>
    harness.fillForm('referral', [dangerSigns, service, facility, followUp, notes]);

  it('with danger signs: the fields the transition reads, from the client and its area', async () => {
    const result = await fill('fever,very_pale', 'out_patient', null, '2026-12-05', 'seen at home');
    expect(result.errors).to.be.empty;
    const { fields } = result.report;
    expect(Object.keys(fields).filter((k) => k !== 'inputs' && k !== 'meta')).to.have.members(REFERRAL_FIELDS);
    expect(Object.keys(fields).filter((k) => k !== 'inputs' && k !== 'meta')).to.have.length(REFERRAL_FIELDS.length);
    expect(fields).to.include({
      patient_uuid: 'ke-test-client',
      patient_id: 'ke-test-client',
      patient_name: 'Test Client Mteja',
      danger_signs: 'fever very_pale',
      service: 'out_patient',
      referred_to_facility_code: '13999', // the CHP area's link_facility_code
      chu_code: '612399',
      follow_up_date: '2026-12-05',
      notes: 'seen at home',
    });
  });

  it('without danger signs (a referral for a service), today as follow-up, another 6-digit facility', async () => {
    const result = await fill('', 'immunization', '123456', '2026-12-03', '');
    expect(result.errors).to.be.empty;
    expect(result.report.fields).to.include({
      danger_signs: '',
      service: 'immunization',
      referred_to_facility_code: '123456',
      follow_up_date: '2026-12-03',
      notes: '',
    });
  });

  it('takes the patient_id the client has, and the unit code when the area has no chu_code', async () => {
    const client = harness.state.contacts.find((c) => c._id === 'ke-test-client');
    client.patient_id = '99001';
    delete harness.state.contacts.find((c) => c._id === 'ke-test-area').chu_code;
    const result = await fill('convulsions', 'paeds', null, '2026-12-04', '');
    expect(result.errors).to.be.empty;
    expect(result.report.fields).to.include({ patient_uuid: 'ke-test-client', patient_id: '99001', chu_code: '612399' });
  });

  for (const code of ['1234', '1234567', '12a45']) {
    it(`rejects the facility code ${code}`, async () => {
      const result = await fill('fever', 'out_patient', code, '2026-12-05', '');
      expect(result.report).to.be.undefined;
      expect(result.errors.map((e) => e.msg)).to.include('A KMHFL code has 5 or 6 digits');
    });
  }

  it('rejects a follow-up date in the past', async () => {
    const result = await fill('fever', 'out_patient', null, '2026-12-02', '');
    expect(result.report).to.be.undefined;
    expect(result.errors.map((e) => e.msg)).to.include('The follow-up date must be today or later');
  });

  it('needs a service', async () => {
    const result = await fill('fever', '', null, '2026-12-05', '');
    expect(result.report).to.be.undefined;
    expect(result.errors).to.not.be.empty;
  });
});
