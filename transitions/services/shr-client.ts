/**
 * The Shared Health Record over HTTP: a referral is POSTed as a FHIR R4 ServiceRequest with the HIE's Bearer
 * token and the FHIR content type (the upstream service sent neither), as a conditional create on the report's
 * identifier, so a retry or a restart finds the ServiceRequest it made instead of making a second one.
 */
import type { AxiosInstance } from 'axios';
import type { ServiceRequest } from '@medplum/fhirtypes';
import { TransientError } from '../lib/errors';
import { type HieAccess, withBearer } from './hie-client';
import { FHIR_ID_CHARACTERS, isFhirId } from '../lib/fhir-id';

export interface ShrSettings {
  /** Base URL of the SHR (defaults to HIE_URL) and the path ServiceRequests are POSTed to. */
  readonly url: string;
  readonly serviceRequestPath: string;
}

/** What the `referral_service_request` transition needs from the SHR. */
export interface SharedHealthRecord {
  createServiceRequest(resource: ServiceRequest): Promise<Delivery>;
}

/** `created`: the SHR holds the ServiceRequest (made now or by an earlier try); `refused`: it will not take it. */
export type Delivery = { readonly kind: 'created'; readonly id: string } | { readonly kind: 'refused'; readonly reason: string };

const STORED_ID_IN_LOCATION = new RegExp(`ServiceRequest/(${FHIR_ID_CHARACTERS})`);

/** FHIR search syntax for a token: `system|value`, each part escaped as a query value. */
export function ifNoneExist(resource: ServiceRequest): string {
  const id = resource.identifier?.[0];
  return `identifier=${encodeURIComponent(id?.system ?? '')}|${encodeURIComponent(id?.value ?? '')}`;
}

/** The id of the stored resource: from the body, else from `Location: .../ServiceRequest/<id>/_history/<v>`. */
function storedId(body: unknown, location: unknown): string | undefined {
  const fromBody = (body as { id?: unknown } | null)?.id;
  if (isFhirId(fromBody)) {
    return fromBody;
  }
  const fromLocation = typeof location === 'string' ? STORED_ID_IN_LOCATION.exec(location)?.[1] : undefined;
  return fromLocation;
}

/** The first diagnostics of an OperationOutcome, short: what the SHR says is wrong, for the report. */
function outcomeText(body: unknown): string {
  const issue = (body as { issue?: { diagnostics?: unknown; details?: { text?: unknown } }[] } | null)?.issue?.[0];
  const text = issue?.diagnostics ?? issue?.details?.text;
  return typeof text === 'string' ? `: ${text.replace(/\s+/g, ' ').trim().slice(0, 120)}` : '';
}

/**
 * A POST answer -> the delivery. 200 (it already existed) and 201 carry the stored resource or its Location;
 * 412 means several ServiceRequests already carry this report's identifier; any other 4xx is the SHR refusing
 * this resource. (429, 5xx and refused tokens never get here: they are retried.)
 */
export function interpretCreate(status: number, body: unknown, location: unknown): Delivery {
  if (status === 200 || status === 201) {
    const id = storedId(body, location);
    if (id === undefined) {
      throw new TransientError('shr_unexpected_response_no_id');
    }
    return { kind: 'created', id };
  }
  if (status === 412) {
    return { kind: 'refused', reason: 'the SHR holds several ServiceRequests for this report' };
  }
  if (status >= 400 && status < 500) {
    return { kind: 'refused', reason: `the SHR refused the ServiceRequest (HTTP ${status}${outcomeText(body)})` };
  }
  throw new TransientError(`shr_unexpected_response_${status}`);
}

export class ShrClient implements SharedHealthRecord {
  constructor(
    private readonly http: AxiosInstance,
    private readonly hie: HieAccess,
    private readonly settings: ShrSettings,
  ) {}

  async createServiceRequest(resource: ServiceRequest): Promise<Delivery> {
    const response = await withBearer(this.hie, 'shr_create', (token) =>
      this.http.post(this.settings.serviceRequestPath, resource, {
        headers: {
          Authorization: `Bearer ${token}`,
          'Content-Type': 'application/fhir+json',
          Accept: 'application/fhir+json, application/json',
          'If-None-Exist': ifNoneExist(resource),
        },
      }),
    );
    return interpretCreate(response.status, response.data, response.headers.location);
  }
}
