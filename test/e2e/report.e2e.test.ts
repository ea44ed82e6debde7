/**
 * `echis-hie report` end to end: the worker answers the sample on the embedded server with the sandbox, then
 * the built CLI reports it. The expected counts are worked out here from the fixtures by walking each client's
 * parents (not its stored lineage) and reading its identification and its expected answer.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runWorker } from '../../transitions/run';
import { readSample } from '../../transitions/sandbox/sample';
import type { Doc } from '../../transitions/types';
import { startCli } from '../helpers/cli';
import { silentLog, startServers, type TestServers } from '../helpers/servers';

const contacts = readSample<Doc[]>('contacts.json');
const expected = readSample<Record<string, { id?: string; error?: string } | null>>('expected-client-registry.json');
const byId = new Map(contacts.map((doc) => [doc._id, doc]));

const COUNT_COLUMNS = [
  'with_cr_id', 'no_matches', 'multiple_matches', 'details_mismatch', 'unsupported_identification_type',
  'invalid_identification_number', 'waiting', 'no_identification', 'legacy_upi_only', 'clients',
];

function parentOf(doc: Doc): Doc | undefined {
  const parent = doc.parent as { _id?: string } | undefined;
  return parent?._id === undefined ? undefined : byId.get(parent._id);
}

/** The ancestor of `doc` of this contact type, found through the parent docs themselves. */
function ancestor(doc: Doc, contactType: string): Doc | undefined {
  for (let place = parentOf(doc); place; place = parentOf(place)) {
    if (place.contact_type === contactType) {
      return place;
    }
  }
  return undefined;
}

function bump(row: Record<string, number> | undefined, column: string): void {
  if (row === undefined) {
    throw new Error('no such row');
  }
  row[column] = (row[column] ?? 0) + 1;
}

function expectedState(client: Doc): string {
  const blank = (value: unknown) => typeof value !== 'string' || value.trim() === '';
  if (blank(client.identification_type) || blank(client.identification_number)) {
    return 'no_identification';
  }
  const answer = expected[client._id];
  return answer === null || answer === undefined ? 'waiting' : answer.id !== undefined ? 'with_cr_id' : (answer.error ?? '').replace(/ /g, '_');
}

/** county,sub_county,chu,chu_code -> counts, from the fixtures. */
function expectedRows(extraWaiting: number): Map<string, Record<string, number>> {
  const rows = new Map<string, Record<string, number>>();
  for (const chu of contacts.filter((doc) => doc.contact_type === 'c_community_health_unit')) {
    const sub = ancestor(chu, 'b_sub_county') as Doc;
    const county = ancestor(chu, 'a_county') as Doc;
    rows.set([county.name, sub.name, chu.name, chu.code].join(','), Object.fromEntries(COUNT_COLUMNS.map((column) => [column, 0])));
  }
  for (const client of contacts.filter((doc) => doc.contact_type === 'f_client')) {
    const chu = ancestor(client, 'c_community_health_unit') as Doc;
    const row = rows.get([ancestor(chu, 'a_county')?.name, ancestor(chu, 'b_sub_county')?.name, chu.name, chu.code].join(','));
    const state = expectedState(client);
    bump(row, state);
    bump(row, 'clients');
    if (typeof client.upi === 'string' && state !== 'with_cr_id') {
      bump(row, 'legacy_upi_only');
    }
  }
  const unknown = Object.fromEntries(COUNT_COLUMNS.map((column) => [column, 0]));
  unknown.waiting = extraWaiting;
  unknown.clients = extraWaiting;
  rows.set('unknown,unknown,unknown,', unknown);
  return rows;
}

function parseCsv(text: string): Map<string, Record<string, number>> {
  const [header, ...lines] = text.trimEnd().split('\r\n');
  expect(header).to.equal(['county', 'sub_county', 'chu', 'chu_code', ...COUNT_COLUMNS].join(','));
  return new Map(
    lines.map((line) => {
      const cells = line.split(',');
      return [cells.slice(0, 4).join(','), Object.fromEntries(COUNT_COLUMNS.map((column, index) => [column, Number(cells[4 + index])]))];
    }),
  );
}

describe('coverage report, end to end', () => {
  let servers: TestServers;

  before(async () => {
    servers = await startServers();
    const summary = await runWorker(servers.config(), silentLog, { once: true, signal: new AbortController().signal });
    expect(summary).to.include({ pending: 0, failed: 0 });
    // After the worker: a client of a CHU not yet answered, and one whose household is gone from the lineage.
    const someClient = contacts.find((doc) => doc._id === 'ke-sample-client-00') as Doc;
    await servers.medic.bulkSave([
      { ...someClient, _id: 'ke-report-new-client', _rev: undefined },
      { ...someClient, _id: 'ke-report-lost-client', _rev: undefined, parent: { _id: 'gone-household', parent: { _id: 'gone-area' } } },
    ]);
  });

  after(async () => {
    await (servers as TestServers | undefined)?.close();
  });

  it('counts per CHU what the contacts hold, from the CHT settings alone', async () => {
    // No HIE settings: the report does not need them.
    const { code, stdout } = await startCli(['report', '--format', 'csv'], { CHT_URL: servers.env.CHT_URL, LOG_LEVEL: 'warn' }).exited;
    expect(code).to.equal(0);
    const rows = parseCsv(stdout);
    const oracle = expectedRows(1);
    const newClientChu = [...oracle.keys()].find((key) => key.endsWith(',612301')) as string;
    bump(oracle.get(newClientChu), 'waiting');
    bump(oracle.get(newClientChu), 'clients');
    expect(Object.fromEntries(rows)).to.deep.equal(Object.fromEntries(oracle));
    expect([...rows.values()].reduce((sum, row) => sum + (row.clients ?? 0), 0)).to.equal(contacts.filter((doc) => doc.contact_type === 'f_client').length + 2);
  });

  it('writes JSON to --out with the same totals, and refuses an unknown format', async () => {
    const out = path.join(os.tmpdir(), `echis-hie-report-${process.pid}.json`);
    expect((await startCli(['report', '--format', 'json', '--out', out], { CHT_URL: servers.env.CHT_URL, LOG_LEVEL: 'warn' }).exited).code).to.equal(0);
    const report = JSON.parse(readFileSync(out, 'utf8')) as { totals: Record<string, number>; instances: Array<{ rows: unknown[] }> };
    expect(report.totals.clients).to.equal(24);
    expect(report.instances[0]?.rows).to.have.length(3);
    const refused = await startCli(['report', '--format', 'pdf'], { CHT_URL: servers.env.CHT_URL }).exited;
    expect(refused.code).to.equal(2);
    expect(refused.stderr).to.include('--format must be one of table, csv, html, json');
  });
});
