/**
 * Shutdown: on SIGTERM or SIGINT the built CLI stops taking work, finishes the look-ups, ServiceRequest POSTs
 * and writes in flight, saves its position and exits 0 within a bounded time; a restart then finishes the job.
 */
import { expect } from 'chai';
import { startCli, until, type CliRun } from '../helpers/cli';
import { contactIds, expectClientOracle, expectReferralOracle, INSTANCE_URL, reportIds, reports } from '../helpers/oracle';
import { startServers, type TestServers } from '../helpers/servers';

/** How long stopping may take here: the work in flight (a few sandbox latencies), far below the HIE timeout. */
const STOP_BOUND_MS = 5_000;
const CONCURRENCY = 2;

/** Sends `signal` and waits for the exit: code 0, within the bound, with the final log line. */
async function stop(running: CliRun, signal: NodeJS.Signals, lastLine: string): Promise<void> {
  const stoppedAt = Date.now();
  running.child.kill(signal);
  const result = await running.exited;
  expect(result.code, result.stderr.slice(-1000)).to.equal(0);
  expect(Date.now() - stoppedAt).to.be.below(STOP_BOUND_MS);
  expect(result.stderr).to.contain(`"msg":"${lastLine}"`);
}

describe('shutdown on SIGTERM and SIGINT', () => {
  let servers: TestServers;

  afterEach(async () => {
    await servers.close();
  });

  const env = (overrides: Record<string, string> = {}) => ({ ...servers.env, CHT_INSTANCE_URL: INSTANCE_URL, CONCURRENCY: String(CONCURRENCY), LOG_LEVEL: 'info', ...overrides });
  const answered = async (): Promise<number> => [...(await servers.medic.getMany(contactIds)).values()].filter((doc) => doc.client_registry !== undefined).length;

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`${signal}: run stops taking changes, finishes the look-ups in flight, saves its position and exits 0`, async () => {
      servers = await startServers({ sandbox: { latencyMs: 200 } });
      const running = startCli(['run'], env());
      await until(() => servers.sandbox.stats().searches >= 3);
      const searchesAtStop = servers.sandbox.stats().searches;
      await stop(running, signal, 'worker stopped');
      // Only what was in flight (or just starting as the signal came) was asked: the queue was not worked off.
      expect(servers.sandbox.stats().searches).to.be.at.most(searchesAtStop + CONCURRENCY);
      // Every look-up the HIE answered was written: nothing in flight was dropped.
      expect(await answered()).to.be.at.least(servers.sandbox.stats().searches);
      expect(await servers.stateDb.get('_local/echis-hie-seq')).to.not.equal(undefined);
      const resumed = await startCli(['run', '--once'], env({ LOG_LEVEL: 'silent' })).exited;
      expect(resumed.code).to.equal(0);
      await expectClientOracle(servers);
    });
  }

  it('SIGTERM stops run --once early: it says the feed was not read to its end and exits 1, so cron does not take it for done', async () => {
    servers = await startServers({ sandbox: { latencyMs: 200 } });
    const running = startCli(['run', '--once'], env());
    await until(() => servers.sandbox.stats().searches >= 1);
    running.child.kill('SIGTERM');
    const result = await running.exited;
    expect(result.code).to.equal(1);
    expect(result.stderr).to.contain('echis-hie: the feed could not be read to its end (stopped)');
    expect(result.stderr).not.to.contain('worker drained the feed');
  });

  it('SIGTERM during ServiceRequest POSTs: each POST in flight is answered and written on its report, once', async () => {
    servers = await startServers({ reports, sandbox: { latencyMs: 300 } });
    const running = startCli(['run'], env());
    await until(() => servers.sandbox.stats().serviceRequestPosts >= 1, 30_000);
    await stop(running, 'SIGTERM', 'worker stopped');
    const reportsNow = await servers.medic.getMany(reportIds);
    for (const request of servers.sandbox.serviceRequests()) {
      expect(reportsNow.get(request.identifier?.[0]?.value ?? '')?.service_request).to.deep.equal({ id: request.id, status: 'OK' });
    }
    const resumed = await startCli(['run', '--once'], env({ LOG_LEVEL: 'silent' })).exited;
    expect(resumed.code).to.equal(0);
    await expectReferralOracle(servers);
  });

  it('SIGINT during a sweep: the look-ups in flight are written, the sweep is not recorded as done, and exit is 0', async () => {
    servers = await startServers({ sandbox: { latencyMs: 300 } });
    expect((await startCli(['run', '--once'], env({ LOG_LEVEL: 'silent' })).exited).code).to.equal(0);
    const searchesBefore = servers.sandbox.stats().searches;
    const sweeping = startCli(['sweep'], env());
    await until(() => servers.sandbox.stats().searches > searchesBefore);
    const searchesAtStop = servers.sandbox.stats().searches;
    await stop(sweeping, 'SIGINT', 'sweep stopped');
    expect(servers.sandbox.stats().searches).to.be.at.most(searchesAtStop + CONCURRENCY);
    expect(await servers.stateDb.get('_local/echis-hie-sweep')).to.equal(undefined);
    await expectClientOracle(servers);
  });
});
