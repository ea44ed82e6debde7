/**
 * `npm run demo`: the main job on the embedded default. Starts the embedded CouchDB-protocol server seeded
 * with the eCHIS sample contacts and referral reports and the HIE sandbox with the sample registry, runs the
 * worker until the feed is drained, prints every client with its `client_registry` and every referral with the
 * ServiceRequest the sandbox SHR holds for it, each beside the expected one, and stops everything.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { Logger } from 'pino';
import { isClient } from './client-registry';
import { loadConfig } from './config';
import { startCouch } from './embedded/couch-server';
import { textOf } from './lib/fields';
import { textTable } from './lib/text-table';
import { runWorker } from './run';
import { CouchDb } from './services/couch';
import { createHttp, splitCredentials } from './services/http';
import { SANDBOX_DEFAULTS, startSandbox, type StoredServiceRequest } from './sandbox/hie-sandbox';
import { readSample } from './sandbox/sample';
import type { ClientRegistryResult, Doc, ServiceRequestResult } from './types';

/** Enough of a number to recognise it on screen, not enough to use it. */
function maskNumber(value: unknown): string {
  const text = textOf(value);
  return text.length <= 3 ? '*'.repeat(text.length) : `${'*'.repeat(text.length - 3)}${text.slice(-3)}`;
}

function describeResult(result: ClientRegistryResult | null | undefined): string {
  if (result === null || result === undefined) {
    return '(not looked up)';
  }
  if ('id' in result) {
    return result.id;
  }
  return 'fields' in result ? `${result.error}: ${result.fields.join(', ')}` : result.error;
}

/** What a referral ended as, in the terms of `expected-service-requests.json`. */
export type ReferralOutcome = { readonly subject?: string; readonly performer?: string; readonly requester?: string } | { readonly error: string };

/** The ServiceRequest the SHR holds for a report, seen as the facility sees it; or the error on the report. */
export function referralOutcome(report: Doc, stored: readonly StoredServiceRequest[]): ReferralOutcome | undefined {
  const result = report.service_request as ServiceRequestResult | undefined;
  if (result === undefined) {
    return undefined;
  }
  if ('error' in result) {
    return { error: result.error };
  }
  const request = stored.find((r) => r.id === result.id) as
    | { subject?: { identifier?: { value?: string } }; performer?: { identifier?: { value?: string } }[]; requester?: { identifier?: { value?: string } } }
    | undefined;
  return { subject: request?.subject?.identifier?.value, performer: request?.performer?.[0]?.identifier?.value, requester: request?.requester?.identifier?.value };
}

function describeReferral(outcome: ReferralOutcome | undefined): string {
  if (outcome === undefined) {
    return '(not sent)';
  }
  return 'error' in outcome ? outcome.error : `${outcome.subject ?? '?'} -> ${outcome.performer ?? '?'} (CHU ${outcome.requester ?? '?'})`;
}

/** Runs the demo; `signal` (Ctrl-C) stops the worker early, and everything is stopped and removed either way. */
export async function runDemo(out: NodeJS.WritableStream, log: Logger, env: NodeJS.ProcessEnv, signal: AbortSignal): Promise<boolean> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'echis-hie-demo-'));
  const started: Array<{ close(): Promise<void> }> = [];
  try {
    const couch = await startCouch({ dataDir, admin: { username: 'admin', password: randomBytes(12).toString('hex') } });
    started.push(couch);
    const sandbox = await startSandbox({ ...SANDBOX_DEFAULTS, patients: readSample<unknown[]>('registry-patients.json') });
    started.push(sandbox);
    const { url, auth } = splitCredentials(couch.url);
    const medic = new CouchDb(createHttp({ baseURL: url, timeoutMs: 30_000, ...(auth ? { auth } : {}) }), 'medic');
    await medic.create();
    const contacts = readSample<Doc[]>('contacts.json');
    const referrals = readSample<Doc[]>('referral-reports.json');
    await medic.bulkSave([...contacts, ...referrals]);

    const config = loadConfig({
      CHT_URL: couch.url,
      HIE_URL: sandbox.url,
      HIE_USERNAME: SANDBOX_DEFAULTS.username,
      HIE_PASSWORD: SANDBOX_DEFAULTS.password,
      LOG_LEVEL: env.LOG_LEVEL ?? 'warn',
      RETRY_BASE_MS: '200',
    });
    const startedAt = Date.now();
    const summary = await runWorker(config, log, { once: true, signal });
    const seconds = ((Date.now() - startedAt) / 1000).toFixed(1);

    const expected = readSample<Record<string, ClientRegistryResult | null>>('expected-client-registry.json');
    const settings = config.clientRegistry;
    const clients = [...(await medic.getMany(contacts.map((c) => c._id))).values()].filter((doc) => isClient(doc, settings));
    let asExpected = 0;
    const rows = [['client', 'identification', 'number', 'client_registry', 'expected']];
    for (const doc of clients) {
      const result = doc.client_registry as ClientRegistryResult | undefined;
      const wanted = expected[doc._id] ?? null;
      const ok = isDeepStrictEqual(result ?? null, wanted);
      asExpected += ok ? 1 : 0;
      rows.push([doc._id, textOf(doc.identification_type) || '-', maskNumber(doc.identification_number) || '-', describeResult(result), ok ? 'yes' : `NO: ${describeResult(wanted)}`]);
    }
    out.write(`${textTable(rows)}\n\n`);

    const expectedReferrals = readSample<Record<string, ReferralOutcome>>('expected-service-requests.json');
    const reports = [...(await medic.getMany(referrals.map((r) => r._id))).values()];
    let referralsAsExpected = 0;
    const referralRows = [['referral', 'ServiceRequest in the SHR (subject -> performer)', 'expected']];
    for (const report of reports) {
      const outcome = referralOutcome(report, sandbox.serviceRequests());
      const ok = isDeepStrictEqual(outcome, expectedReferrals[report._id]);
      referralsAsExpected += ok ? 1 : 0;
      referralRows.push([report._id, describeReferral(outcome), ok ? 'yes' : `NO: ${describeReferral(expectedReferrals[report._id])}`]);
    }
    out.write(`${textTable(referralRows)}\n\n`);
    out.write(
      `${asExpected} of ${clients.length} clients and ${referralsAsExpected} of ${reports.length} referrals as expected; ` +
        `${summary.changes} changes read, ${summary.written} docs written, ${sandbox.stats().searches} CR look-ups, ` +
        `${sandbox.serviceRequests().length} ServiceRequests in the SHR, ${summary.pending} pending, ${summary.failed} failed, in ${seconds} s\n`,
    );
    return asExpected === clients.length && referralsAsExpected === reports.length && summary.pending === 0 && summary.failed === 0;
  } finally {
    for (const server of started.reverse()) {
      await server.close();
    }
    rmSync(dataDir, { recursive: true, force: true });
  }
}
