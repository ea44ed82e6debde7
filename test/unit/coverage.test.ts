import { expect } from 'chai';
import sinon from 'sinon';
import { TransientError } from '../../transitions/lib/errors';
import { CoverageCounter, hasLegacyUpiOnly, lineageIds, stateOf, UNKNOWN } from '../../transitions/report/coverage';
import { toCsv, toTable } from '../../transitions/report/formats';
import { countCoverage } from '../../transitions/report/report';
import { CouchDb } from '../../transitions/services/couch';
import type { Doc } from '../../transitions/types';
import { silentLog } from '../helpers/servers';

const settings = { contactTypes: ['f_client'] };

/** A minified lineage, nearest first. */
function lineage(...ids: string[]): Doc['parent'] {
  return ids.reduceRight<unknown>((parent, id) => (parent === undefined ? { _id: id } : { _id: id, parent }), undefined);
}

function place(id: string, contactType: string, name: string, parents: string[], extra: Record<string, unknown> = {}): Doc {
  return { _id: id, type: 'contact', contact_type: contactType, name, parent: lineage(...parents), ...extra };
}

const places: Doc[] = [
  place('county', 'a_county', 'Kisumu', []),
  place('sub-a', 'b_sub_county', 'Seme', ['county']),
  place('sub-b', 'b_sub_county', 'Kisumu West', ['county']),
  place('chu-1', 'c_community_health_unit', 'Kombewa CHU', ['sub-a', 'county'], { code: '612302' }),
  place('chu-2', 'c_community_health_unit', 'Kanyakwar CHU', ['sub-b', 'county'], { code: '612301' }),
  place('chu-empty', 'c_community_health_unit', 'Empty CHU', ['sub-b', 'county'], { code: '612309' }),
];

function client(id: string, chu: string, sub: string, fields: Record<string, unknown> = {}): Doc {
  return { _id: id, type: 'contact', contact_type: 'f_client', parent: lineage(`${id}-hh`, `${id}-area`, chu, sub, 'county'), ...fields };
}

const identified = { identification_type: 'national_id', identification_number: '12345678' };

describe('coverage counting rules', () => {
  describe('stateOf', () => {
    it('is no_identification without a type or a number, whatever the contact holds', () => {
      expect(stateOf({ _id: 'a' })).to.equal('no_identification');
      expect(stateOf({ _id: 'a', identification_type: 'national_id', identification_number: '  ' })).to.equal('no_identification');
      expect(stateOf({ _id: 'a', identification_number: '123', client_registry: { id: 'CR1-1', status: 'OK' } })).to.equal('no_identification');
    });

    it('is the answer on an identified contact', () => {
      expect(stateOf({ _id: 'a', ...identified, client_registry: { id: 'CR4200000000011-1', status: 'OK' } })).to.equal('with_cr_id');
      expect(stateOf({ _id: 'a', ...identified, client_registry: { error: 'no matches' } })).to.equal('no_matches');
      expect(stateOf({ _id: 'a', ...identified, client_registry: { error: 'multiple matches' } })).to.equal('multiple_matches');
      expect(stateOf({ _id: 'a', ...identified, client_registry: { error: 'details mismatch', fields: ['sex'] } })).to.equal('details_mismatch');
      expect(stateOf({ _id: 'a', ...identified, client_registry: { error: 'unsupported identification type' } })).to.equal('unsupported_identification_type');
      expect(stateOf({ _id: 'a', ...identified, client_registry: { error: 'invalid identification number' } })).to.equal('invalid_identification_number');
    });

    it('is waiting with no answer, or one this project never writes', () => {
      expect(stateOf({ _id: 'a', ...identified })).to.equal('waiting');
      expect(stateOf({ _id: 'a', ...identified, client_registry: { error: 'toString' } })).to.equal('waiting');
      expect(stateOf({ _id: 'a', ...identified, client_registry: { id: '', status: 'OK' } })).to.equal('waiting');
      expect(stateOf({ _id: 'a', ...identified, client_registry: 'CR1' })).to.equal('waiting');
    });

    it('counts a legacy UPI only beside a state without a CR ID', () => {
      expect(hasLegacyUpiOnly({ _id: 'a', upi: 'MOH-UPI-1' }, 'no_identification')).to.be.true;
      expect(hasLegacyUpiOnly({ _id: 'a', upi: 'MOH-UPI-1' }, 'with_cr_id')).to.be.false;
      expect(hasLegacyUpiOnly({ _id: 'a', upi: ' ' }, 'waiting')).to.be.false;
    });
  });

  it('reads a minified lineage, nearest first, and stops at a loop-sized chain', () => {
    expect(lineageIds(client('c', 'chu-1', 'sub-a'))).to.deep.equal(['c-hh', 'c-area', 'chu-1', 'sub-a', 'county']);
    expect(lineageIds({ _id: 'x', parent: { _id: 'p', parent: { name: 'no id' } } })).to.deep.equal(['p']);
    const deep = { _id: 'x', parent: lineage(...Array.from({ length: 50 }, (_, i) => `p${i}`)) };
    expect(lineageIds(deep)).to.have.length(20);
  });

  it('counts per CHU whatever the order of clients and places, with empty CHUs and an unknown row', () => {
    const counter = new CoverageCounter(settings);
    const docs: Doc[] = [
      client('c1', 'chu-1', 'sub-a', { ...identified, client_registry: { id: 'CR1-1', status: 'OK' }, upi: 'U1' }),
      client('c2', 'chu-1', 'sub-a', { ...identified, upi: 'U2' }),
      client('c3', 'chu-2', 'sub-b', { ...identified, client_registry: { error: 'no matches' } }),
      client('c4', 'chu-2', 'sub-b'),
      client('lost', 'chu-gone', 'sub-b', identified),
      { _id: 'orphan', type: 'contact', contact_type: 'f_client' },
      client('moved', 'chu-1', 'sub-b', identified), // the stored lineage disagrees with the CHU's own parent
      { _id: 'deleted', _deleted: true, type: 'contact', contact_type: 'f_client', parent: lineage('h', 'a', 'chu-1', 'sub-a', 'county') },
      client('chp', 'chu-1', 'sub-a', { contact_type: 'person' }),
      { _id: 'report-1', type: 'data_record', form: 'referral' },
      ...places,
    ];
    docs.forEach((doc) => counter.add(doc));
    const rows = counter.rows();
    expect(rows.map((row) => [row.county, row.sub_county, row.chu, row.chu_code])).to.deep.equal([
      ['Kisumu', 'Kisumu West', 'Empty CHU', '612309'],
      ['Kisumu', 'Kisumu West', 'Kanyakwar CHU', '612301'],
      ['Kisumu', 'Seme', 'Kombewa CHU', '612302'],
      [UNKNOWN, UNKNOWN, UNKNOWN, ''],
    ]);
    expect(rows[0]?.counts.clients).to.equal(0);
    expect(rows[1]?.counts).to.include({ no_matches: 1, no_identification: 1, clients: 2, legacy_upi_only: 0 });
    expect(rows[2]?.counts).to.include({ with_cr_id: 1, waiting: 1, legacy_upi_only: 1, clients: 2 });
    expect(rows[3]?.counts).to.include({ waiting: 2, no_identification: 1, clients: 3 });
  });

  it('puts the clients of a CHU whose sub-county or county is missing in the unknown row', () => {
    const counter = new CoverageCounter(settings);
    [places[0], places[3], client('c1', 'chu-1', 'sub-a', identified)].forEach((doc) => counter.add(doc as Doc));
    expect(counter.rows('unknown (kisumu)').map((row) => [row.county, row.counts.clients])).to.deep.equal([['unknown (kisumu)', 1]]);
  });

  it('writes the CSV with exactly the asked columns, one row per CHU, quoting what needs it', () => {
    const counter = new CoverageCounter(settings);
    [...places.slice(0, 4), client('c1', 'chu-1', 'sub-a', identified)].forEach((doc) => counter.add(doc));
    const rows = counter.rows().map((row) => ({ ...row, chu: 'Kombewa, "East"' }));
    const csv = toCsv({ generatedAt: '2026-12-03T00:00:00.000Z', instances: [{ instance: 'kisumu', rows }], unreadable: [] });
    expect(csv.split('\r\n')).to.deep.equal([
      'county,sub_county,chu,chu_code,with_cr_id,no_matches,multiple_matches,details_mismatch,unsupported_identification_type,invalid_identification_number,waiting,no_identification,legacy_upi_only,clients',
      'Kisumu,Seme,"Kombewa, ""East""",612302,0,0,0,0,0,0,1,0,0,1',
      '',
    ]);
    const table = toTable({ generatedAt: '', instances: [{ instance: 'kisumu', rows }], unreadable: [{ instance: 'nakuru', reason: 'cht_unreachable' }] });
    expect(table).to.match(/^kisumu\ncounty/).and.to.include('total').and.to.include('nakuru: not read (cht_unreachable)');
  });
});

describe('reading a database for the report', () => {
  const settings = { instances: [], contactTypes: ['f_client'], batchSize: 2, retry: { baseMs: 1, maxMs: 1 }, maxAttempts: 2, logLevel: 'silent' as const };
  const docs: Doc[] = [...places, client('c1', 'chu-1', 'sub-a', identified)];

  /** A database of `docs` whose first `failures` page reads fail. */
  function flakyDb(failures: number): { db: CouchDb; reads: Array<string | undefined> } {
    const reads: Array<string | undefined> = [];
    const db = sinon.createStubInstance(CouchDb);
    db.allDocs.callsFake(({ after, limit }) => {
      reads.push(after);
      if (reads.length <= failures) {
        return Promise.reject(new TransientError('cht_unreachable'));
      }
      const sorted = [...docs].sort((a, b) => (a._id < b._id ? -1 : 1));
      const from = after === undefined ? 0 : sorted.findIndex((doc) => doc._id > after);
      return Promise.resolve(from < 0 ? [] : sorted.slice(from, from + limit));
    });
    return { db, reads };
  }

  it('reads page after page from the last id, and tries a failed page again', async () => {
    const { db, reads } = flakyDb(1);
    const counter = new CoverageCounter(settings);
    expect(await countCoverage(db, counter, settings, silentLog)).to.equal(docs.length);
    expect(reads).to.deep.equal([undefined, undefined, 'chu-1', 'chu-empty', 'sub-a']);
    expect(counter.rows().find((row) => row.chu_code === '612302')?.counts.clients).to.equal(1);
  });

  it('gives up after RETRY_ATTEMPTS_ONCE failed reads of a page', async () => {
    const { db } = flakyDb(2);
    let error: unknown;
    await countCoverage(db, new CoverageCounter(settings), settings, silentLog).catch((e: unknown) => (error = e));
    expect(error).to.be.instanceOf(TransientError);
  });
});
