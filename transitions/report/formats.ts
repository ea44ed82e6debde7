/**
 * The coverage report as a table (for a terminal), CSV (one row per CHU, exactly the columns the Ministry
 * asked for), or JSON (the same rows per instance, with totals). Counts and place names and codes only.
 */
import { textTable } from '../lib/text-table';
import { addCounts, COLUMNS, zeroCounts, type Column, type Counts, type CoverageRow } from './coverage';

export interface InstanceCoverage {
  /** The instance's name (`CHT_INSTANCES_FILE`) or, for `CHT_URL`, its host. */
  readonly instance: string;
  readonly rows: readonly CoverageRow[];
}

export interface CoverageReport {
  readonly generatedAt: string;
  readonly instances: readonly InstanceCoverage[];
  /** Instances that could not be read, with the reason code: their rows are missing from the report. */
  readonly unreadable: ReadonlyArray<{ readonly instance: string; readonly reason: string }>;
}

export const FORMATS = ['table', 'csv', 'html', 'json'] as const;
export type Format = (typeof FORMATS)[number];

export function totalOf(rows: readonly CoverageRow[]): Counts {
  const total = zeroCounts();
  rows.forEach((row) => addCounts(total, row.counts));
  return total;
}

const PLACE_COLUMNS = ['county', 'sub_county', 'chu', 'chu_code'] as const;

function csvCell(value: string | number): string {
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv(report: CoverageReport): string {
  const lines = [[...PLACE_COLUMNS, ...COLUMNS].join(',')];
  for (const { rows } of report.instances) {
    for (const row of rows) {
      lines.push([...PLACE_COLUMNS.map((column) => row[column]), ...COLUMNS.map((column) => row.counts[column])].map(csvCell).join(','));
    }
  }
  return `${lines.join('\r\n')}\r\n`;
}

export function toJson(report: CoverageReport): string {
  const flat = (row: CoverageRow) => ({ county: row.county, sub_county: row.sub_county, chu: row.chu, chu_code: row.chu_code, ...row.counts });
  return `${JSON.stringify(
    {
      generated_at: report.generatedAt,
      totals: totalOf(report.instances.flatMap((instance) => instance.rows)),
      instances: report.instances.map((instance) => ({ instance: instance.instance, totals: totalOf(instance.rows), rows: instance.rows.map(flat) })),
      unreadable: report.unreadable,
    },
    null,
    2,
  )}\n`;
}

/** Short headings for a terminal, in the order of COLUMNS. */
const HEADINGS: Readonly<Record<Column, string>> = {
  with_cr_id: 'CR ID',
  no_matches: 'no match',
  multiple_matches: 'multiple',
  details_mismatch: 'mismatch',
  unsupported_identification_type: 'bad type',
  invalid_identification_number: 'bad number',
  waiting: 'waiting',
  no_identification: 'no ID',
  legacy_upi_only: 'UPI only',
  clients: 'clients',
};

export function toTable(report: CoverageReport): string {
  const sections = report.instances.map(({ instance, rows }) => {
    const lines: (string | number)[][] = [['county', 'sub-county', 'CHU', 'code', ...COLUMNS.map((column) => HEADINGS[column])]];
    rows.forEach((row) => lines.push([row.county, row.sub_county, row.chu, row.chu_code, ...COLUMNS.map((column) => row.counts[column])]));
    const total = totalOf(rows);
    lines.push(['total', '', '', '', ...COLUMNS.map((column) => total[column])]);
    return `${instance}\n${textTable(lines)}`;
  });
  const unreadable = report.unreadable.map(({ instance, reason }) => `${instance}: not read (${reason})`);
  return `${[...sections, ...unreadable].join('\n\n')}\n`;
}
