'use strict';
const fs = require('fs');
const path = require('path');
const { expect } = require('chai');
const { useHarness, ROOT } = require('./harness');

// The worker's own rule (compiled by tsc, which npm test runs first): the form must accept exactly the
// numbers the worker would search the Client Registry with.
const identificationJs = path.join(ROOT, 'dist', 'transitions', 'lib', 'identification.js');
if (!fs.existsSync(identificationJs)) {
  throw new Error('dist/ is missing: run tsc -p . first (npm test does)');
}
const { identificationOf, DEFAULT_IDENTIFIER_TYPES } = require(identificationJs);

const NUMBERS = [
  ['national_id', '12345678'], ['national_id', '0012 3456'], ['national_id', '1234-5678'], ['national_id', 'A1234567'],
  ['national_id', '1'.repeat(32)], ['national_id', '1'.repeat(33)], ['national_id', '12 34 56 78 90 12 34 56 78 90 12 34 56 78 90 12'],
  ['birth_certificate', 'BC-123 456'], ['birth_certificate', 'bc123'], ['birth_certificate', '12/34'],
  ['passport', 'AK1234567'], ['passport', 'AK12345#'], ['alien_card', '123456789'], ['alien_card', 'X.1'],
  ['refugee_id', 'RF 0001'], ['refugee_id', 'RF_001'], ['refugee_id', 'Ä123'],
];

describe('client and household contact forms', () => {
  const harness = useHarness({ now: '2026-12-03' });

  // first, middle, last, sex, dob method, [dob | age years, months], phone, id type, [id number]
  const create = (...answers) => harness.fillContactCreateForm('f_client', answers);

  it('creates a client with an exact date of birth and a national ID', async () => {
    const result = await create('Test', 'Mid', 'Mteja', 'female', 'calendar', '1990-05-17', '0712000000', 'national_id', '1234 5678');
    expect(result.errors).to.be.empty;
    expect(result.contacts[0]).to.include({
      type: 'contact', contact_type: 'f_client', first_name: 'Test', middle_name: 'Mid', last_name: 'Mteja',
      name: 'Test Mid Mteja', sex: 'female', dob_method: 'calendar', date_of_birth: '1990-05-17', phone: '0712000000',
      identification_type: 'national_id', identification_number: '1234 5678',
    });
  });

  it('stores an approximate age as date_of_birth with dob_method approx', async () => {
    const result = await create('Test', '', 'Mteja', 'male', 'approx', '30', '6', '', 'none', '');
    expect(result.errors).to.be.empty;
    const client = result.contacts[0];
    expect(client).to.include({ name: 'Test Mteja', dob_method: 'approx', identification_type: 'none', identification_number: '' });
    // 30.5 years before 2026-12-03, within a few days
    expect(client.date_of_birth).to.match(/^1996-0[56]-\d\d$/);
  });

  it('rejects a date of birth in the future and a phone number that is not Kenyan', async () => {
    let result = await create('Test', '', 'Mteja', 'male', 'calendar', '2026-12-04', '', 'none', '');
    expect(result.errors.map((e) => e.msg)).to.include('The date of birth cannot be in the future');
    result = await create('Test', '', 'Mteja', 'male', 'calendar', '2000-01-01', '12345', 'none', '');
    expect(result.errors.map((e) => e.msg)).to.include('Enter a Kenyan mobile number: 07XXXXXXXX, 01XXXXXXXX or +2547XXXXXXXX');
  });

  it('offers the five identification types the worker supports, or none', async () => {
    const xml = fs.readFileSync(path.join(ROOT, 'forms', 'contact', 'f_client-create.xml'), 'utf8');
    const block = /<instance id="identification_type">([\s\S]*?)<\/instance>/.exec(xml)[1];
    const names = [...block.matchAll(/<name>([^<]*)<\/name>/g)].map((m) => m[1]);
    expect(names).to.have.members(['none', ...Object.keys(DEFAULT_IDENTIFIER_TYPES)]);
  });

  // The harness saves contact forms without Enketo's submit-time required check, so this reads the binds.
  it('requires the number once a type is chosen, and the type itself', () => {
    for (const action of ['create', 'edit']) {
      const xml = fs.readFileSync(path.join(ROOT, 'forms', 'contact', `f_client-${action}.xml`), 'utf8');
      const bind = (name) => new RegExp(`<bind nodeset="/data/f_client/${name}"[^>]*>`).exec(xml)[0];
      expect(bind('identification_type')).to.contain('required="true()"');
      expect(bind('identification_number')).to.match(/required=" \/data\/f_client\/identification_type {2}!= 'none' and {2}\/data\/f_client\/identification_type {2}!= ''"/);
    }
  });

  it('a number typed with "no document" is refused: it must be cleared', async () => {
    const result = await create('Test', '', 'Mteja', 'male', 'calendar', '2000-01-01', '', 'none', '12345678');
    expect(result.contacts).to.be.empty;
    expect(result.errors.map((e) => e.msg).join(' ')).to.contain('empty when there is no document');
  });

  for (const [type, number] of NUMBERS) {
    const searchable = identificationOf({ identification_type: type, identification_number: number }, DEFAULT_IDENTIFIER_TYPES).kind === 'searchable';
    it(`${searchable ? 'accepts' : 'rejects'} ${type} "${number.length > 20 ? `${number.length} characters` : number}" as the worker does`, async () => {
      const result = await create('Test', '', 'Mteja', 'male', 'calendar', '2000-01-01', '', type, number);
      if (searchable) {
        expect(result.errors).to.be.empty;
        expect(result.contacts[0]).to.include({ identification_type: type, identification_number: number });
      } else {
        expect(result.contacts).to.be.empty;
        expect(result.errors.map((e) => e.msg).join(' ')).to.contain('Not a valid number for this document');
      }
    });
  }

  it('an edit keeps the fields it does not own (client_registry, upi) and the date of birth unless asked', async () => {
    const client = harness.state.contacts.find((c) => c._id === 'ke-test-client');
    Object.assign(client, {
      upi: 'LEGACY-UPI-1', client_registry: { error: 'details mismatch', fields: ['name'] },
      identification_type: 'national_id', identification_number: '12345678', dob_method: 'approx', date_of_birth: '1980-06-01',
    });
    harness.subject = client;
    // first, middle, last, sex, change dob?, phone, id type, id number
    const result = await harness.fillContactEditForm('f_client', ['Test', '', 'Mteja Corrected', 'female', 'no', '', 'national_id', '12345678']);
    expect(result.errors).to.be.empty;
    const saved = result.contacts[0];
    // What the form submits: none of the worker's fields, no date of birth when it was not changed
    expect(saved).to.not.have.any.keys('client_registry', 'upi', 'date_of_birth', 'dob_method');
    expect(saved).to.include({ name: 'Test Mteja Corrected', last_name: 'Mteja Corrected' });
    // What the CHT saves: the submitted fields over the original doc
    expect(harness.subject).to.deep.include({
      upi: 'LEGACY-UPI-1', client_registry: { error: 'details mismatch', fields: ['name'] },
      date_of_birth: '1980-06-01', dob_method: 'approx', name: 'Test Mteja Corrected',
    });
  });

  it('an edit can change the date of birth', async () => {
    const result = await harness.fillContactEditForm('f_client', ['Test', '', 'Mteja', 'female', 'yes', 'calendar', '1991-02-03', '', 'none', '']);
    expect(result.errors).to.be.empty;
    // "no document" submits an empty number, which replaces the old one (the worker then removes its answer)
    expect(result.contacts[0]).to.include({ dob_method: 'calendar', date_of_birth: '1991-02-03', identification_type: 'none', identification_number: '' });
  });

  it('creates and edits a household', async () => {
    let result = await harness.fillContactCreateForm('e_household', ['Test household', '+254712000000', 'near the school']);
    expect(result.errors).to.be.empty;
    expect(result.contacts[0]).to.include({ type: 'contact', contact_type: 'e_household', name: 'Test household', phone: '+254712000000' });
    result = await harness.fillContactCreateForm('e_household', ['Test household', '0712', '']);
    expect(result.contacts).to.be.empty;
    harness.subject = harness.state.contacts.find((c) => c._id === 'ke-test-household');
    result = await harness.fillContactEditForm('e_household', ['Renamed household', '0112000000', '']);
    expect(result.errors).to.be.empty;
    expect(harness.subject).to.include({ _id: 'ke-test-household', name: 'Renamed household', phone: '0112000000' });
  });
});
