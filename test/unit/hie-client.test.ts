import { expect } from 'chai';
import express from 'express';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import sinon from 'sinon';
import { TransientError } from '../../transitions/lib/errors';
import { HieClient, interpretSearch, parseToken, tokenExpiry, type HieSettings } from '../../transitions/services/hie-client';
import { retryAfterMs, splitCredentials } from '../../transitions/services/http';
import { SANDBOX_DEFAULTS, identifierTypeCode, startSandbox, type RunningSandbox } from '../../transitions/sandbox/hie-sandbox';
import { readSample } from '../../transitions/sandbox/sample';

const jwt = (payload: object): string =>
  ['{"alg":"HS256"}', JSON.stringify(payload)].map((part) => Buffer.from(part).toString('base64url')).join('.') + '.sig';

async function rejection(promise: Promise<unknown>): Promise<TransientError> {
  try {
    await promise;
  } catch (error) {
    expect(error).to.be.instanceOf(TransientError);
    return error as TransientError;
  }
  throw new Error('expected a TransientError');
}

describe('HIE client', () => {
  describe('tokens', () => {
    it('reads a bare token or {token}', () => {
      expect(parseToken('abc.def.ghi\n')).to.equal('abc.def.ghi');
      expect(parseToken('{"token":"abc"}')).to.equal('abc');
      expect(parseToken({ token: 'abc' })).to.equal('abc');
      expect(parseToken('"abc"')).to.equal('abc');
      expect(parseToken('')).to.equal(undefined);
      expect(parseToken('{"error":"nope"}')).to.equal(undefined);
      expect(parseToken('<html>gateway error</html>')).to.equal(undefined);
    });

    it("expires a JWT at its exp and any other token after the configured lifetime", () => {
      expect(tokenExpiry(jwt({ exp: 1_800_000_000 }), 0, 20_000)).to.equal(1_800_000_000_000);
      expect(tokenExpiry('opaque-token', 1_000, 20_000)).to.equal(21_000);
      expect(tokenExpiry('a.not-json.c', 1_000, 20_000)).to.equal(21_000);
    });
  });

  describe('search answers', () => {
    const patient = { resourceType: 'Patient', id: 'CR4200000000011-1' };

    it('reads a Bundle of Patients, with its total', () => {
      expect(interpretSearch(200, { resourceType: 'Bundle', total: 1, entry: [{ resource: patient }] })).to.deep.equal({
        matches: 1,
        patients: [patient],
      });
      expect(interpretSearch(200, { resourceType: 'Bundle', total: 3, entry: [{ resource: patient }] })).to.include({ matches: 3 });
    });

    it('reads both forms of "not found"', () => {
      const nobody = { matches: 0, patients: [] };
      expect(interpretSearch(200, { resourceType: 'Bundle', total: 0 })).to.deep.equal(nobody);
      expect(interpretSearch(200, { resourceType: 'Bundle', entry: [] })).to.deep.equal(nobody);
      const outcome = { resourceType: 'OperationOutcome', issue: [{ code: 'not-found', diagnostics: 'No patient found' }] };
      expect(interpretSearch(404, outcome)).to.deep.equal(nobody);
      expect(interpretSearch(404, { message: outcome })).to.deep.equal(nobody);
    });

    it('counts only Patients: an informational OperationOutcome entry is not a match', () => {
      const info = { resource: { resourceType: 'OperationOutcome', issue: [] }, search: { mode: 'outcome' } };
      expect(interpretSearch(200, { resourceType: 'Bundle', total: 0, entry: [info] })).to.deep.equal({ matches: 0, patients: [] });
      expect(interpretSearch(200, { resourceType: 'Bundle', entry: [info, { resource: patient }] })).to.include({ matches: 1 });
    });

    it('never takes a bare 404, an HTML page or a malformed entry for "not found"', () => {
      expect(() => interpretSearch(404, 'Not Found')).to.throw(TransientError, 'hie_unexpected_response_404');
      expect(() => interpretSearch(200, '<html></html>')).to.throw(TransientError);
      expect(() => interpretSearch(200, { resourceType: 'Bundle', entry: [{ resource: { resourceType: 'Patient' } }] })).to.throw(TransientError);
      expect(() => interpretSearch(200, { resourceType: 'Bundle', entry: [{ resource: { resourceType: 'Patient', id: ' CR1 ' } }] })).to.throw(TransientError);
    });

    it('never turns a Bundle that does not add up into "no matches" or an ID', () => {
      const bundle = (fields: object) => () => interpretSearch(200, { resourceType: 'Bundle', ...fields });
      expect(bundle({ total: 5 })).to.throw(TransientError, 'hie_unexpected_response_bundle');
      expect(bundle({ entry: 'x' })).to.throw(TransientError, 'hie_unexpected_response_bundle');
      expect(bundle({ total: '5', entry: [{ resource: patient }] })).to.throw(TransientError, 'hie_unexpected_response_bundle');
      expect(bundle({ total: -1 })).to.throw(TransientError, 'hie_unexpected_response_bundle');
      expect(() => interpretSearch(404, { resourceType: 'OperationOutcome', issue: [{ code: 'not-supported', diagnostics: 'Unknown resource' }] })).to.throw(
        TransientError,
        'hie_unexpected_response_404',
      );
      expect(() => interpretSearch(400, { resourceType: 'OperationOutcome', issue: [] })).to.throw(TransientError);
    });

    it('reads Retry-After as seconds or a date', () => {
      expect(retryAfterMs('2')).to.equal(2000);
      expect(retryAfterMs(new Date(10_000).toUTCString(), 4_000)).to.equal(6_000);
      expect(retryAfterMs('soon')).to.equal(undefined);
    });

    it('keeps credentials out of a printable URL', () => {
      expect(splitCredentials('https://us%40er:p%3Ass@county.echis.go.ke/')).to.deep.equal({
        url: 'https://county.echis.go.ke',
        auth: { username: 'us@er', password: 'p:ss' },
      });
    });
  });

  describe('against the sandbox', () => {
    let sandbox: RunningSandbox;
    const settings = (url: string): HieSettings => ({
      url,
      username: SANDBOX_DEFAULTS.username,
      password: SANDBOX_DEFAULTS.password,
      authKey: SANDBOX_DEFAULTS.authKey,
      timeoutMs: 2_000,
      tokenTtlMs: 20_000,
      concurrency: 4,
    });

    beforeEach(async () => {
      sandbox = await startSandbox({ ...SANDBOX_DEFAULTS, patients: readSample<unknown[]>('registry-patients.json') });
    });
    afterEach(async () => {
      sinon.restore();
      await sandbox.close();
    });

    it('finds one, several or no Patients', async () => {
      const client = new HieClient(settings(sandbox.url));
      expect((await client.searchPatients('National ID', '23456781')).patients.map((p) => p.id)).to.deep.equal(['CR4200000000011-1']);
      expect((await client.searchPatients('National ID', '28800911')).matches).to.equal(2);
      expect((await client.searchPatients('Birth Certificate', '609381274')).patients[0]?.id).to.equal('CR4200000000022-4');
      for (const number of ['1', '2', '3', '4', '5', '6']) {
        expect(await client.searchPatients('National ID', number)).to.deep.equal({ matches: 0, patients: [] });
      }
    });

    it('fetches one token for many concurrent searches and reuses it', async () => {
      const client = new HieClient(settings(sandbox.url));
      await Promise.all(Array.from({ length: 12 }, () => client.searchPatients('National ID', '23456781')));
      await client.searchPatients('National ID', '23456781');
      expect(sandbox.stats().tokensIssued).to.equal(1);
      expect(sandbox.stats().searches).to.equal(13);
    });

    it('fetches a new token shortly before the old one expires, not on a timer (the second comes as bare text)', async () => {
      let now = Date.now();
      const client = new HieClient(settings(sandbox.url), undefined, () => now);
      await client.searchPatients('National ID', '23456781');
      now += 10_000;
      await client.searchPatients('National ID', '23456781');
      expect(sandbox.stats().tokensIssued).to.equal(1);
      now += 9_000; // 19 s: inside the safety margin of a 20 s token
      await client.searchPatients('National ID', '23456781');
      expect(sandbox.stats().tokensIssued).to.equal(2);
    });

    it('reuses a token that lives only 1.5 s until a quarter of its life is left, instead of fetching one per search', async () => {
      const shortLived = await startSandbox({ ...SANDBOX_DEFAULTS, tokenTtlS: 1.5, patients: readSample<unknown[]>('registry-patients.json') });
      try {
        let now = Date.now();
        const client = new HieClient(settings(shortLived.url), undefined, () => now);
        await client.searchPatients('National ID', '23456781');
        now += 500;
        await client.searchPatients('National ID', '23456781');
        expect(shortLived.stats().tokensIssued).to.equal(1);
        now += 700; // 1.2 s of 1.5: inside the last quarter
        await client.searchPatients('National ID', '23456781');
        expect(shortLived.stats().tokensIssued).to.equal(2);
      } finally {
        await shortLived.close();
      }
    });

    it('refuses an HIE with a self-signed certificate unless HIE_INSECURE_TLS says otherwise', async () => {
      const tls = path.resolve(__dirname, '..', '..', '..', 'test', 'fixtures', 'tls');
      const server = https.createServer(
        { key: readFileSync(path.join(tls, 'self-signed-key.pem')), cert: readFileSync(path.join(tls, 'self-signed-cert.pem')) },
        (_req, res) => res.end('token-1'),
      );
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      try {
        const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
        const token = (insecureTls: boolean): Promise<string> => new HieClient({ ...settings(url), insecureTls }).tokens.token();
        expect((await rejection(token(false))).reason).to.equal('hie_auth_unreachable');
        expect(await token(true)).to.equal('token-1');
      } finally {
        server.closeAllConnections();
        server.close();
      }
    });

    it('renews a refused token once and then reports an auth failure', async () => {
      const client = new HieClient(settings(sandbox.url));
      await client.searchPatients('National ID', '23456781');
      // A token good for a single call: the sandbox forgets it.
      const refusing = express();
      let calls = 0;
      refusing.get('/v1/hie-auth', (_req, res) => res.send(`token-${++calls}`));
      refusing.get('/v1/fhir/Patient', (_req, res) => res.status(401).json({ resourceType: 'OperationOutcome', issue: [] }));
      const server = refusing.listen(0, '127.0.0.1');
      await new Promise((resolve) => server.once('listening', resolve));
      const { port } = server.address() as { port: number };
      try {
        const failing = new HieClient(settings(`http://127.0.0.1:${port}`));
        expect((await rejection(failing.searchPatients('National ID', '1'))).reason).to.equal('hie_search_unauthorized');
        expect(calls).to.equal(2);
      } finally {
        server.closeAllConnections();
        server.close();
      }
    });

    it('reports wrong credentials, a down server and a timeout as transient', async () => {
      const wrong = new HieClient({ ...settings(sandbox.url), password: 'wrong' });
      expect((await rejection(wrong.searchPatients('National ID', '23456781'))).reason).to.equal('hie_auth_refused_401');
      const down = new HieClient(settings('http://127.0.0.1:9'));
      expect((await rejection(down.searchPatients('National ID', '23456781'))).reason).to.equal('hie_auth_unreachable');

      const slow = await startSandbox({ ...SANDBOX_DEFAULTS, patients: [], latencyMs: 500 });
      try {
        const impatient = new HieClient({ ...settings(slow.url), timeoutMs: 100 });
        expect((await rejection(impatient.searchPatients('National ID', '1'))).reason).to.equal('hie_search_timeout');
      } finally {
        await slow.close();
      }
    });

    it('maps identifierType spellings of the upstream, KenyaEMR and AMPATH to CR codes', () => {
      expect(identifierTypeCode('National ID')).to.equal('national-id');
      expect(identifierTypeCode('birth-certificate-number')).to.equal('birth-certificate');
      expect(identifierTypeCode('Refugee ID')).to.equal('refugee-id');
    });
  });
});
