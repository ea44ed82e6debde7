/** Real servers for end-to-end tests: the embedded CouchDB-protocol server and the HIE sandbox, on loopback. */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { loadConfig, type Config } from '../../transitions/config';
import { startCouch, type RunningCouch } from '../../transitions/embedded/couch-server';
import { CouchDb } from '../../transitions/services/couch';
import { createHttp, splitCredentials } from '../../transitions/services/http';
import { SANDBOX_DEFAULTS, startSandbox, type RunningSandbox, type SandboxOptions } from '../../transitions/sandbox/hie-sandbox';
import { readSample } from '../../transitions/sandbox/sample';
import type { Doc } from '../../transitions/types';

export const silentLog = pino({ level: 'silent' });

export interface TestServers {
  /** The embedded server now running (another one after `restartCouch`). */
  readonly couch: RunningCouch;
  readonly sandbox: RunningSandbox;
  readonly medic: CouchDb;
  readonly stateDb: CouchDb;
  readonly dataDir: string;
  /** The environment `echis-hie run` needs to use these servers. */
  readonly env: Readonly<Record<'CHT_URL' | 'HIE_URL', string>> & Readonly<Record<string, string>>;
  config(overrides?: Record<string, string>): Config;
  /** Stops the CouchDB-protocol server and starts it again on the same port and data: an instance briefly down. */
  stopCouch(): Promise<void>;
  restartCouch(): Promise<void>;
  close(): Promise<void>;
}

export function dbClient(serverUrl: string, name: string): CouchDb {
  const { url, auth } = splitCredentials(serverUrl);
  return new CouchDb(createHttp({ baseURL: url, timeoutMs: 10_000, ...(auth ? { auth } : {}) }), name);
}

/** `contacts` default to the sample's; `reports` (referral reports) to none. */
export async function startServers(options: { contacts?: Doc[]; reports?: Doc[]; sandbox?: Partial<SandboxOptions> } = {}): Promise<TestServers> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'echis-hie-test-'));
  const admin = { username: 'admin', password: randomBytes(8).toString('hex') };
  let couch = await startCouch({ dataDir, admin });
  const port = Number(new URL(couch.url).port);
  const sandbox = await startSandbox({ ...SANDBOX_DEFAULTS, patients: readSample<unknown[]>('registry-patients.json'), ...options.sandbox });
  const medic = dbClient(couch.url, 'medic');
  await medic.create();
  await medic.bulkSave([...(options.contacts ?? readSample<Doc[]>('contacts.json')), ...(options.reports ?? [])]);
  const env = {
    CHT_URL: couch.url,
    HIE_URL: sandbox.url,
    HIE_USERNAME: SANDBOX_DEFAULTS.username,
    HIE_PASSWORD: SANDBOX_DEFAULTS.password,
    RETRY_BASE_MS: '20',
    RETRY_MAX_MS: '200',
    CHECKPOINT_EVERY_MS: '0',
  };
  return {
    get couch() {
      return couch;
    },
    sandbox,
    medic,
    stateDb: dbClient(couch.url, 'medic-echis-hie'),
    dataDir,
    env,
    config: (overrides = {}) => loadConfig({ ...env, ...overrides }),
    stopCouch: () => couch.close(),
    restartCouch: async () => {
      couch = await startCouch({ dataDir, admin, port });
    },
    close: async () => {
      await sandbox.close();
      await couch.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Every stored revision of a doc, oldest first: what was ever written on it, not only what it holds now. */
export async function allRevisions(serverUrl: string, db: string, id: string): Promise<Doc[]> {
  const { url, auth } = splitCredentials(serverUrl);
  const http = createHttp({ baseURL: `${url}/${db}`, timeoutMs: 10_000, ...(auth ? { auth } : {}) });
  const path = `/${encodeURIComponent(id)}`;
  const { data } = await http.get<{ _revs_info?: { rev: string; status: string }[] }>(path, { params: { revs_info: true } });
  const revs = (data._revs_info ?? []).filter((info) => info.status === 'available').map((info) => info.rev).reverse();
  return Promise.all(revs.map(async (rev) => (await http.get<Doc>(path, { params: { rev } })).data));
}
