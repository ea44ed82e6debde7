/**
 * What the worker remembers per doc and transition, and the pure rules built on it: has this doc already
 * been answered for its current inputs, and can an answer computed for one revision be put on another.
 */
import { createHash } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { Change, Doc, Info, Transition, TransitionRecord } from '../types';

/** A hash, so the state db never holds a copy of names or ID numbers. */
export function fingerprint(values: readonly unknown[]): string {
  return createHash('sha256').update(JSON.stringify(values)).digest('base64url');
}

export function recordOf(info: Info | undefined, transitionName: string): TransitionRecord | undefined {
  return info?.transitions[transitionName];
}

export function ownedFieldsOf(doc: Doc, ownedFields: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(ownedFields.filter((field) => field in doc).map((field) => [field, doc[field]]));
}

/**
 * True when the transition answered for exactly these inputs and the doc still holds that answer. An edit of
 * any other field, or the worker's own write coming back through the feed, is then not a reason to ask again.
 */
export function isAnswered(change: Change, transition: Pick<Transition, 'name' | 'ownedFields' | 'inputsOf'>): boolean {
  const record = recordOf(change.info, transition.name);
  return (
    record !== undefined &&
    record.inputs === transition.inputsOf(change.doc) &&
    isDeepStrictEqual(ownedFieldsOf(change.doc, transition.ownedFields), record.fields)
  );
}

/** The info with only the answers recorded at or after `ms`: older ones are to be given again. */
export function withoutRecordsBefore(info: Info | undefined, ms: number): Info | undefined {
  if (info === undefined) {
    return undefined;
  }
  const kept = Object.entries(info.transitions).filter(([, record]) => Date.parse(record.at) >= ms);
  return { ...info, transitions: Object.fromEntries(kept) };
}

/** The info of a doc nothing was recorded for yet. */
export function emptyInfo(docId: string): Info {
  return { _id: infoId(docId), type: 'info', doc_id: docId, transitions: {} };
}

export function withRecords(info: Info | undefined, docId: string, records: Readonly<Record<string, TransitionRecord>>): Info {
  return {
    ...(info ?? emptyInfo(docId)),
    transitions: { ...info?.transitions, ...records },
  };
}

export function infoId(docId: string): string {
  return `${docId}-info`;
}

/**
 * After a 409: the answer was computed from `answered`; `latest` is what the database holds now. When every
 * transition's inputs are unchanged, the answer still holds, so copy only the transitions' own fields onto the
 * latest revision. Otherwise the newer revision comes through the feed and is answered on its own.
 */
export function reapplyOwnedFields(latest: Doc, answered: Doc, transitions: readonly Transition[]): Doc | undefined {
  if (latest._deleted || transitions.some((t) => t.inputsOf(latest) !== t.inputsOf(answered))) {
    return undefined;
  }
  const owned = new Set(transitions.flatMap((t) => t.ownedFields));
  const others = Object.entries(latest).filter(([field]) => !owned.has(field));
  return { ...Object.fromEntries(others), ...ownedFieldsOf(answered, [...owned]) } as Doc;
}
