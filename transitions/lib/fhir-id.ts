/** FHIR R4's id type: up to 64 letters, digits, `-` and `.`. A CR ID or a ServiceRequest id must be one before it is written or put in a reference. */
export const FHIR_ID_CHARACTERS = '[A-Za-z0-9.-]{1,64}';

const FHIR_ID = new RegExp(`^${FHIR_ID_CHARACTERS}$`);

export function isFhirId(value: unknown): value is string {
  return typeof value === 'string' && FHIR_ID.test(value);
}
