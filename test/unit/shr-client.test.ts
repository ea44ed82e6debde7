import { expect } from 'chai';
import type { ServiceRequest } from '@medplum/fhirtypes';
import { TransientError } from '../../transitions/lib/errors';
import { ifNoneExist, interpretCreate } from '../../transitions/services/shr-client';

describe('SHR answers to a ServiceRequest POST', () => {
  it('reads the id of a created or already existing ServiceRequest from the body, else from Location', () => {
    expect(interpretCreate(201, { resourceType: 'ServiceRequest', id: 'sr-1' }, undefined)).to.deep.equal({ kind: 'created', id: 'sr-1' });
    expect(interpretCreate(200, { resourceType: 'ServiceRequest', id: 'sr-1' }, undefined)).to.deep.equal({ kind: 'created', id: 'sr-1' });
    expect(interpretCreate(201, '', 'https://shr.example/fhir/R4/ServiceRequest/sr-2/_history/1')).to.deep.equal({ kind: 'created', id: 'sr-2' });
  });

  it('treats a success without an id as a failure to retry, not as delivered', () => {
    expect(() => interpretCreate(201, {}, undefined)).to.throw(TransientError, 'shr_unexpected_response_no_id');
    expect(() => interpretCreate(302, {}, undefined)).to.throw(TransientError, 'shr_unexpected_response_302');
  });

  it('records a refusal with what the SHR said, shortened', () => {
    const outcome = { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'invalid', diagnostics: `bad\n  performer ${'x'.repeat(300)}` }] };
    const refused = interpretCreate(422, outcome, undefined);
    expect(refused.kind).to.equal('refused');
    expect(refused).to.have.property('reason').that.matches(/^the SHR refused the ServiceRequest \(HTTP 422: bad performer x+\)$/);
    expect((refused as { reason: string }).reason.length).to.be.below(200);
    expect(interpretCreate(400, 'not json', undefined)).to.deep.equal({ kind: 'refused', reason: 'the SHR refused the ServiceRequest (HTTP 400)' });
    expect(interpretCreate(412, {}, undefined)).to.deep.equal({ kind: 'refused', reason: 'the SHR holds several ServiceRequests for this report' });
  });

  it('makes the conditional create on the report identifier, escaped', () => {
    const resource: ServiceRequest = {
      resourceType: 'ServiceRequest',
      status: 'active',
      intent: 'order',
      subject: {},
      identifier: [{ system: 'https://siaya.echis.go.ke', value: 'report 1|a' }],
    };
    expect(ifNoneExist(resource)).to.equal('identifier=https%3A%2F%2Fsiaya.echis.go.ke|report%201%7Ca');
  });
});
