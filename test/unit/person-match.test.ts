import { expect } from 'chai';
import { UNREADABLE } from '../../transitions/lib/fields';
import {
  MAX_NAME_TOKENS,
  birthDatesAgree,
  clientNameTokens,
  mismatchedFields,
  namesAgree,
  nameTokens,
  patientNameTokens,
  withinOneEdit,
} from '../../transitions/lib/person-match';
import type { RegistryPatient } from '../../transitions/types';

const patient = (overrides: Partial<RegistryPatient> = {}): RegistryPatient => ({
  resourceType: 'Patient',
  id: 'CR4200000000011-1',
  name: [{ text: 'Achieng Mary Odhiambo', family: 'Odhiambo', given: ['Achieng', 'Mary'] }],
  gender: 'female',
  birthDate: '1988-04-12',
  ...overrides,
});
const client = {
  first_name: 'Achieng',
  middle_name: 'Mary',
  last_name: 'Odhiambo',
  name: 'Achieng Mary Odhiambo',
  sex: 'female',
  date_of_birth: '1988-04-12',
  dob_method: '',
};

describe('person match', () => {
  describe('names', () => {
    const agree = (a: string, b: string) => namesAgree(nameTokens(a), nameTokens(b));

    it('splits on spaces and hyphens, lower-cases and drops apostrophes', () => {
      expect(nameTokens("  Wanjiru-Kamau  O'Brien ")).to.deep.equal(['wanjiru', 'kamau', 'obrien']);
      expect(nameTokens('N\u2019Dege')).to.deep.equal(['ndege']);
    });

    it('accepts word order, a missing middle name, stray spaces and letter case', () => {
      expect(agree('Kamau Njoroge', 'Njoroge Kamau')).to.equal(true);
      expect(agree('Esther Akinyi', 'Esther Atieno Akinyi')).to.equal(true);
      expect(agree('Esther Atieno Akinyi', 'ESTHER akinyi')).to.equal(true);
      expect(agree('Samuel Kiptoo Langat', '  Samuel Kiptoo Langat')).to.equal(true);
    });

    it('accepts one edit in tokens of five or more letters only', () => {
      expect(agree('Mercy Wambui Gitau', 'Mercy Wambui Gitahu')).to.equal(true);
      expect(agree('Mercy Wambui Gitau', 'Mercy Wambui Gitaau')).to.equal(true);
      expect(agree('Mercy Wambui Gitau', 'Mercy Wambui Gitao')).to.equal(true);
      expect(agree('Hussein Ali', 'Hussein Ari')).to.equal(false);
      expect(agree('Mercy Wambui Gitau', 'Mercy Wambui Gitahhu')).to.equal(false);
    });

    it('needs a different token of the longer name for each token of the shorter', () => {
      expect(agree('Ali Ali', 'Ali Hassan')).to.equal(false);
      expect(agree('Ali Ali', 'Ali Hassan Ali')).to.equal(true);
      // A greedy pass gives "gitau" the first token it agrees with, "gitao", and then has none left for
      // "gitaoo": the search must backtrack and give "gitau" to "gitau".
      expect(namesAgree(['gitau', 'gitaoo'], ['gitao', 'gitau'])).to.equal(true);
      expect(namesAgree(['briann', 'brian'], ['brian', 'otieno'])).to.equal(false);
    });

    it('rejects a different person', () => {
      expect(agree('Ruth Nafula Wekesa', 'Daniel Omondi Okoth')).to.equal(false);
    });

    it('reads first, middle and last names, else the display name, and name text, else given and family', () => {
      expect(clientNameTokens({ first_name: 'Grace', middle_name: '', last_name: 'Wanjiku', name: 'X' })).to.deep.equal(['grace', 'wanjiku']);
      expect(clientNameTokens({ name: 'Grace Wanjiku' })).to.deep.equal(['grace', 'wanjiku']);
      expect(patientNameTokens(patient({ name: [{ text: '  ', given: ['Grace'], family: 'Wanjiku' }] }))).to.deep.equal(['grace', 'wanjiku']);
      expect(patientNameTokens(patient({ name: [] }))).to.equal(undefined);
      expect(clientNameTokens({ first_name: ' ', name: '' })).to.equal(undefined);
    });

    it('reads odd shapes from other systems as far as they make sense, and never takes them as agreeing', () => {
      expect(patientNameTokens(patient({ name: [{ given: 'Grace', family: 'Wanjiku' }] }))).to.deep.equal(['grace', 'wanjiku']);
      expect(patientNameTokens(patient({ name: [{ given: [true], family: 'Wanjiku' }] }))).to.equal(UNREADABLE);
      expect(patientNameTokens(patient({ name: 'Grace Wanjiku' }))).to.equal(UNREADABLE);
      expect(patientNameTokens(patient({ name: [null] }))).to.equal(UNREADABLE);
      expect(clientNameTokens({ first_name: ['Zzz'], last_name: 'Wanjiku' })).to.equal(UNREADABLE);
      expect(mismatchedFields({ ...client, first_name: ['Zzz'] }, patient())).to.deep.equal(['name']);
      expect(mismatchedFields(client, patient({ name: 'Achieng Mary Odhiambo' }))).to.deep.equal(['name']);
      expect(mismatchedFields({ ...client, sex: 5 }, patient())).to.deep.equal(['sex']);
    });

    it('takes a name of more than a dozen words for junk, and matches a dozen in any order', () => {
      expect(mismatchedFields({ name: `${'achieng '.repeat(1000)}${'mary '.repeat(1000)}` }, patient())).to.deep.equal(['name']);
      const twelve = Array.from({ length: MAX_NAME_TOKENS }, (_, i) => `name${String.fromCharCode(97 + i)}`).join(' ');
      expect(mismatchedFields({ name: twelve }, patient({ name: [{ text: twelve.split(' ').reverse().join(' ') }] }))).to.deep.equal([]);
    });

    it('counts one insertion, deletion or substitution as one edit', () => {
      expect(withinOneEdit('gitau', 'gitahu')).to.equal(true);
      expect(withinOneEdit('gitahu', 'gitau')).to.equal(true);
      expect(withinOneEdit('gitau', 'gitao')).to.equal(true);
      expect(withinOneEdit('gitau', 'gitau')).to.equal(true);
      expect(withinOneEdit('gitau', 'gatao')).to.equal(false);
      expect(withinOneEdit('gitau', 'gi')).to.equal(false);
    });
  });

  describe('dates of birth', () => {
    it('must be equal when exact', () => {
      expect(birthDatesAgree('1984-09-09', '1984-09-09', false)).to.equal(true);
      expect(birthDatesAgree('1984-09-09', '1980-02-02', false)).to.equal(false);
      expect(birthDatesAgree('1984-09-09', '1984-09-10', false)).to.equal(false);
    });

    it('may differ by one year when approximate', () => {
      expect(birthDatesAgree('1950-06-15', '1950-01-01', true)).to.equal(true);
      expect(birthDatesAgree('1950-06-15', '1951-12-31', true)).to.equal(true);
      expect(birthDatesAgree('1950-06-15', '1952-01-01', true)).to.equal(false);
      expect(birthDatesAgree('unknown', '1950-01-01', true)).to.equal(false);
    });

    it('never agrees on a malformed date', () => {
      expect(mismatchedFields({ ...client, date_of_birth: '1988-04-1299' }, patient())).to.deep.equal(['date_of_birth']);
      expect(mismatchedFields({ ...client, date_of_birth: 19880412 }, patient())).to.deep.equal(['date_of_birth']);
      expect(mismatchedFields(client, patient({ birthDate: '12/04/1988' }))).to.deep.equal(['date_of_birth']);
      expect(mismatchedFields({ ...client, date_of_birth: '1988-04-12T00:00:00.000Z' }, patient())).to.deep.equal([]);
    });

    it('accepts a CR date held only to the year or month when the contact date falls in it', () => {
      expect(birthDatesAgree('1950-06-15', '1950', false)).to.equal(true);
      expect(birthDatesAgree('1950-06-15', '1950-06', false)).to.equal(true);
      expect(birthDatesAgree('1950-06-15', '1950-07', false)).to.equal(false);
      expect(birthDatesAgree('1950', '1950-06-15', false)).to.equal(false);
    });
  });

  describe('mismatched fields', () => {
    it('is empty for the same person', () => {
      expect(mismatchedFields(client, patient())).to.deep.equal([]);
    });

    it('compares sex with gender ignoring case', () => {
      expect(mismatchedFields({ ...client, sex: 'Female' }, patient({ gender: 'FEMALE' }))).to.deep.equal([]);
      expect(mismatchedFields({ ...client, sex: 'male' }, patient())).to.deep.equal(['sex']);
    });

    it('names every disagreeing detail, sorted', () => {
      expect(mismatchedFields(client, patient({ name: [{ text: 'Daniel Okoth' }], gender: 'male', birthDate: '1958-12-30' }))).to.deep.equal([
        'date_of_birth',
        'name',
        'sex',
      ]);
    });

    it('reads dob_method "approx" for the year tolerance', () => {
      expect(mismatchedFields({ ...client, dob_method: 'approx' }, patient({ birthDate: '1989-01-01' }))).to.deep.equal([]);
      expect(mismatchedFields(client, patient({ birthDate: '1989-01-01' }))).to.deep.equal(['date_of_birth']);
    });

    it('does not compare a detail missing on either side', () => {
      expect(mismatchedFields({ ...client, sex: '', date_of_birth: undefined }, patient({ gender: 'male', birthDate: '1900-01-01' }))).to.deep.equal([]);
      expect(mismatchedFields(client, patient({ gender: undefined, birthDate: undefined, name: undefined }))).to.deep.equal([]);
    });
  });
});
