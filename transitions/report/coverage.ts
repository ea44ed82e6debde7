/**
 * The counting rules of the coverage report, pure: which state a client is in, and the counts per community
 * health unit (CHU), with its sub-county and county, from the contacts and the place docs of one CHT database.
 *
 * A client is in exactly one of the states of STATES, so they add up to `clients`:
 * - `no_identification`: no identification type or number (the worker's own `hasIdentification`), whatever
 *   else the contact holds (the worker removes an answer whose identification was removed);
 * - else the `client_registry` answer on the contact: `with_cr_id` (`{id, status: "OK"}`), or its error
 *   (`no_matches`, `multiple_matches`, `details_mismatch`, `unsupported_identification_type`,
 *   `invalid_identification_number`);
 * - else `waiting`: identified, with no answer (or one this project never writes) yet.
 * `legacy_upi_only` counts, alongside the state, the clients with a legacy `upi` and no CR ID.
 *
 * Memory grows with the number of places (counties, sub-counties, CHUs), never with the number of clients:
 * clients are counted under the ids of their lineage's top three levels, resolved to names and codes from the
 * place docs at the end, since `_all_docs` brings a client before or after its places.
 */
import { isClient, type ClientRegistrySettings } from '../client-registry';
import { detailOf, textOf } from '../lib/fields';
import { hasIdentification } from '../lib/identification';
import type { ClientRegistryError, Doc } from '../types';

export const STATES = [
  'with_cr_id',
  'no_matches',
  'multiple_matches',
  'details_mismatch',
  'unsupported_identification_type',
  'invalid_identification_number',
  'waiting',
  'no_identification',
] as const;
export type ClientState = (typeof STATES)[number];

/** The count columns, in the order of the CSV. */
export const COLUMNS = [...STATES, 'legacy_upi_only', 'clients'] as const;
export type Column = (typeof COLUMNS)[number];
export type Counts = Record<Column, number>;

const STATE_OF_ERROR: Readonly<Record<ClientRegistryError, ClientState>> = {
  'no matches': 'no_matches',
  'multiple matches': 'multiple_matches',
  'details mismatch': 'details_mismatch',
  'unsupported identification type': 'unsupported_identification_type',
  'invalid identification number': 'invalid_identification_number',
};

export function stateOf(doc: Doc): ClientState {
  if (!hasIdentification(doc)) {
    return 'no_identification';
  }
  const answer = doc.client_registry;
  if (answer === null || typeof answer !== 'object') {
    return 'waiting';
  }
  const { id, status, error } = answer as { id?: unknown; status?: unknown; error?: unknown };
  if (status === 'OK' && typeof id === 'string' && id !== '') {
    return 'with_cr_id';
  }
  return typeof error === 'string' && Object.prototype.hasOwnProperty.call(STATE_OF_ERROR, error) ? STATE_OF_ERROR[error as ClientRegistryError] : 'waiting';
}

export function hasLegacyUpiOnly(doc: Doc, state: ClientState): boolean {
  return state !== 'with_cr_id' && typeof detailOf(doc.upi) === 'string';
}

export function zeroCounts(): Counts {
  return Object.fromEntries(COLUMNS.map((column) => [column, 0])) as Counts;
}

export function addCounts(into: Counts, counts: Readonly<Counts>): void {
  for (const column of COLUMNS) {
    into[column] += counts[column];
  }
}

/** The place levels a report row names, by the Kenyan eCHIS hierarchy's contact types. */
const LEVELS = ['a_county', 'b_sub_county', 'c_community_health_unit'] as const;
type Level = (typeof LEVELS)[number];

interface Place {
  readonly level: Level;
  readonly name: string;
  readonly code: string;
  readonly parentId: string | undefined;
}

/** The label of every level of the row of clients whose lineage does not lead to a known CHU. */
export const UNKNOWN = 'unknown';

export interface CoverageRow {
  readonly county: string;
  readonly sub_county: string;
  readonly chu: string;
  readonly chu_code: string;
  readonly counts: Counts;
}

/** Deeper than any CHT hierarchy: a longer chain is a loop or junk. */
const MAX_LINEAGE = 20;

/** The ids of a doc's stored lineage, nearest first: `parent: {_id, parent: {_id, ...}}`. */
export function lineageIds(doc: Doc): string[] {
  const ids: string[] = [];
  let parent = doc.parent;
  while (parent !== null && typeof parent === 'object' && ids.length < MAX_LINEAGE) {
    const { _id: id, parent: next } = parent as { _id?: unknown; parent?: unknown };
    if (typeof id !== 'string' || id === '') {
      break;
    }
    ids.push(id);
    parent = next;
  }
  return ids;
}

function levelOf(doc: Doc): Level | undefined {
  const type = doc.type === 'contact' ? doc.contact_type : doc.type;
  return (LEVELS as readonly unknown[]).includes(type) ? (type as Level) : undefined;
}

const KEY_SEPARATOR = '\u0000';

export class CoverageCounter {
  private readonly places = new Map<string, Place>();
  /** By the ids of the top three levels of a client's lineage (county, sub-county, CHU), joined. */
  private readonly counts = new Map<string, Counts>();

  constructor(private readonly settings: Pick<ClientRegistrySettings, 'contactTypes'>) {}

  /** Takes any doc of the CHT database: places and clients are kept, everything else ignored. */
  add(doc: Doc): void {
    if (doc._deleted === true || doc._id.startsWith('_design/')) {
      return;
    }
    const level = levelOf(doc);
    if (level !== undefined) {
      this.places.set(doc._id, { level, name: textOf(doc.name), code: textOf(doc.code), parentId: lineageIds(doc)[0] });
      return;
    }
    if (!isClient(doc, this.settings)) {
      return;
    }
    // From the top: the county is the root of a stored lineage, whatever lies between the CHU and the client.
    const key = lineageIds(doc).slice(-3).join(KEY_SEPARATOR);
    let counts = this.counts.get(key);
    if (counts === undefined) {
      counts = zeroCounts();
      this.counts.set(key, counts);
    }
    const state = stateOf(doc);
    counts[state] += 1;
    counts.clients += 1;
    if (hasLegacyUpiOnly(doc, state)) {
      counts.legacy_upi_only += 1;
    }
  }

  /**
   * One row per CHU (with no clients too), sorted by county, sub-county and CHU name, then one `unknown` row for
   * the clients whose lineage's top three are not a county, a sub-county in it and a CHU in that (a missing,
   * deleted or mistyped place, or a short lineage), when there are any.
   */
  rows(unknownLabel = UNKNOWN): CoverageRow[] {
    const rows = new Map<string, CoverageRow>();
    for (const [id, place] of this.places) {
      const chu = this.chuRow(id, place);
      if (chu !== undefined) {
        rows.set(chu.key, { ...chu.row, counts: zeroCounts() });
      }
    }
    const unknown = zeroCounts();
    for (const [key, counts] of this.counts) {
      const row = rows.get(key);
      addCounts(row?.counts ?? unknown, counts);
    }
    const known = [...rows.values()].sort(
      (a, b) => a.county.localeCompare(b.county) || a.sub_county.localeCompare(b.sub_county) || a.chu.localeCompare(b.chu) || a.chu_code.localeCompare(b.chu_code),
    );
    return unknown.clients > 0 ? [...known, { county: unknownLabel, sub_county: UNKNOWN, chu: UNKNOWN, chu_code: '', counts: unknown }] : known;
  }

  /** A CHU whose parent is a sub-county whose parent is a county: its row labels and its key. */
  private chuRow(id: string, chu: Place): { key: string; row: Omit<CoverageRow, 'counts'> } | undefined {
    const subCounty = chu.parentId === undefined ? undefined : this.places.get(chu.parentId);
    const county = subCounty?.parentId === undefined ? undefined : this.places.get(subCounty.parentId);
    if (chu.level !== 'c_community_health_unit' || subCounty?.level !== 'b_sub_county' || county?.level !== 'a_county' || chu.parentId === undefined || subCounty.parentId === undefined) {
      return undefined;
    }
    return {
      key: [id, chu.parentId, subCounty.parentId].join(KEY_SEPARATOR),
      row: { county: county.name, sub_county: subCounty.name, chu: chu.name, chu_code: chu.code },
    };
  }
}
