/**
 * The shapes the transitions work on. CHT docs come from users' phones, so every field of a doc is `unknown`
 * until a rule has read it with a check (see `lib/fields.ts`); only what this project writes is typed precisely.
 */

/** Any CouchDB document as read from the CHT database. */
export interface Doc {
  readonly _id: string;
  _rev?: string;
  _deleted?: boolean;
  [field: string]: unknown;
}

/**
 * A CR Patient (FHIR R4, as the Kenyan HIE returns it): `resourceType` and `id` are checked on arrival; the
 * details compared are read with checks, since another system wrote them.
 */
export interface RegistryPatient {
  readonly resourceType: 'Patient';
  readonly id: string;
  /** FHIR HumanName[]: `text`, `given[]`, `family`. */
  readonly name?: unknown;
  readonly gender?: unknown;
  readonly birthDate?: unknown;
}

/** Details compared between the contact and the CR Patient, named as the contact names them. */
export type MismatchField = 'date_of_birth' | 'name' | 'sex';

export type ClientRegistryError =
  | 'no matches'
  | 'multiple matches'
  | 'details mismatch'
  | 'unsupported identification type'
  | 'invalid identification number';

/** What the `client_registry` transition writes on the contact: the contract with the CHT profile and forms. */
export type ClientRegistryResult =
  | { readonly id: string; readonly status: 'OK' }
  | { readonly error: Exclude<ClientRegistryError, 'details mismatch'> }
  | { readonly error: 'details mismatch'; readonly fields: readonly MismatchField[] };

/**
 * A CHT person as `@medic/cht-datasource` types it (`Person.v1.Person`): the client a referral is about. Only
 * what this project reads is named; every other field stays `unknown` (see `Doc`).
 */
export interface Person extends Doc {
  readonly type: 'person' | 'contact';
  readonly name?: unknown;
  readonly date_of_birth?: unknown;
  readonly sex?: unknown;
  readonly patient_id?: unknown;
  /** Minified lineage: `{_id, parent: {_id, ...}}`. */
  readonly parent?: unknown;
  readonly client_registry?: unknown;
}

/** Why a referral report waits: it is sent as soon as its client has a CR ID. */
export type ReferralWaitReason = 'client has no client registry id' | 'client not found';

/** What the `referral_service_request` transition writes on a referral report. */
export type ServiceRequestResult = { readonly id: string; readonly status: 'OK' } | { readonly error: string };

/** A feed position. CouchDB's are opaque strings, PouchDB's are numbers: never compare or add them. */
export type Seq = string | number;

/** What the worker recorded the last time a transition answered for a doc (kept in the worker's state db). */
export interface TransitionRecord {
  /** Fingerprint of the doc's fields the answer depended on. */
  readonly inputs: string;
  /** The values of the transition's own fields as written, so an answer lost in a crash is restored without asking again. */
  readonly fields: Readonly<Record<string, unknown>>;
  readonly at: string;
}

/** Per-doc record, like Sentinel's `<id>-info` docs in `medic-sentinel`. */
export interface Info {
  readonly _id: string;
  _rev?: string;
  readonly type: 'info';
  readonly doc_id: string;
  readonly transitions: Readonly<Record<string, TransitionRecord>>;
  /** Docs waiting for this one (referral reports for their client's CR ID): run again once it releases them. */
  readonly waiting?: readonly string[];
}

/** What a transition is given, as in cht-core: `{id, seq, doc, info}`. */
export interface Change {
  readonly id: string;
  readonly seq: Seq;
  readonly doc: Doc;
  readonly info: Info | undefined;
}

/**
 * cht-core's transition contract (`shared-libs/transitions`): `filter` is synchronous and pure; `onMatch`
 * mutates `change.doc` and resolves true when it changed it. Two additions let the worker write back safely:
 * the fields the transition owns (all it may change) and the fingerprint of the fields its answer depends on.
 */
export interface Transition {
  readonly name: string;
  readonly ownedFields: readonly string[];
  inputsOf(doc: Doc): string;
  filter(change: Change): boolean;
  onMatch(change: Change): Promise<boolean>;
  /**
   * True when the doc, as it now is, releases the docs waiting for it (`Info.waiting`): the worker then runs the
   * transitions on them before this doc's change is settled. A client with a CR ID releases its referrals.
   */
  releasesWaiting?(doc: Doc): boolean;
  /**
   * True when the doc's answer may change with no edit of the doc (the CR may come to know a client it did not
   * know): the re-try sweep then runs the transitions on it again, recorded answers not trusted.
   */
  retriedBySweep?(doc: Doc): boolean;
}

/** Contacts as the worker sees them, for a transition that works on one doc but needs another. */
export interface Contacts {
  get(id: string): Promise<Doc | undefined>;
  /**
   * Runs the transitions on a contact now, as if it had just changed, trusting only answers recorded at or after
   * `notBefore` (ms), and resolves with the contact as it then is. A transient failure rejects, and nothing is
   * written for it.
   */
  refresh(id: string, notBefore: number): Promise<Doc | undefined>;
}
