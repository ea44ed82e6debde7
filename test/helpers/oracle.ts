/** The sample's oracle, checked against what the embedded server and the sandbox SHR hold after a run. */
import { expect } from 'chai';
import { isDeepStrictEqual } from 'node:util';
import { referralOutcome, type ReferralOutcome } from '../../transitions/demo';
import { problemOf } from '../../transitions/lib/service-request';
import { readSample } from '../../transitions/sandbox/sample';
import type { Doc } from '../../transitions/types';
import type { TestServers } from './servers';

export const contacts = readSample<Doc[]>('contacts.json');
export const reports = readSample<Doc[]>('referral-reports.json');
export const expectedAnswers = readSample<Record<string, unknown>>('expected-client-registry.json');
export const expectedReferrals = readSample<Record<string, ReferralOutcome>>('expected-service-requests.json');
export const contactIds = contacts.map((doc) => doc._id);
export const reportIds = reports.map((doc) => doc._id);
/** `identifier.system` of the ServiceRequests the tests make. */
export const INSTANCE_URL = 'https://siaya.echis.go.ke';

export function withoutRevAndAnswer(doc: Doc): Record<string, unknown> {
  return Object.fromEntries(Object.entries(doc).filter(([field]) => field !== '_rev' && field !== 'client_registry'));
}

/** Every sample contact holds the expected client_registry (or none) and every other field as seeded. */
export async function expectClientOracle(servers: TestServers): Promise<void> {
  const docs = await servers.medic.getMany(contactIds);
  const wrong = contacts.filter((seeded) => {
    const doc = docs.get(seeded._id);
    return !doc || !isDeepStrictEqual(doc.client_registry ?? null, expectedAnswers[seeded._id]) || !isDeepStrictEqual(withoutRevAndAnswer(doc), withoutRevAndAnswer(seeded));
  });
  expect(wrong.map((doc) => doc._id)).to.deep.equal([]);
}

/** Every report ends as the oracle says, every ServiceRequest is valid, and there is exactly one per report sent. */
export async function expectReferralOracle(servers: TestServers): Promise<void> {
  const docs = await servers.medic.getMany(reportIds);
  const stored = servers.sandbox.serviceRequests();
  const outcomes = Object.fromEntries(reportIds.map((id) => [id, referralOutcome(docs.get(id) as Doc, stored)]));
  expect(outcomes).to.deep.equal(expectedReferrals);
  const sentFor = stored.map((request) => request.identifier?.[0]?.value);
  const delivered = reportIds.filter((id) => !('error' in (expectedReferrals[id] as object)));
  expect([...sentFor].sort()).to.deep.equal(delivered);
  expect(stored.every((request) => request.identifier?.[0]?.system === INSTANCE_URL)).to.equal(true);
  expect(stored.map((request) => problemOf({ ...request, id: undefined, meta: undefined }))).to.deep.equal(stored.map(() => undefined));
  expect(servers.sandbox.stats().serviceRequestsInvalid).to.equal(0);
}

/** Peter Otieno Ouma (ke-sample-client-05, unknown to the sample CR) as the CR knows him once registered with `number`. */
export function registeredPeter(number: string) {
  return {
    resourceType: 'Patient',
    id: 'CR4200000000200-9',
    identifier: [{ type: { coding: [{ system: 'https://ts.kenya-hie.health/Codesystem/identifier-types', code: 'national-id' }] }, value: number }],
    name: [{ text: 'Peter Otieno Ouma', given: ['Peter', 'Otieno'], family: 'Ouma' }],
    gender: 'male',
    birthDate: '1983-02-14',
  } as const;
}
