'use strict';
const { expect } = require('chai');
const { useHarness, readProperties, render } = require('./harness');

const LANGUAGES = { en: readProperties('en'), sw: readProperties('sw') };

const client = (extra) => ({
  _id: 'ke-test-client-cs', type: 'contact', contact_type: 'f_client', name: 'Test Client Mteja', sex: 'female',
  date_of_birth: '1990-01-01', parent: { _id: 'ke-test-household' }, ...extra,
});
const identified = (extra) => client({ identification_type: 'national_id', identification_number: '12345678', ...extra });
const referral = (reportedDate, extra) => ({
  _id: `ke-test-referral-${reportedDate}`, type: 'data_record', form: 'referral', reported_date: reportedDate,
  fields: { patient_uuid: 'ke-test-client-cs', patient_id: 'ke-test-client-cs' }, ...extra,
});

describe('client profile (contact summary)', () => {
  const harness = useHarness();

  const summary = (contact, reports = []) => harness.getContactSummary(contact, reports, []);
  const card = (result, label) => result.cards.find((c) => c.label === label);
  /** The card as a CHP reading `language` sees it: [[label, value], …]. */
  const shown = (result, label, language) => (card(result, label) ? card(result, label).fields.map((f) => render(f, LANGUAGES[language])) : undefined);

  it('shows the CR ID of a confirmed client', async () => {
    const result = await summary(identified({ client_registry: { id: 'CR4200000000011-1', status: 'OK' } }));
    expect(shown(result, 'echis.cr.card', 'en')).to.deep.equal([['CR ID', 'CR4200000000011-1']]);
    expect(shown(result, 'echis.cr.card', 'sw')).to.deep.equal([['Nambari ya CR', 'CR4200000000011-1']]);
    expect(result.context).to.include({ cr_id: 'CR4200000000011-1', cr_error: '' });
  });

  const ERRORS = {
    'no matches': ['nobody with this identification number', 'haina mtu mwenye nambari hii'],
    'multiple matches': ['more than one person', 'zaidi ya mtu mmoja'],
    'unsupported identification type': ['cannot be checked', 'haiwezi kuhakikiwa'],
    'invalid identification number': ['not valid for its type', 'si sahihi kwa aina yake'],
  };
  for (const [error, [en, sw]] of Object.entries(ERRORS)) {
    it(`tells the CHP what to do for "${error}", in English and Kiswahili`, async () => {
      const result = await summary(identified({ client_registry: { error } }));
      const [[enLabel, enText], ...enRest] = shown(result, 'echis.cr.card', 'en');
      const [[swLabel, swText], ...swRest] = shown(result, 'echis.cr.card', 'sw');
      expect([enLabel, swLabel]).to.deep.equal(['Client Registry', 'Sajili ya Wateja']);
      expect(enText).to.contain(en);
      expect(swText).to.contain(sw);
      expect(enRest).to.be.empty;
      expect(swRest).to.be.empty;
      expect(result.context.cr_error).to.equal(error);
    });
  }

  it('names the mismatched details, in English and Kiswahili', async () => {
    const result = await summary(identified({ client_registry: { error: 'details mismatch', fields: ['date_of_birth', 'sex'] } }));
    const en = shown(result, 'echis.cr.card', 'en');
    const sw = shown(result, 'echis.cr.card', 'sw');
    expect(en[0][1]).to.contain('details differ');
    expect(en.slice(1)).to.deep.equal([['Differs', 'Date of birth'], ['Differs', 'Sex']]);
    expect(sw[0][1]).to.contain('taarifa zake ni tofauti');
    expect(sw.slice(1)).to.deep.equal([['Inatofautiana', 'Tarehe ya kuzaliwa'], ['Inatofautiana', 'Jinsia']]);
  });

  it('an error code it does not know still gets a message', async () => {
    const result = await summary(identified({ client_registry: { error: 'something new' } }));
    expect(shown(result, 'echis.cr.card', 'en')[0][1]).to.contain('could not confirm');
  });

  it('says it is waiting for the Client Registry when there is an identification but no answer', async () => {
    const result = await summary(identified());
    expect(shown(result, 'echis.cr.card', 'en')).to.deep.equal([['Client Registry', LANGUAGES.en['echis.cr.waiting']]]);
    expect(shown(result, 'echis.cr.card', 'en')[0][1]).to.contain('Waiting for the Client Registry');
    expect(shown(result, 'echis.cr.card', 'sw')[0][1]).to.contain('Inasubiri Sajili ya Wateja');
  });

  it('shows nothing about the Client Registry without an identification', async () => {
    for (const contact of [client(), client({ identification_type: 'none', identification_number: '' }),
      client({ identification_type: 'passport', identification_number: ' ' }),
      client({ client_registry: { error: 'no matches' } })]) {
      const result = await summary(contact);
      expect(card(result, 'echis.cr.card')).to.be.undefined;
    }
  });

  it('shows the legacy UPI, with or without an identification', async () => {
    let result = await summary(client({ upi: 'UPI-0001' }));
    expect(shown(result, 'echis.cr.card', 'en')).to.deep.equal([['UPI (legacy)', 'UPI-0001']]);
    expect(shown(result, 'echis.cr.card', 'sw')).to.deep.equal([['UPI (ya zamani)', 'UPI-0001']]);
    result = await summary(identified({ upi: 'UPI-0001', client_registry: { id: 'CR4200000000011-1', status: 'OK' } }));
    expect(shown(result, 'echis.cr.card', 'en')).to.deep.equal([['CR ID', 'CR4200000000011-1'], ['UPI (legacy)', 'UPI-0001']]);
  });

  it("a CHP area shows its link facility, with or without the facility's name", async () => {
    const area = { _id: 'ke-test-area-cs', type: 'contact', contact_type: 'd_community_health_volunteer_area', link_facility_code: '13999' };
    const field = (result) => result.fields.find((f) => f.label === 'echis.link_facility');
    expect(field(await summary({ ...area, link_facility_name: 'Test Dispensary' })).value).to.equal('Test Dispensary (13999)');
    expect(field(await summary(area)).value).to.equal('(13999)');
  });

  describe('last referral', () => {
    it('no referral, no card', async () => {
      const result = await summary(identified());
      expect(card(result, 'echis.referral.card')).to.be.undefined;
    });

    const STATES = [
      ['pending (no answer yet)', undefined, 'Being sent.', 'Inatumwa.'],
      ['delivered', { id: 'sr-1', status: 'OK' }, 'Delivered to the facility.', 'Imefika kwenye kituo cha afya.'],
      ['waiting for a CR ID', { error: 'client has no client registry id' }, 'Waiting: it is sent once the client has a CR ID.', 'Inasubiri: itatumwa mteja akipata nambari ya CR.'],
      ['failed', { error: 'invalid facility code' }, 'Not delivered. Tell your CHA.', 'Haikufika. Mjulishe CHA wako.'],
    ];
    for (const [name, serviceRequest, en, sw] of STATES) {
      it(`the newest referral's delivery: ${name}`, async () => {
        const older = referral(1000, { service_request: { id: 'sr-old', status: 'OK' } });
        const newest = referral(2000, serviceRequest ? { service_request: serviceRequest } : {});
        const result = await summary(identified(), [newest, older]);
        const enShown = shown(result, 'echis.referral.card', 'en');
        const swShown = shown(result, 'echis.referral.card', 'sw');
        expect(enShown[1]).to.deep.equal(['Sent to the facility', en]);
        expect(swShown[1]).to.deep.equal(['Imetumwa kwa kituo cha afya', sw]);
        expect(enShown[0][1]).to.equal(2000);
        if (serviceRequest && serviceRequest.status === 'OK') {
          expect(enShown[2]).to.deep.equal(['Referral number', 'sr-1']);
        } else {
          expect(enShown).to.have.length(2);
        }
      });
    }
  });
});
