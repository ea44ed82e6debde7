/**
 * The coverage report as one self-contained HTML file: Chart.js (the UMD build from node_modules, inlined: no
 * CDN, since the file is mailed and opened offline), coverage bars per sub-county and per CHU, the reasons
 * clients have no CR ID, the totals and a table per CHU. Counts and place names and codes only: CHV areas are
 * left out because they are named after their CHP.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { addCounts, STATES, zeroCounts, type ClientState, type Counts } from './coverage';
import { totalOf, type CoverageReport } from './formats';

const STATE_LABELS: Readonly<Record<ClientState, string>> = {
  with_cr_id: 'CR ID',
  no_matches: 'no match in the CR',
  multiple_matches: 'several matches',
  details_mismatch: 'details mismatch',
  unsupported_identification_type: 'unsupported ID type',
  invalid_identification_number: 'invalid ID number',
  waiting: 'waiting for the CR',
  no_identification: 'no identification',
};

const STATE_COLOURS: Readonly<Record<ClientState, string>> = {
  with_cr_id: '#2e7d32',
  no_matches: '#c62828',
  multiple_matches: '#6a1b9a',
  details_mismatch: '#ef6c00',
  unsupported_identification_type: '#5d4037',
  invalid_identification_number: '#ad1457',
  waiting: '#1565c0',
  no_identification: '#9e9e9e',
};

interface Bar {
  readonly label: string;
  readonly counts: Counts;
}

/** The Chart.js UMD build that npm installed with this project. */
function chartJs(): string {
  return readFileSync(path.join(path.dirname(require.resolve('chart.js')), 'chart.umd.min.js'), 'utf8');
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** JSON that can sit inside a <script> element: no `<` to end it early. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

function percent(part: number, whole: number): string {
  return whole === 0 ? '-' : `${((100 * part) / whole).toFixed(1)}%`;
}

/** Sub-county and CHU bars; a county is named beside its places only when the report covers more than one. */
function barsOf(report: CoverageReport): { subCounties: Bar[]; chus: Bar[] } {
  const rows = report.instances.flatMap((instance) => instance.rows);
  const manyCounties = new Set(rows.map((row) => row.county)).size > 1;
  const inCounty = (name: string, county: string) => (manyCounties ? `${name} (${county})` : name);
  const subCounties = new Map<string, Bar>();
  for (const row of rows) {
    const label = inCounty(row.sub_county, row.county);
    const bar = subCounties.get(label) ?? { label, counts: zeroCounts() };
    addCounts(bar.counts, row.counts);
    subCounties.set(label, bar);
  }
  const chus = rows.map((row) => ({ label: inCounty(row.chu_code === '' ? row.chu : `${row.chu} ${row.chu_code}`, row.county), counts: row.counts }));
  return { subCounties: [...subCounties.values()], chus };
}

function chuTable(report: CoverageReport): string {
  const head = ['county', 'sub-county', 'CHU', 'code', ...STATES.map((state) => STATE_LABELS[state]), 'UPI only', 'clients', 'with CR ID'];
  const body = report.instances.flatMap((instance) =>
    instance.rows.map((row) =>
      [row.county, row.sub_county, row.chu, row.chu_code].map((cell) => `<td>${escapeHtml(cell)}</td>`).join('') +
      [...STATES.map((state) => row.counts[state]), row.counts.legacy_upi_only, row.counts.clients].map((n) => `<td class="n">${n}</td>`).join('') +
      `<td class="n">${percent(row.counts.with_cr_id, row.counts.clients)}</td>`,
    ),
  );
  return `<table><thead><tr>${head.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>${body.map((cells) => `<tr>${cells}</tr>`).join('')}</tbody></table>`;
}

/** Draws the charts from the embedded data; runs in the browser. */
const PAGE_SCRIPT = `
const data = JSON.parse(document.getElementById('coverage-data').textContent);
Chart.defaults.animation = false;
function coverageBars(id, bars) {
  new Chart(document.getElementById(id), {
    type: 'bar',
    data: {
      labels: bars.map((bar) => bar.label),
      datasets: data.states.map((state) => ({
        label: data.labels[state],
        backgroundColor: data.colours[state],
        data: bars.map((bar) => (bar.counts.clients === 0 ? 0 : (100 * bar.counts[state]) / bar.counts.clients)),
        counts: bars.map((bar) => bar.counts[state]),
      })),
    },
    options: {
      indexAxis: 'y',
      maintainAspectRatio: false,
      scales: { x: { stacked: true, max: 100, ticks: { callback: (v) => v + '%' } }, y: { stacked: true } },
      plugins: { tooltip: { callbacks: { label: (c) => c.dataset.label + ': ' + c.dataset.counts[c.dataIndex] + ' (' + c.parsed.x.toFixed(1) + '%)' } } },
    },
  });
}
coverageBars('by-sub-county', data.subCounties);
coverageBars('by-chu', data.chus);
const reasons = data.states.filter((state) => state !== 'with_cr_id');
new Chart(document.getElementById('reasons'), {
  type: 'bar',
  data: {
    labels: reasons.map((state) => data.labels[state]),
    datasets: [{ label: 'clients without a CR ID', data: reasons.map((state) => data.totals[state]), backgroundColor: reasons.map((state) => data.colours[state]) }],
  },
  options: { maintainAspectRatio: false, plugins: { legend: { display: false } } },
});
`;

const STYLE = `
body { font-family: system-ui, sans-serif; margin: 1.5rem; color: #222; }
.cards { display: flex; gap: 1rem; flex-wrap: wrap; }
.card { border: 1px solid #ddd; border-radius: 6px; padding: .6rem 1rem; min-width: 9rem; }
.card b { display: block; font-size: 1.6rem; }
.chart { position: relative; margin: 1rem 0 2rem; }
table { border-collapse: collapse; font-size: .85rem; }
th, td { border: 1px solid #ddd; padding: .2rem .4rem; } td.n { text-align: right; }
`;

export function toHtml(report: CoverageReport): string {
  const totals = totalOf(report.instances.flatMap((instance) => instance.rows));
  const { subCounties, chus } = barsOf(report);
  const data = { states: STATES, labels: STATE_LABELS, colours: STATE_COLOURS, totals, subCounties, chus };
  const card = (label: string, value: string | number) => `<div class="card">${escapeHtml(label)}<b>${value}</b></div>`;
  const unreadable = report.unreadable.map(({ instance, reason }) => `<li>${escapeHtml(instance)}: not read (${escapeHtml(reason)})</li>`).join('');
  const chartHeight = (bars: number) => 80 + 24 * bars;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>eCHIS clients in the Client Registry</title><style>${STYLE}</style></head>
<body>
<h1>eCHIS clients in the Client Registry</h1>
<p>${escapeHtml(report.instances.map((instance) => instance.instance).join(', '))}; generated ${escapeHtml(report.generatedAt)}</p>
${unreadable === '' ? '' : `<ul class="unreadable">${unreadable}</ul>`}
<div class="cards">${card('clients', totals.clients)}${card('with a CR ID', `${totals.with_cr_id} (${percent(totals.with_cr_id, totals.clients)})`)}${card('waiting for the CR', totals.waiting)}${card('no identification', totals.no_identification)}${card('legacy UPI only', totals.legacy_upi_only)}</div>
<h2>Coverage by sub-county</h2><div class="chart" style="height:${chartHeight(subCounties.length)}px"><canvas id="by-sub-county"></canvas></div>
<h2>Coverage by community health unit</h2><div class="chart" style="height:${chartHeight(chus.length)}px"><canvas id="by-chu"></canvas></div>
<h2>Why clients have no CR ID</h2><div class="chart" style="height:300px"><canvas id="reasons"></canvas></div>
<h2>Per community health unit</h2>${chuTable(report)}
<script type="application/json" id="coverage-data">${scriptJson(data)}</script>
<script>${chartJs().replace(/<\/script/gi, '<\\/script')}</script>
<script>${PAGE_SCRIPT}</script>
</body></html>
`;
}
