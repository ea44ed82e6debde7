import { expect } from 'chai';
import {
  DEFAULT_IDENTIFIER_TYPES,
  hasIdentification,
  identificationOf,
  normalizeIdentificationNumber,
} from '../../transitions/lib/identification';
import { detailOf, textOf, UNREADABLE } from '../../transitions/lib/fields';

describe('identification', () => {
  const of = (identification_type: unknown, identification_number: unknown) =>
    identificationOf({ identification_type, identification_number }, DEFAULT_IDENTIFIER_TYPES);

  it('maps each supported CHT type to its default CR identifierType, ignoring case and spaces', () => {
    expect(of(' National_ID ', '23456781')).to.deep.equal({ kind: 'searchable', identifierType: 'National ID', identifierNumber: '23456781' });
    expect(of('birth_certificate', '609381274')).to.include({ identifierType: 'Birth Certificate' });
    expect(of('passport', 'ak0192837')).to.include({ identifierType: 'Passport', identifierNumber: 'AK0192837' });
    expect(of('alien_card', '770123456')).to.include({ identifierType: 'Alien ID' });
    expect(of('refugee_id', 'KAK1234567')).to.include({ identifierType: 'Refugee ID' });
  });

  it('uses the configured map, so the HIE strings can change without a release', () => {
    expect(identificationOf({ identification_type: 'national_id', identification_number: '1' }, { national_id: 'national-id' })).to.include({
      identifierType: 'national-id',
    });
    expect(identificationOf({ identification_type: 'passport', identification_number: 'A1' }, { national_id: 'national-id' })).to.deep.equal({
      kind: 'unsupported type',
    });
  });

  it('reports an unknown type as unsupported, before looking at the number', () => {
    expect(of('voter_card', 'V8811')).to.deep.equal({ kind: 'unsupported type' });
    expect(of('toString', '123')).to.deep.equal({ kind: 'unsupported type' });
    expect(of('__proto__', '123')).to.deep.equal({ kind: 'unsupported type' });
  });

  it('drops spaces and hyphens, upper-cases and keeps leading zeros', () => {
    expect(normalizeIdentificationNumber(' 12 345-678 ')).to.equal('12345678');
    expect(of('national_id', '00123')).to.include({ identifierNumber: '00123' });
    expect(of('passport', 'ak-019 2837')).to.include({ identifierNumber: 'AK0192837' });
  });

  it('requires digits only for a national ID and letters and digits for the other types', () => {
    expect(of('national_id', '12AB5678')).to.deep.equal({ kind: 'invalid number' });
    expect(of('national_id', '1234.5678')).to.deep.equal({ kind: 'invalid number' });
    expect(of('passport', 'AK/0192837')).to.deep.equal({ kind: 'invalid number' });
    expect(of('birth_certificate', 'ÄB123')).to.deep.equal({ kind: 'invalid number' });
    expect(of('national_id', '1'.repeat(33))).to.deep.equal({ kind: 'invalid number' });
  });

  it('treats blank and missing values as no identification', () => {
    expect(of('birth_certificate', '')).to.deep.equal({ kind: 'none' });
    expect(of('birth_certificate', '   ')).to.deep.equal({ kind: 'none' });
    expect(of(undefined, '123')).to.deep.equal({ kind: 'none' });
    expect(of('national_id', null)).to.deep.equal({ kind: 'none' });
  });

  it('reads a whole number stored as a number, and any other non-text value as invalid', () => {
    expect(hasIdentification({ identification_type: 'national_id', identification_number: 23456781 })).to.equal(true);
    expect(of('national_id', 23456781)).to.include({ identifierNumber: '23456781' });
    expect(of('national_id', -23456781)).to.deep.equal({ kind: 'invalid number' });
    expect(of('national_id', 2345.5)).to.deep.equal({ kind: 'invalid number' });
    expect(of('national_id', ['123'])).to.deep.equal({ kind: 'invalid number' });
    expect(of('national_id', { value: '123' })).to.deep.equal({ kind: 'invalid number' });
    expect(of(['national_id'], '123')).to.deep.equal({ kind: 'unsupported type' });
    expect(of(true, '123')).to.deep.equal({ kind: 'unsupported type' });
  });

  it('tells missing, text and unreadable fields apart', () => {
    expect(detailOf(undefined)).to.equal(undefined);
    expect(detailOf(' ')).to.equal(undefined);
    expect(detailOf(' a ')).to.equal('a');
    expect(detailOf(0)).to.equal('0');
    expect(detailOf(Number.NaN)).to.equal(UNREADABLE);
    expect(detailOf(false)).to.equal(UNREADABLE);
    expect(textOf(false)).to.equal('');
  });
});
