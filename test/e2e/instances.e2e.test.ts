/**
 * One deployment, many CHT instances, and the operator signals, end to end: real embedded servers and the HIE
 * sandbox over HTTP. Two instances with the sample data, one of them down at the start and brought back on the
 * same port and data; and `/metrics` and `/healthz` of the built CLI.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import pino from 'pino';
import { loadDeployment, loadReportSettings } from '../../transitions/deployment';
import { toCsv } from '../../transitions/report/formats';
import { buildReport } from '../../transitions/report/report';
import { runDeployment } from '../../transitions/run-deployment';
import { splitCredentials } from '../../transitions/services/http';
import { readSample } from '../../transitions/sandbox/sample';
import type { Doc } from '../../transitions/types';
import { startCli, until } from '../helpers/cli';
import { startServers, type TestServers } from '../helpers/servers';

const expected = readSample<Record<string, { id?: string; error?: string } | null>>('expected-client-registry.json');
const ids = Object.keys(expected);

/** Every sample contact holds its expected answer. */
const referralIds = readSample<Doc[]>('referral-reports.json').map((report) => report._id);

async function answered(servers: TestServers): Promise<boolean> {
  const docs = await servers.medic.getMany(ids);
  return ids.every((id) => isDeepStrictEqual(docs.get(id)?.client_registry ?? null, expected[id]));
}

async function getJson(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

type LogLine = Record<string, unknown>;

function listeningUrl(lines: readonly LogLine[]): string | undefined {
  const line = lines.find((l) => l.msg === 'metrics and health endpoint listening');
  return typeof line?.url === 'string' ? line.url : undefined;
}

describe('many CHT instances and operator signals, end to end', () => {
  const started: TestServers[] = [];
  // Tokens that outlive the test: any second token would come from a second HIE client.
  const start = async () => {
    const servers = await startServers({ sandbox: { tokenTtlS: 3600 } });
    started.push(servers);
    return servers;
  };

  afterEach(async () => {
    await Promise.all(started.splice(0).map((servers) => servers.close()));
  });

  it('answers both instances while one is down at the start and comes back on the same port', async () => {
    const kisumu = await start();
    const nakuru = await start();
    await nakuru.stopCouch();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'echis-hie-instances-'));
    const file = path.join(dir, 'instances.json');
    const [a, b] = [splitCredentials(kisumu.couch.url), splitCredentials(nakuru.couch.url)];
    writeFileSync(file, JSON.stringify([{ name: 'kisumu', url: a.url }, { name: 'nakuru-2', url: b.url }]));
    const env = {
      ...kisumu.env,
      CHT_URL: '',
      CHT_INSTANCES_FILE: file,
      CHT_KISUMU_USERNAME: a.auth?.username ?? '',
      CHT_KISUMU_PASSWORD: a.auth?.password ?? '',
      CHT_NAKURU_2_USERNAME: b.auth?.username ?? '',
      CHT_NAKURU_2_PASSWORD: b.auth?.password ?? '',
      FEED_POLL_MS: '200',
      METRICS_PORT: '0',
    };
    const lines: LogLine[] = [];
    const log = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line) as LogLine) });
    const controller = new AbortController();
    const running = runDeployment(loadDeployment(env), log, { once: false, signal: controller.signal });
    try {
      await until(() => lines.some((line) => line.cht === 'nakuru-2' && line.msg === 'CHT instance could not be started: will retry'));
      await until(() => answered(kisumu));
      const url = listeningUrl(lines) as string;
      const down = await getJson(`${url}/healthz`);
      expect(down.status).to.equal(503);
      expect(down.body.instances).to.deep.include({ 'nakuru-2': { ok: false, reason: 'feed never read' } });
      const partial = await buildReport(loadReportSettings(env), log);
      expect(partial.instances.map((i) => i.instance)).to.deep.equal(['kisumu']);
      expect(partial.unreadable).to.deep.equal([{ instance: 'nakuru-2', reason: 'cht_unreachable' }]);

      await nakuru.restartCouch();
      await until(() => answered(nakuru));
      await until(async () => (await getJson(`${url}/healthz`)).status === 200);
      // The report covers both, one after the other in the CSV (the sample is one county twice; real instances differ).
      const both = await buildReport(loadReportSettings(env), log);
      expect(both.unreadable).to.deep.equal([]);
      const [kisumuRows, nakuruRows] = both.instances.map((i) => i.rows);
      expect(nakuruRows).to.deep.equal(kisumuRows);
      expect(toCsv(both).trimEnd().split('\r\n')).to.have.length(1 + 2 * (kisumuRows?.length ?? 0));
    } finally {
      controller.abort();
      rmSync(dir, { recursive: true, force: true });
    }
    const summary = await running;
    // Changes still queued at the stop (the worker's own writes coming back through the feed) stay pending.
    expect(summary).to.include({ written: 40, failed: 0 });
    expect(summary.unreadFeed).to.equal(undefined);
    // One HIE client for both: each identified client of each instance asked once (the unsupported type and the
    // invalid number are never asked).
    const searches = Object.values(expected).filter((answer) => answer?.error !== 'unsupported identification type' && answer?.error !== 'invalid identification number' && answer !== null).length;
    expect(kisumu.sandbox.stats()).to.include({ searches: 2 * searches, tokensIssued: 1 });
    expect(nakuru.sandbox.stats().searches).to.equal(0);
    for (const servers of [kisumu, nakuru]) {
      expect(((await servers.stateDb.get('_local/echis-hie-seq')) as Doc).source).to.equal('medic');
    }
  });

  it('serves /metrics with the listed series and /healthz, from the CLI', async () => {
    const servers = await startServers({ sandbox: { tokenTtlS: 3600 }, reports: readSample<Doc[]>('referral-reports.json') });
    started.push(servers);
    const run = startCli(['run'], { ...servers.env, METRICS_PORT: '0', FEED_POLL_MS: '200', LOG_LEVEL: 'info' });
    const lines: LogLine[] = [];
    let pending = '';
    run.child.stderr?.on('data', (chunk: Buffer) => {
      const text = pending + chunk.toString();
      const complete = text.split('\n');
      pending = complete.pop() ?? '';
      complete.filter((line) => line.startsWith('{')).forEach((line) => lines.push(JSON.parse(line) as LogLine));
    });
    try {
      await until(() => listeningUrl(lines) !== undefined);
      await until(() => answered(servers));
      await until(async () => [...(await servers.medic.getMany(referralIds)).values()].every((report) => report.service_request !== undefined));
      const url = listeningUrl(lines) as string;
      const text = await (await fetch(`${url}/metrics`)).text();
      const cht = new URL(splitCredentials(servers.couch.url).url).host;
      const outcomes = new Map<string, number>();
      for (const answer of Object.values(expected).filter((a) => a !== null)) {
        const outcome = answer.id !== undefined ? 'ok' : (answer.error ?? '').replace(/ /g, '_');
        outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
      }
      for (const [outcome, count] of outcomes) {
        expect(text).to.include(`echis_hie_cr_lookups_total{cht="${cht}",outcome="${outcome}"} ${count}`);
      }
      expect(text).to.match(/^echis_hie_cr_search_duration_seconds_count\{result="one"\} [1-9]/m);
      expect(text).to.match(new RegExp(`^echis_hie_queue_depth\\{cht="${cht}"\\} 0$`, 'm'));
      expect(text).to.match(new RegExp(`^echis_hie_feed_lag_seconds\\{cht="${cht}"\\} [0-9.e-]+$`, 'm'));
      expect(text).to.include('# TYPE echis_hie_transient_failures_total counter');
      // The sample referrals: three sent, two waiting for their client's CR ID.
      expect(text).to.include(`echis_hie_service_requests_total{cht="${cht}",outcome="ok"} 3`);
      expect(text).to.include(`echis_hie_service_requests_total{cht="${cht}",outcome="client_has_no_client_registry_id"} 2`);
      const health = await getJson(`${url}/healthz`);
      expect(health).to.deep.include({ status: 200 });
      expect(health.body.status).to.equal('ok');
    } finally {
      run.child.kill('SIGTERM');
    }
    const { code, stdout } = await run.exited;
    expect(code).to.equal(0);
    expect(stdout).to.equal('');
    // No client details in the logs: the sample's names and ID numbers never appear.
    expect(JSON.stringify(lines)).not.to.match(/Achieng|23456781|Odhiambo/);
  });
});
