/**
 * `echis-hie report`: reads every doc of each CHT instance's database a page of `_all_docs` at a time (never
 * all at once; only places and counts are kept) and renders the coverage report. An instance that cannot be
 * read is named in the report, and the command exits 1, with the others' counts still written.
 */
import type { Logger } from 'pino';
import type { ChtInstance, ReportSettings } from '../deployment';
import { reasonOf } from '../lib/errors';
import { CouchDb } from '../services/couch';
import { createHttp } from '../services/http';
import { CoverageCounter, UNKNOWN, type CoverageRow } from './coverage';
import { toCsv, toJson, toTable, type CoverageReport, type Format, type InstanceCoverage } from './formats';
import { toHtml } from './html';

/** Counts one database, a page at a time. */
export async function countCoverage(db: CouchDb, counter: CoverageCounter, batchSize: number): Promise<number> {
  let read = 0;
  let after: string | undefined;
  for (;;) {
    const docs = await db.allDocs({ after, limit: batchSize });
    docs.forEach((doc) => counter.add(doc));
    read += docs.length;
    const last = docs.at(-1);
    if (last === undefined || docs.length < batchSize) {
      return read;
    }
    after = last._id;
  }
}

async function instanceRows(instance: ChtInstance, settings: ReportSettings, many: boolean, log: Logger): Promise<CoverageRow[]> {
  const http = createHttp({ baseURL: instance.url, timeoutMs: instance.timeoutMs, ...(instance.auth ? { auth: instance.auth } : {}) });
  const counter = new CoverageCounter({ contactTypes: settings.contactTypes });
  const startedAt = Date.now();
  const docs = await countCoverage(new CouchDb(http, instance.db), counter, settings.batchSize);
  log.info({ cht: instance.name, docs, ms: Date.now() - startedAt }, 'coverage counted');
  // With many instances, the row of clients with a broken lineage says which instance must be mended.
  return counter.rows(many ? `${UNKNOWN} (${instance.name})` : UNKNOWN);
}

export async function buildReport(settings: ReportSettings, log: Logger, now: () => Date = () => new Date()): Promise<CoverageReport> {
  const many = settings.instances.length > 1;
  const instances: InstanceCoverage[] = [];
  const unreadable: Array<{ instance: string; reason: string }> = [];
  // One instance after another: a report is no reason to load 47 CHT servers at once.
  for (const instance of settings.instances) {
    try {
      instances.push({ instance: instance.name, rows: await instanceRows(instance, settings, many, log) });
    } catch (error) {
      log.error({ cht: instance.name, reason: reasonOf(error) }, 'CHT instance not read: left out of the report');
      unreadable.push({ instance: instance.name, reason: reasonOf(error) });
    }
  }
  return { generatedAt: now().toISOString(), instances, unreadable };
}

export function render(report: CoverageReport, format: Format): string {
  switch (format) {
    case 'table':
      return toTable(report);
    case 'csv':
      return toCsv(report);
    case 'json':
      return toJson(report);
    case 'html':
      return toHtml(report);
  }
}
