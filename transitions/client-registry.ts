/**
 * Transition `client_registry`: when a household client is created or edited, look the person up in the HIE
 * Client Registry by identification type and number, and write on the contact either
 * `client_registry: {id, status: "OK"}` or `client_registry: {error, ...}`. The field always answers the
 * contact's current identification: when that is removed, so is the answer. Nothing else on the contact
 * changes (a legacy `upi` stays as it is).
 */
import { isDeepStrictEqual } from 'node:util';
import type { Logger } from 'pino';
import { hasIdentification, identificationOf, identifierTypeFor, type IdentifierTypeMap } from './lib/identification';
import { mismatchedFields } from './lib/person-match';
import { fingerprint, isAnswered, recordOf } from './lib/records';
import type { ClientRegistry, PatientSearch } from './services/hie-client';
import type { ClientRegistryError, ClientRegistryResult, Doc, Person, Transition } from './types';

export const NAME = 'client_registry';
const FIELD = 'client_registry';

export interface ClientRegistrySettings {
  /** Contact types looked up (`contact_type`, or `type` for the CHT's hard-coded person type). */
  readonly contactTypes: readonly string[];
  readonly identifierTypes: IdentifierTypeMap;
}

export interface ClientRegistryDeps {
  readonly registry: ClientRegistry;
  readonly settings: ClientRegistrySettings;
  readonly log: Pick<Logger, 'debug'>;
}

/** The fields a CR answer depends on: any change to one of them asks the CR again. */
const INPUT_FIELDS = [
  'identification_type',
  'identification_number',
  'first_name',
  'middle_name',
  'last_name',
  'name',
  'sex',
  'date_of_birth',
  'dob_method',
] as const;

/**
 * The fingerprint of what the answer depends on: the contact's fields and the CR identifierType its type maps
 * to, so a corrected type map re-answers the clients it concerns when the feed is read again.
 */
export function inputsOf(doc: Doc, settings: ClientRegistrySettings): string {
  const identifierType = identifierTypeFor(doc.identification_type, settings.identifierTypes) ?? null;
  return fingerprint([...INPUT_FIELDS.map((field) => doc[field]), identifierType]);
}

/** The CHT's own rule for a contact's type: `contact_type` for configurable types, else `type`. */
function contactTypeOf(doc: Doc): unknown {
  return doc.type === 'contact' ? doc.contact_type : doc.type;
}

/** A person of a type looked up in the CR (`CR_CONTACT_TYPES` name person types only). */
export function isClient(doc: Doc, settings: Pick<ClientRegistrySettings, 'contactTypes'>): doc is Person {
  const type = contactTypeOf(doc);
  return !doc._deleted && typeof type === 'string' && settings.contactTypes.includes(type);
}

/**
 * Answers the CR may change its mind about without an edit of the contact: it learns of a person, merges a
 * duplicate or corrects details. The other errors are the contact's own and change only with an edit.
 */
const RETRIED_BY_SWEEP: readonly string[] = ['no matches', 'multiple matches', 'details mismatch'] satisfies ClientRegistryError[];

/** A client whose answer the re-try sweep asks again. */
export function isRetriedBySweep(doc: Doc, settings: ClientRegistrySettings): boolean {
  const answer = doc[FIELD] as { error?: unknown } | null | undefined;
  return isClient(doc, settings) && hasIdentification(doc) && typeof answer?.error === 'string' && RETRIED_BY_SWEEP.includes(answer.error);
}

/** The answer for a search that was made: the rules of the look-up, pure. */
export function answerFor(doc: Doc, search: PatientSearch): ClientRegistryResult {
  const patient = search.patients[0];
  if (search.matches === 0 || patient === undefined) {
    return { error: 'no matches' };
  }
  if (search.matches > 1) {
    return { error: 'multiple matches' };
  }
  const fields = mismatchedFields(doc, patient);
  return fields.length > 0 ? { error: 'details mismatch', fields } : { id: patient.id, status: 'OK' };
}

/** Looks a client up (the CR is asked only for a well-formed identification); undefined when it has none. */
export async function lookUpClient(doc: Doc, deps: Omit<ClientRegistryDeps, 'log'>): Promise<ClientRegistryResult | undefined> {
  const identification = identificationOf(doc, deps.settings.identifierTypes);
  switch (identification.kind) {
    case 'none':
      return undefined;
    case 'unsupported type':
      return { error: 'unsupported identification type' };
    case 'invalid number':
      return { error: 'invalid identification number' };
    case 'searchable':
      return answerFor(doc, await deps.registry.searchPatients(identification.identifierType, identification.identifierNumber));
  }
}

/** A short code for logs and counts: `ok`, `no_matches`, `details_mismatch`, ... */
export function outcomeOf(result: ClientRegistryResult | undefined): string {
  if (result === undefined) {
    return 'no_identification';
  }
  return 'error' in result ? result.error.replace(/ /g, '_') : 'ok';
}

export function create(deps: ClientRegistryDeps): Transition {
  const transition: Transition = {
    name: NAME,
    ownedFields: [FIELD],
    inputsOf: (doc) => inputsOf(doc, deps.settings),

    filter: (change) =>
      isClient(change.doc, deps.settings) &&
      (hasIdentification(change.doc) ? !isAnswered(change, transition) : change.doc[FIELD] !== undefined),

    onMatch: async (change) => {
      const { doc } = change;
      const record = recordOf(change.info, NAME);
      // Same inputs as the recorded answer: the doc lost it (a crash between the two writes, or an edit
      // that dropped the field), so put it back without asking the CR again.
      const result =
        record?.inputs === transition.inputsOf(doc) && record.fields[FIELD] !== undefined
          ? (record.fields[FIELD] as ClientRegistryResult)
          : await lookUpClient(doc, deps);
      deps.log.debug({ doc: doc._id, transition: NAME, outcome: outcomeOf(result) }, 'client registry answer');
      if (isDeepStrictEqual(doc[FIELD], result)) {
        return false;
      }
      if (result === undefined) {
        delete doc.client_registry;
      } else {
        doc[FIELD] = result;
      }
      return true;
    },

    retriedBySweep: (doc) => isRetriedBySweep(doc, deps.settings),
  };
  return transition;
}
