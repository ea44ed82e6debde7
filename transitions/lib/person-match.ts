/**
 * Is the one CR Patient found by the identification number the same person as the contact? A number typed
 * wrongly on the phone can belong to somebody else, so the names, sex and date of birth must agree before
 * the CR ID is written. Tolerant where CHPs and registrars commonly differ: word order, a missing middle
 * name, a one-letter typo in a long name, stray spaces, letter case, an approximate date of birth. A detail
 * missing on either side is not compared; one that is there but unreadable never agrees.
 */
import { detailOf, disagree, textOf, UNREADABLE, type Detail } from './fields';
import type { MismatchField, RegistryPatient } from '../types';

/** Approximate dates of birth are estimated from an age in years, so the year may be off by one. */
const APPROX_DOB_YEARS = 1;
/** A one-letter difference is a typo only in longer names: "Ali" vs "Ari" are different people. */
const TYPO_MIN_LENGTH = 5;
/** No real name has more words; a longer one is junk, and comparing it would cost time for nothing. */
export const MAX_NAME_TOKENS = 12;

type Tokens = readonly string[] | undefined | typeof UNREADABLE;

export function nameTokens(name: string): string[] {
  return name
    .toLowerCase()
    .replace(/['\u2018\u2019\u02bc`]/g, '')
    .split(/[\s-]+/)
    .filter((token) => token !== '');
}

/** The tokens of the name parts given: undefined when all are missing, UNREADABLE when any is not text or too long. */
function tokensOf(parts: readonly Detail[]): Tokens {
  if (parts.includes(UNREADABLE)) {
    return UNREADABLE;
  }
  const tokens = nameTokens(parts.filter((part): part is string => typeof part === 'string').join(' '));
  if (tokens.length === 0) {
    return undefined;
  }
  return tokens.length > MAX_NAME_TOKENS ? UNREADABLE : tokens;
}

/** True when a and b are equal or one insertion, deletion or substitution apart. */
export function withinOneEdit(a: string, b: string): boolean {
  if (Math.abs(a.length - b.length) > 1) {
    return false;
  }
  const [shorter, longer] = a.length <= b.length ? [a, b] : [b, a];
  let i = 0;
  while (i < shorter.length && shorter[i] === longer[i]) {
    i += 1;
  }
  const skip = shorter.length === longer.length ? 1 : 0;
  return shorter.slice(i + skip) === longer.slice(i + 1);
}

function tokensAgree(a: string, b: string): boolean {
  return a === b || (a.length >= TYPO_MIN_LENGTH && b.length >= TYPO_MIN_LENGTH && withinOneEdit(a, b));
}

/**
 * Every token of the shorter name must agree with a different token of the longer one: a bipartite matching,
 * found with augmenting paths (Kuhn's algorithm), which unlike a greedy pass never misses an assignment.
 */
export function namesAgree(a: readonly string[], b: readonly string[]): boolean {
  const [shorter, longer] = a.length <= b.length ? [a, b] : [b, a];
  const holder = new Array<number>(longer.length).fill(-1);
  const place = (index: number, visited: boolean[]): boolean =>
    longer.some((candidate, j) => {
      if (visited[j] || !tokensAgree(shorter[index] ?? '', candidate)) {
        return false;
      }
      visited[j] = true;
      const current = holder[j] ?? -1;
      if (current === -1 || place(current, visited)) {
        holder[j] = index;
        return true;
      }
      return false;
    });
  return shorter.every((_, index) => place(index, new Array<boolean>(longer.length).fill(false)));
}

/** The contact's name: first, middle and last name when the form stored any, else the display `name`. */
export function clientNameTokens(doc: Readonly<Record<string, unknown>>): Tokens {
  const parts = [doc.first_name, doc.middle_name, doc.last_name].map(detailOf);
  return parts.every((part) => part === undefined) ? tokensOf([detailOf(doc.name)]) : tokensOf(parts);
}

/** The Patient's name: `name[0].text` (it may carry leading spaces), else given names and family name. */
export function patientNameTokens(patient: RegistryPatient): Tokens {
  if (patient.name === undefined) {
    return undefined;
  }
  if (!Array.isArray(patient.name)) {
    return UNREADABLE;
  }
  const first: unknown = patient.name[0];
  if (first === undefined) {
    return undefined;
  }
  if (first === null || typeof first !== 'object') {
    return UNREADABLE;
  }
  const name = first as { text?: unknown; given?: unknown; family?: unknown };
  const text = detailOf(name.text);
  if (text !== undefined) {
    return tokensOf([text]);
  }
  const given: unknown[] = Array.isArray(name.given) ? name.given : [name.given];
  return tokensOf([...given, name.family].map(detailOf));
}

/** `YYYY-MM-DD`, or a CHT timestamp starting with one: the date, else UNREADABLE. */
function clientDate(detail: Detail): Detail {
  if (typeof detail === 'string' && /^\d{4}-\d{2}-\d{2}(T.*)?$/.test(detail)) {
    return detail.slice(0, 10);
  }
  return detail === undefined ? undefined : UNREADABLE;
}

/** FHIR `date`: a year, a year and month, or a full date. */
function patientDate(detail: Detail): Detail {
  if (typeof detail === 'string' && /^\d{4}(-\d{2}(-\d{2})?)?$/.test(detail)) {
    return detail;
  }
  return detail === undefined ? undefined : UNREADABLE;
}

/**
 * Exact dates must be equal; a CR date held only to the year or month must contain the contact's date.
 * Approximate contact dates only need the year within one.
 */
export function birthDatesAgree(clientDob: string, patientDob: string, approximate: boolean): boolean {
  if (approximate) {
    return Math.abs(Number(clientDob.slice(0, 4)) - Number(patientDob.slice(0, 4))) <= APPROX_DOB_YEARS;
  }
  return clientDob.startsWith(patientDob);
}

function lowerCase(detail: Detail): Detail {
  return typeof detail === 'string' ? detail.toLowerCase() : detail;
}

/** The details that disagree, sorted; empty when the Patient is the contact. */
export function mismatchedFields(doc: Readonly<Record<string, unknown>>, patient: RegistryPatient): MismatchField[] {
  const approximate = textOf(doc.dob_method).toLowerCase() === 'approx';
  const mismatches: Record<MismatchField, boolean> = {
    date_of_birth: disagree(clientDate(detailOf(doc.date_of_birth)), patientDate(detailOf(patient.birthDate)), (a, b) =>
      birthDatesAgree(a, b, approximate),
    ),
    name: disagree(clientNameTokens(doc), patientNameTokens(patient), namesAgree),
    sex: disagree(lowerCase(detailOf(doc.sex)), lowerCase(detailOf(patient.gender)), (a, b) => a === b),
  };
  return (Object.keys(mismatches) as MismatchField[]).filter((field) => mismatches[field]).sort();
}
