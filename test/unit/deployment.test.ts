import { expect } from 'chai';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadDeployment, loadReportSettings } from '../../transitions/deployment';
import { ConfigError } from '../../transitions/lib/errors';
import { Metrics } from '../../transitions/metrics/metrics';

const hie = { HIE_URL: 'https://uat.dha.go.ke', HIE_USERNAME: 'u', HIE_PASSWORD: 'p' };

function instancesFile(list: unknown): string {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'echis-hie-instances-')), 'instances.json');
  writeFileSync(file, JSON.stringify(list));
  return file;
}

describe('deployment settings', () => {
  it('keeps the one instance of CHT_URL, named after its host, with no metrics endpoint by default', () => {
    const deployment = loadDeployment({ ...hie, CHT_URL: 'https://w:pw@kisumu.echis.go.ke' });
    expect(deployment.many).to.equal(false);
    expect(deployment.instances.map((i) => i.name)).to.deep.equal(['kisumu.echis.go.ke']);
    expect(deployment.instances[0].config.cht).to.deep.include({ url: 'https://kisumu.echis.go.ke', auth: { username: 'w', password: 'pw' } });
    expect(deployment.metrics).to.equal(undefined);
    expect(loadDeployment({ ...hie, CHT_URL: 'https://w:pw@kisumu.echis.go.ke', METRICS_PORT: '9464' }).metrics).to.deep.equal({ host: '127.0.0.1', port: 9464, healthMaxAgeMs: 60_000 });
  });

  it('reads CHT_INSTANCES_FILE with each instance\'s credentials, else the shared ones, from the environment or files', () => {
    const secrets = mkdtempSync(path.join(os.tmpdir(), 'echis-hie-secrets-'));
    writeFileSync(path.join(secrets, 'password'), 'nakuru-pw\n');
    const file = instancesFile([{ name: 'kisumu', url: 'https://kisumu.echis.go.ke/' }, { name: 'nakuru-2', url: 'https://nakuru.echis.go.ke' }]);
    const deployment = loadDeployment({
      ...hie,
      CHT_INSTANCES_FILE: file,
      CHT_USERNAME: 'shared',
      CHT_PASSWORD: 'shared-pw',
      CHT_NAKURU_2_USERNAME: 'nakuru',
      CHT_NAKURU_2_PASSWORD_FILE: path.join(secrets, 'password'),
    });
    expect(deployment.many).to.equal(true);
    expect(deployment.instances.map(({ name, config }) => [name, config.cht.url, config.cht.auth, config.cht.db, config.cht.stateDb])).to.deep.equal([
      ['kisumu', 'https://kisumu.echis.go.ke', { username: 'shared', password: 'shared-pw' }, 'medic', 'medic-echis-hie'],
      ['nakuru-2', 'https://nakuru.echis.go.ke', { username: 'nakuru', password: 'nakuru-pw' }, 'medic', 'medic-echis-hie'],
    ]);
    // Each instance's ServiceRequests name that instance.
    expect(deployment.instances.map(({ config }) => config.referrals.instanceUrl)).to.deep.equal(['https://kisumu.echis.go.ke', 'https://nakuru.echis.go.ke']);
    // The report needs no HIE settings.
    expect(loadReportSettings({ CHT_INSTANCES_FILE: file, CHT_USERNAME: 'shared', CHT_PASSWORD: 'x' }).instances).to.have.length(2);
  });

  it('refuses a malformed instance list, credentials in it, missing credentials and CHT_URL beside it', () => {
    const shared = { ...hie, CHT_USERNAME: 'u', CHT_PASSWORD: 'p' };
    const load = (list: unknown, env: Record<string, string> = shared) => () => loadDeployment({ ...env, CHT_INSTANCES_FILE: instancesFile(list) });
    expect(load([])).to.throw(ConfigError, /at least one/);
    expect(load([{ name: 'Kisumu', url: 'https://k' }])).to.throw(ConfigError, /entry 1 needs a "name"/);
    expect(load([{ name: 'k', url: 'https://k' }, { name: 'k', url: 'https://l' }])).to.throw(ConfigError, /names instance "k" twice/);
    expect(load([{ name: 'k', url: 'https://u:p@k' }])).to.throw(ConfigError, /must not carry credentials: set CHT_K_USERNAME/);
    expect(load([{ name: 'k', url: 'https://k' }], hie)).to.throw(ConfigError, /no credentials for CHT instance "k"/);
    expect(load([{ name: 'k', url: 'https://k' }], { ...shared, CHT_K_USERNAME: 'x' })).to.throw(ConfigError, /CHT_K_USERNAME and CHT_K_PASSWORD must be set together/);
    expect(load([{ name: 'k', url: 'https://k' }], { ...shared, CHT_URL: 'https://u:p@k' })).to.throw(ConfigError, /not both/);
    expect(load([{ name: 'k', url: 'https://k' }], { ...shared, CHT_INSTANCE_URL: 'https://k' })).to.throw(ConfigError, /CHT_INSTANCE_URL names one instance/);
    expect(() => loadDeployment({ ...shared, CHT_INSTANCES_FILE: '/nonexistent/instances.json' })).to.throw(ConfigError, /readable JSON/);
  });
});

describe('health of the feeds', () => {
  it('is healthy only when every instance\'s feed was read within the limit', () => {
    let now = 1_000_000;
    const metrics = new Metrics(() => now);
    expect(metrics.health(60_000).healthy).to.equal(false); // no instance yet
    const kisumu = metrics.observer('kisumu');
    const nakuru = metrics.observer('nakuru');
    kisumu.feedRead(true);
    expect(metrics.health(60_000)).to.deep.equal({
      healthy: false,
      body: { status: 'unhealthy', instances: { kisumu: { ok: true, last_read_s: 0 }, nakuru: { ok: false, reason: 'feed never read' } } },
    });
    nakuru.feedRead(false);
    expect(metrics.health(60_000).healthy).to.equal(true);
    now += 61_000;
    kisumu.feedRead(true);
    expect(metrics.health(60_000).body.instances).to.deep.include({ nakuru: { ok: false, reason: 'feed not read for 61 s' } });
  });
});
