/**
 * The bad input corpus (`test/fixtures/bad-input/docs.json`): malformed contacts and referral reports, seeded
 * with the sample and worked on by the built CLI at debug level. Each ends with its documented status or is
 * left alone with a logged reason code; the worker finishes the feed; its log names bad docs by id only.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { readSample } from '../../transitions/sandbox/sample';
import { createHttp, splitCredentials } from '../../transitions/services/http';
import type { Doc } from '../../transitions/types';
import { startCli } from '../helpers/cli';
import { startServers, type TestServers } from '../helpers/servers';

interface BadInput {
  readonly why: string;
  readonly doc: Doc;
  /** A revision in conflict with `doc` (which wins: its rev is higher). */
  readonly conflict?: Doc;
  readonly expect: { readonly client_registry?: unknown; readonly service_request?: unknown; readonly untouched?: string };
}

const corpus = JSON.parse(readFileSync(path.resolve(__dirname, '..', '..', '..', 'test', 'fixtures', 'bad-input', 'docs.json'), 'utf8')) as BadInput[];
const expectedAnswers = readSample<Record<string, unknown>>('expected-client-registry.json');

/** What a log line may say about a doc: its id and codes, never a field of it. */
const LOG_KEYS = new Set(['level', 'time', 'pid', 'hostname', 'service', 'msg', 'doc', 'reason', 'transition', 'outcome', 'attempt', 'attempts', 'retryInMs']);
/** Fields that are codes or ids, not a person's details: they may appear in a log. */
const NOT_PERSONAL = new Set(['_id', '_rev', 'type', 'contact_type', 'form', 'content_type', 'identification_type', 'parent', 'contact', 'patient_uuid', 'patient_id', 'client_registry']);

/** The text a log must never carry: every string and number in a bad doc's personal fields. */
function personalValues(value: unknown, key = ''): string[] {
  if (NOT_PERSONAL.has(key)) {
    return [];
  }
  if (value !== null && typeof value === 'object') {
    return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => personalValues(v, Array.isArray(value) ? key : k));
  }
  const text = typeof value === 'string' ? value.trim() : typeof value === 'number' ? String(value) : '';
  return text.length >= 6 ? [text.slice(0, 40)] : [];
}

async function seed(servers: TestServers): Promise<void> {
  await servers.medic.bulkSave(corpus.filter((entry) => entry.conflict === undefined).map((entry) => entry.doc));
  // Conflicting revisions can only be made as replication makes them: `new_edits: false`.
  const { url, auth } = splitCredentials(servers.couch.url);
  const http = createHttp({ baseURL: url, timeoutMs: 10_000, ...(auth ? { auth } : {}) });
  const conflicted = corpus.flatMap((entry) => (entry.conflict ? [entry.doc, entry.conflict] : []));
  const response = await http.post('/medic/_bulk_docs', { docs: conflicted, new_edits: false });
  expect(response.status).to.equal(201);
}

describe(`bad input corpus (${corpus.length} docs)`, () => {
  let servers: TestServers;

  before(async () => {
    servers = await startServers({ reports: readSample<Doc[]>('referral-reports.json') });
    await seed(servers);
  });

  after(async () => {
    await servers.close();
  });

  it('holds at least 40 malformed docs, each with an expected status', () => {
    expect(corpus.length).to.be.at.least(40);
    for (const entry of corpus) {
      expect(Object.keys(entry.expect), entry.doc._id).to.have.length(1);
    }
  });

  it('gives each its documented status or leaves it alone with a logged reason code, and finishes the feed', async () => {
    const result = await startCli(['run', '--once'], { ...servers.env, LOG_LEVEL: 'debug' }).exited;
    expect(result.code, result.stderr.slice(-2000)).to.equal(0);
    const lines = result.stderr.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.some((line) => line.msg === 'worker drained the feed')).to.equal(true);

    const docs = await servers.medic.getMany(corpus.map((entry) => entry.doc._id));
    const wrong: string[] = [];
    for (const { doc: seeded, expect: wanted } of corpus) {
      const doc = docs.get(seeded._id);
      if (wanted.untouched !== undefined) {
        const left = doc === undefined ? seeded._deleted === true : doc.client_registry === seeded.client_registry && doc.service_request === undefined;
        const logged = lines.some((line) => line.doc === seeded._id && line.reason === wanted.untouched && line.msg === 'change skipped');
        if (!left || !logged) {
          wrong.push(`${seeded._id}: ${left ? '' : 'touched'} ${logged ? '' : `no "${wanted.untouched}" logged`}`);
        }
        continue;
      }
      const field = 'client_registry' in wanted ? 'client_registry' : 'service_request';
      const got = doc?.[field] ?? null;
      if (!isDeepStrictEqual(got, wanted[field])) {
        wrong.push(`${seeded._id}: ${field} ${JSON.stringify(got)}`);
      }
    }
    expect(wrong).to.deep.equal([]);

    // The sample beside them is answered as ever, and no bad report reached the SHR.
    const sample = await servers.medic.getMany(Object.keys(expectedAnswers));
    expect(Object.keys(expectedAnswers).filter((id) => !isDeepStrictEqual(sample.get(id)?.client_registry ?? null, expectedAnswers[id]))).to.deep.equal([]);
    expect(servers.sandbox.serviceRequests().map((request) => request.identifier?.[0]?.value).filter((id) => id?.startsWith('bad-input'))).to.deep.equal([]);
    expect(servers.sandbox.stats().serviceRequestsInvalid).to.equal(0);

    // Logs about bad docs: ids and codes only.
    const ids = new Set(corpus.map((entry) => entry.doc._id));
    const extraKeys = lines.filter((line) => ids.has(String(line.doc))).flatMap((line) => Object.keys(line).filter((key) => !LOG_KEYS.has(key)));
    expect(extraKeys).to.deep.equal([]);
    // A value that is part of a doc id (`bad-input-dob-1985-0-3`) may be logged as that id.
    const personal = corpus.flatMap((entry) => personalValues(entry.doc)).filter((value) => ![...ids].some((id) => id.includes(value)));
    const leaked = [...new Set(personal)].filter((value) => result.stderr.includes(value));
    expect(leaked).to.deep.equal([]);
  });
});
