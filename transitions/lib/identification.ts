/**
 * From a contact's `identification_type` and `identification_number` to the Client Registry's search
 * parameters. Pure: the type map comes from configuration because the HIE's identifierType strings are not
 * settled (the upstream service, KenyaEMR and AMPATH each send different ones).
 */

import { detailOf, UNREADABLE } from './fields';

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
const MAX_IDENTIFICATION_NUMBER_LENGTH = 32;

export type Identification =
  | { readonly kind: 'none' }
  | { readonly kind: 'unsupported type' }
  | { readonly kind: 'invalid number' }
  | { readonly kind: 'searchable'; readonly identifierType: string; readonly identifierNumber: string };

/** Both an identification type and a number are there (readable or not: an unreadable one gets its error). */
export function hasIdentification(doc: Readonly<Record<string, unknown>>): boolean {
  return detailOf(doc.identification_type) !== undefined && detailOf(doc.identification_number) !== undefined;
}

/** Spaces and hyphens are how people write numbers on paper, not part of them. */
export function normalizeIdentificationNumber(raw: string): string {
  return raw.replace(/[\s-]+/g, '').toUpperCase();
}

/** The CR identifierType the map gives a contact's `identification_type` (trimmed, any case), if any. */
export function identifierTypeFor(type: unknown, types: IdentifierTypeMap): string | undefined {
  const detail = detailOf(type);
  const chtType = typeof detail === 'string' ? detail.toLowerCase() : '';
  return Object.prototype.hasOwnProperty.call(types, chtType) ? types[chtType] : undefined;
}

export function identificationOf(doc: Readonly<Record<string, unknown>>, types: IdentifierTypeMap): Identification {
  const type = detailOf(doc.identification_type);
  const number = detailOf(doc.identification_number);
  if (type === undefined || number === undefined) {
    return { kind: 'none' };
  }
  const identifierType = identifierTypeFor(type, types);
  if (identifierType === undefined) {
    return { kind: 'unsupported type' };
  }
  if (number === UNREADABLE) {
    return { kind: 'invalid number' };
  }
  const identifierNumber = normalizeIdentificationNumber(number);
  const numeric = typeof type === 'string' && NUMERIC_TYPES.has(type.toLowerCase());
  const pattern = numeric ? /^[0-9]+$/ : /^[A-Z0-9]+$/;
  if (!pattern.test(identifierNumber) || identifierNumber.length > MAX_IDENTIFICATION_NUMBER_LENGTH) {
    return { kind: 'invalid number' };
  }
  return { kind: 'searchable', identifierType, identifierNumber };
}
