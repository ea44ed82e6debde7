/**
 * Reading fields written by other people and systems (phones, imports, the HIE). A field is missing, text, or
 * present but unreadable; a rule compares only what is there, and never takes an unreadable value as agreeing.
 */

/** Present, but not text: an array, an object, a boolean, a negative or fractional number. */
export const UNREADABLE = Symbol('unreadable');
export type Detail = string | undefined | typeof UNREADABLE;

/** Trimmed text, or a whole number as written (a bad import may store one); undefined when missing or blank. */
export function detailOf(value: unknown): Detail {
  if (value === undefined || value === null) {
    return undefined;
  }
  if (typeof value === 'string') {
    const text = value.trim();
    return text === '' ? undefined : text;
  }
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) {
    return String(value);
  }
  return UNREADABLE;
}

/** The text of a field, or '' when it is missing or unreadable: for display and optional flags only. */
export function textOf(value: unknown): string {
  const detail = detailOf(value);
  return typeof detail === 'string' ? detail : '';
}

/** Two details disagree when both are there and one is unreadable or `agree` says no. */
export function disagree<T>(a: T | undefined | typeof UNREADABLE, b: T | undefined | typeof UNREADABLE, agree: (a: T, b: T) => boolean): boolean {
  if (a === undefined || b === undefined) {
    return false;
  }
  return a === UNREADABLE || b === UNREADABLE || !agree(a, b);
}
