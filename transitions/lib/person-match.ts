/**
 * Is the one CR Patient found by the identification number the same person as the contact? A number typed
 * wrongly on the phone can belong to somebody else, so the names, sex and date of birth must agree before
 * the CR ID is written. Tolerant where CHPs and registrars commonly differ: word order, a missing middle
 * name, a one-letter typo in a long name, stray spaces, letter case, an approximate date of birth.
 */
import { textOf } from './identification';
import type { MismatchField, RegistryPatient } from '../types';

/** Approximate dates of birth are estimated from an age in years, so the year may be off by one. */
const APPROX_DOB_YEARS = 1;
/** A one-letter difference is a typo only in longer names: "Ali" vs "Ari" are different people. */
const TYPO_MIN_LENGTH = 5;

export function nameTokens(name: string): string[] {
  return name
    .toLowerCase()
    .replace(/['\u2018\u2019\u02bc`]/g, '')
    .split(/[\s-]+/)
    .filter((token) => token !== '');
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
 * Every token of the shorter name must agree with a different token of the longer one. Names have a handful
 * of tokens, so a depth-first search over assignments is cheap and, unlike a greedy pass, never misses one.
 */
export function namesAgree(a: readonly string[], b: readonly string[]): boolean {
  const [shorter, longer] = a.length <= b.length ? [a, b] : [b, a];
  const used = new Array<boolean>(longer.length).fill(false);
  const assign = (index: number): boolean => {
    const token = shorter[index];
    if (token === undefined) {
      return true;
    }
    return longer.some((candidate, j) => {
      if (used[j] || !tokensAgree(token, candidate)) {
        return false;
      }
      used[j] = true;
      if (assign(index + 1)) {
        return true;
      }
      used[j] = false;
      return false;
    });
  };
  return assign(0);
}

/** The contact's name: first, middle and last name when the form stored them, else the display `name`. */
export function clientNameTokens(doc: Readonly<Record<string, unknown>>): string[] {
  const parts = [doc.first_name, doc.middle_name, doc.last_name].map(textOf).join(' ');
  return nameTokens(parts.trim() !== '' ? parts : textOf(doc.name));
}

/** The Patient's name: `name[0].text` (it may carry leading spaces), else given names and family name. */
export function patientNameTokens(patient: RegistryPatient): string[] {
  const first: unknown = Array.isArray(patient.name) ? patient.name[0] : undefined;
  const name = (first !== null && typeof first === 'object' ? first : {}) as { text?: unknown; given?: unknown; family?: unknown };
  const text = textOf(name.text);
  if (text !== '') {
    return nameTokens(text);
  }
  const given: unknown[] = Array.isArray(name.given) ? name.given : [name.given];
  return nameTokens([...given, name.family].map(textOf).join(' '));
}

function yearOf(date: string): number {
  return Number.parseInt(date.slice(0, 4), 10);
}

/**
 * Exact dates must be equal. The CR may hold only a year or a year and month: then the contact's date must
 * fall within it. Approximate contact dates only need the year within one.
 */
export function birthDatesAgree(clientDob: string, patientDob: string, approximate: boolean): boolean {
  if (approximate) {
    return Math.abs(yearOf(clientDob) - yearOf(patientDob)) <= APPROX_DOB_YEARS;
  }
  return clientDob.slice(0, patientDob.length) === patientDob && clientDob.length >= patientDob.length;
}

/** The details that disagree, sorted; empty when the Patient is the contact. Details missing on either side are not compared. */
export function mismatchedFields(doc: Readonly<Record<string, unknown>>, patient: RegistryPatient): MismatchField[] {
  const mismatches: MismatchField[] = [];

  const clientDob = textOf(doc.date_of_birth);
  const patientDob = textOf(patient.birthDate);
  const approximate = textOf(doc.dob_method).toLowerCase() === 'approx';
  if (clientDob !== '' && patientDob !== '' && !birthDatesAgree(clientDob, patientDob, approximate)) {
    mismatches.push('date_of_birth');
  }

  const clientName = clientNameTokens(doc);
  const patientName = patientNameTokens(patient);
  if (clientName.length > 0 && patientName.length > 0 && !namesAgree(clientName, patientName)) {
    mismatches.push('name');
  }

  const sex = textOf(doc.sex).toLowerCase();
  const gender = textOf(patient.gender).toLowerCase();
  if (sex !== '' && gender !== '' && sex !== gender) {
    mismatches.push('sex');
  }

  return mismatches;
}
