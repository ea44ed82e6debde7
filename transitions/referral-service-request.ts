/**
 * Transition `referral_service_request`: a CHP's referral report becomes a FHIR R4 ServiceRequest in the Shared
 * Health Record, addressed to the facility by its KMHFL code, with the client's CR ID as subject, and the report
 * gets `service_request: {id, status: "OK"}` or `service_request: {error}`.
 *
 * A referral whose client has no CR ID yet waits: the client is looked up once more unless it was answered
 * after the referral was made (the `client_registry` transition, through the worker), and if there is still no CR ID the report records why and is listed on the
 * client's info, so the client's next answer with a CR ID sends it. A delivered referral is never sent again.
 */
import { isDeepStrictEqual } from 'node:util';
import { isClient, type ClientRegistrySettings } from './client-registry';
import type { Logger } from 'pino';
import { fingerprint, isAnswered } from './lib/records';
import { detailOf } from './lib/fields';
import { buildServiceRequest, formFieldsOf, problemOf, type ServiceRequestSettings } from './lib/service-request';
import type { SharedHealthRecord } from './services/shr-client';
import type { StateStore } from './services/state-store';
import type { Change, Contacts, Doc, Person, ReferralWaitReason, ServiceRequestResult, Transition } from './types';
import { isFhirId } from './lib/fhir-id';

export const NAME = 'referral_service_request';
const FIELD = 'service_request';

export interface ReferralSettings extends ServiceRequestSettings, Pick<ClientRegistrySettings, 'contactTypes'> {
  /** `form` of the referral reports (app forms), default `referral`. */
  readonly forms: readonly string[];
}

export interface ReferralDeps {
  readonly shr: SharedHealthRecord;
  readonly contacts: Contacts;
  /** Where a waiting referral is listed on its client's info. */
  readonly waiting: Pick<StateStore, 'addWaiting' | 'removeWaiting'>;
  readonly settings: ReferralSettings;
  readonly log: Pick<Logger, 'debug'>;
  readonly now?: () => number;
}

const WAIT_REASONS: readonly string[] = ['client has no client registry id', 'client not found'] satisfies ReferralWaitReason[];

/** The report fields the ServiceRequest is made of: an edit of one of them is a new referral to send. */
export function inputsOf(doc: Doc): string {
  return fingerprint([doc.form, doc.fields, doc.reported_date]);
}

export function isReferral(doc: Doc, settings: Pick<ReferralSettings, 'forms'>): boolean {
  return !doc._deleted && doc.type === 'data_record' && typeof doc.form === 'string' && settings.forms.includes(doc.form);
}

function resultOf(doc: Doc): Partial<Record<'id' | 'status' | 'error', unknown>> | undefined {
  const value = doc[FIELD];
  return value !== null && typeof value === 'object' ? value : undefined;
}

export function isDelivered(doc: Doc): boolean {
  return resultOf(doc)?.status === 'OK';
}

/** Waiting for its client: sent as soon as the client has a CR ID. */
export function isWaiting(doc: Doc): boolean {
  const error = resultOf(doc)?.error;
  return typeof error === 'string' && WAIT_REASONS.includes(error);
}

/** The client the report is about: `fields.patient_uuid`, then `fields.patient_id`. */
export function clientIdOf(doc: Doc): string | undefined {
  const fields = formFieldsOf(doc) ?? {};
  for (const value of [fields.patient_uuid, fields.patient_id]) {
    const id = detailOf(value);
    if (typeof id === 'string') {
      return id;
    }
  }
  return undefined;
}


/** When the CHP made the referral; a report without a readable time trusts no earlier answer. */
function reportedAt(report: Doc): number {
  return typeof report.reported_date === 'number' ? report.reported_date : Number.POSITIVE_INFINITY;
}

/** The client's CR ID, when the `client_registry` transition found one. */
export function crIdOf(client: Person | undefined): string | undefined {
  const answer = client?.client_registry as { id?: unknown; status?: unknown } | undefined;
  return answer?.status === 'OK' && isFhirId(answer.id) ? answer.id : undefined;
}

/**
 * A short code for logs and metrics: `ok`, `client_not_found`, `invalid_facility_code`, ... The SHR's own words
 * are kept on the report only: they may quote what was sent.
 */
export function outcomeOf(result: ServiceRequestResult): string {
  if (!('error' in result)) {
    return 'ok';
  }
  if (result.error.startsWith('the SHR')) {
    return 'shr_refused';
  }
  return result.error.startsWith('invalid ServiceRequest') ? 'invalid_service_request' : result.error.replace(/[ -]/g, '_');
}

export function create(deps: ReferralDeps): Transition {
  const { settings } = deps;
  const now = deps.now ?? Date.now;

  /** Builds, checks and sends the ServiceRequest: the result to write on the report. */
  async function deliver(report: Doc, crId: string): Promise<ServiceRequestResult> {
    const built = buildServiceRequest(report, crId, settings, now());
    if ('error' in built) {
      return built;
    }
    const problem = problemOf(built.resource);
    if (problem !== undefined) {
      return { error: `invalid ServiceRequest: ${problem}` };
    }
    const delivery = await deps.shr.createServiceRequest(built.resource);
    return delivery.kind === 'created' ? { id: delivery.id, status: 'OK' } : { error: delivery.reason };
  }

  /** What to write on the report: its ServiceRequest's id, or why there is none (yet). */
  async function resultFor(report: Doc): Promise<ServiceRequestResult> {
    const clientId = clientIdOf(report);
    if (clientId === undefined) {
      // A report with no fields at all is not a form submission: say that, not that its client is missing.
      return { error: formFieldsOf(report) === undefined ? 'referral has no fields' : 'referral has no client' };
    }
    const found = await deps.contacts.get(clientId);
    if (found !== undefined && !isClient(found, settings)) {
      // A household or a CHP never gets a CR ID: waiting for one would be for ever.
      return { error: 'referral is not about a client' };
    }
    let client: Person | undefined = found;
    let listed = isWaiting(report);
    if (crIdOf(client) === undefined) {
      // Listed before the client is read again: the client's answer, written at any moment, then finds it.
      await deps.waiting.addWaiting(clientId, report._id);
      listed = true;
      // Looked up once more unless its answer is newer than the referral (so not again on every re-run).
      const refreshed = await deps.contacts.refresh(clientId, reportedAt(report));
      client = refreshed !== undefined && isClient(refreshed, settings) ? refreshed : undefined;
    }
    const crId = crIdOf(client);
    if (crId === undefined) {
      return { error: client === undefined ? 'client not found' : 'client has no client registry id' };
    }
    const result = await deliver(report, crId);
    if (listed) {
      await deps.waiting.removeWaiting(clientId, report._id);
    }
    return result;
  }

  const transition: Transition = {
    name: NAME,
    ownedFields: [FIELD],
    inputsOf,

    // A waiting report is looked at on each of its changes and whenever its client is answered; any other
    // result stands until the report is edited, and a delivered one for good.
    filter: (change) =>
      isReferral(change.doc, settings) && !isDelivered(change.doc) && (isWaiting(change.doc) || !isAnswered(change, transition)),

    onMatch: async (change: Change) => {
      const report = change.doc;
      const result = await resultFor(report);
      deps.log.debug({ doc: report._id, transition: NAME, outcome: outcomeOf(result) }, 'service request result');
      if (isDeepStrictEqual(report[FIELD], result)) {
        return false;
      }
      report[FIELD] = result;
      return true;
    },

    // Once a client has a CR ID, the referrals that waited for it are sent.
    releasesWaiting: (doc: Doc) => isClient(doc, settings) && crIdOf(doc) !== undefined,
  };
  return transition;
}
