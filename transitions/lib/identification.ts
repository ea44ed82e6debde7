/**
 * From a contact's `identification_type` and `identification_number` to the Client Registry's search
 * parameters. Pure: the type map comes from configuration because the HIE's identifierType strings are not
 * settled (the upstream service, KenyaEMR and AMPATH each send different ones).
 */

/** CHT `identification_type` (lower case) -> CR `identifierType`. */
export type IdentifierTypeMap = Readonly<Record<string, string>>;

export const DEFAULT_IDENTIFIER_TYPES: IdentifierTypeMap = {
  national_id: 'National ID',
  birth_certificate: 'Birth Certificate',
  passport: 'Passport',
  alien_card: 'Alien ID',
  refugee_id: 'Refugee ID',
};

/** National ID numbers are digits only (leading zeros kept); every other document has letters and digits. */
const NUMERIC_TYPES = new Set(['national_id']);

/** No Kenyan document number comes near this; anything longer is junk, not worth a CR call. */
export const MAX_IDENTIFICATION_NUMBER_LENGTH = 32;

export type Identification =
  | { readonly kind: 'none' }
  | { readonly kind: 'unsupported type' }
  | { readonly kind: 'invalid number' }
  | { readonly kind: 'searchable'; readonly identifierType: string; readonly identifierNumber: string };

/** A field as text: strings trimmed, finite numbers as written (a bad import may store the number as a number). */
export function textOf(value: unknown): string {
  if (typeof value === 'string') {
    return value.trim();
  }
  if (typeof value === 'number' && Number.isFinite(value)) {
    return String(value);
  }
  return '';
}

export function hasIdentification(doc: Readonly<Record<string, unknown>>): boolean {
  return textOf(doc.identification_type) !== '' && textOf(doc.identification_number) !== '';
}

/** Spaces and hyphens are how people write numbers on paper, not part of them. */
export function normalizeIdentificationNumber(raw: string): string {
  return raw.replace(/[\s-]+/g, '').toUpperCase();
}

export function identificationOf(doc: Readonly<Record<string, unknown>>, types: IdentifierTypeMap): Identification {
  if (!hasIdentification(doc)) {
    return { kind: 'none' };
  }
  const chtType = textOf(doc.identification_type).toLowerCase();
  const identifierType = Object.prototype.hasOwnProperty.call(types, chtType) ? types[chtType] : undefined;
  if (identifierType === undefined) {
    return { kind: 'unsupported type' };
  }
  const identifierNumber = normalizeIdentificationNumber(textOf(doc.identification_number));
  const pattern = NUMERIC_TYPES.has(chtType) ? /^[0-9]+$/ : /^[A-Z0-9]+$/;
  if (!pattern.test(identifierNumber) || identifierNumber.length > MAX_IDENTIFICATION_NUMBER_LENGTH) {
    return { kind: 'invalid number' };
  }
  return { kind: 'searchable', identifierType, identifierNumber };
}
