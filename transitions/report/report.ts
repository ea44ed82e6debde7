/**
 * `echis-hie report`: reads every doc of each CHT instance's database a page of `_all_docs` at a time (never
 * all at once; only places and counts are kept) and renders the coverage report. An instance that cannot be
 * read is named in the report, and the command exits 1, with the others' counts still written.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { ChtInstance, ReportSettings } from '../deployment';
import { reasonOf, TransientError } from '../lib/errors';
import { CouchDb } from '../services/couch';
import { createHttp } from '../services/http';
import type { Doc } from '../types';
import { backoffMs } from '../worker/backoff';
import { CoverageCounter, UNKNOWN, type CoverageRow } from './coverage';
import { toCsv, toJson, toTable, type CoverageReport, type Format, type InstanceCoverage } from './formats';
import { toHtml } from './html';

/** One page, tried again with backoff: a blip in a read of a million docs should not cost the whole read. */
async function readPage(db: CouchDb, after: string | undefined, settings: ReportSettings, log: Logger): Promise<Doc[]> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await db.allDocs({ after, limit: settings.batchSize });
    } catch (error) {
      if (attempt >= settings.maxAttempts) {
        throw error;
      }
      const wait = backoffMs(attempt, settings.retry, error instanceof TransientError ? error.retryAfterMs : 0);
      log.warn({ reason: reasonOf(error), attempt, retryInMs: wait }, 'page not read: will retry');
      await delay(wait);
    }
  }
}

/** Counts one database, a page at a time. */
export async function countCoverage(db: CouchDb, counter: CoverageCounter, settings: ReportSettings, log: Logger): Promise<number> {
  let read = 0;
  let after: string | undefined;
  for (;;) {
    const docs = await readPage(db, after, settings, log);
    docs.forEach((doc) => counter.add(doc));
    read += docs.length;
    const last = docs.at(-1);
    if (last === undefined || docs.length < settings.batchSize) {
      return read;
    }
    after = last._id;
  }
}

async function instanceRows(instance: ChtInstance, settings: ReportSettings, many: boolean, log: Logger): Promise<CoverageRow[]> {
  const http = createHttp({ baseURL: instance.url, timeoutMs: instance.timeoutMs, ...(instance.auth ? { auth: instance.auth } : {}) });
  const counter = new CoverageCounter({ contactTypes: settings.contactTypes });
  const startedAt = Date.now();
  const docs = await countCoverage(new CouchDb(http, instance.db), counter, settings, log);
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
