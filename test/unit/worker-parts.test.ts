import { expect } from 'chai';
import { writeFileSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../transitions/config';
import { ConfigError, TransientError } from '../../transitions/lib/errors';
import { Slots } from '../../transitions/lib/slots';
import { reapplyOwnedFields, withRecords } from '../../transitions/lib/records';
import { docPath } from '../../transitions/services/couch';
import { backoffMs } from '../../transitions/worker/backoff';
import { Progress } from '../../transitions/worker/progress';
import type { Doc, Transition } from '../../transitions/types';

describe('worker parts', () => {
  describe('progress', () => {
    it('never moves past a change that is not settled, whatever finished after it', () => {
      const progress = new Progress('0-start');
      const [a, b, c] = ['1-x', '2-x', '3-x'].map((seq) => progress.track(seq)) as [ReturnType<Progress['track']>, ReturnType<Progress['track']>, ReturnType<Progress['track']>];
      progress.settle(c);
      progress.settle(b);
      expect(progress.safeSeq()).to.equal('0-start');
      expect(progress.open).to.equal(1);
      progress.settle(a);
      expect(progress.safeSeq()).to.equal('3-x');
      expect(progress.open).to.equal(0);
    });

    it('moves to the last seq of an empty page and keeps counting after compaction', () => {
      const progress = new Progress(0);
      for (let seq = 1; seq <= 5000; seq += 1) {
        progress.settle(progress.track(seq));
      }
      expect(progress.safeSeq()).to.equal(5000);
      progress.skipTo(5007);
      const open = progress.track(5008);
      expect(progress.safeSeq()).to.equal(5007);
      progress.settle(open);
      expect(progress.safeSeq()).to.equal(5008);
    });
  });

  describe('HIE slots', () => {
    it('once closed, refuses the tasks waiting and any new one, and lets the running ones finish', async () => {
      const slots = new Slots(1);
      let finish = (): void => undefined;
      const running = slots.use(() => new Promise<string>((resolve) => (finish = () => resolve('done'))));
      const waiting = slots.use(() => Promise.resolve('sent'));
      const stopped = new TransientError('hie_stopping');
      slots.close(stopped);
      finish();
      expect(await running).to.equal('done');
      expect(await waiting.catch((error: unknown) => error)).to.equal(stopped);
      expect(await slots.use(() => Promise.resolve('sent')).catch((error: unknown) => error)).to.equal(stopped);
    });
  });

  describe('backoff', () => {
    const settings = { baseMs: 1000, maxMs: 8000 };

    it('grows exponentially with jitter, up to the cap', () => {
      expect(backoffMs(1, settings, 0, () => 0)).to.equal(500);
      expect(backoffMs(1, settings, 0, () => 1)).to.equal(1000);
      expect(backoffMs(3, settings, 0, () => 1)).to.equal(4000);
      expect(backoffMs(10, settings, 0, () => 1)).to.equal(8000);
    });

    it('waits as long as the server asked, up to the cap', () => {
      expect(backoffMs(1, { baseMs: 1000, maxMs: 60_000 }, 30_000, () => 0)).to.equal(30_000);
      expect(backoffMs(1, settings, 9_999_999_000, () => 0)).to.equal(8000);
    });
  });

  describe('write-back after a conflict', () => {
    const transition: Transition = {
      name: 't',
      ownedFields: ['client_registry'],
      inputsOf: (doc) => String(doc.identification_number),
      filter: () => true,
      onMatch: () => Promise.resolve(true),
    };
    const answered: Doc = { _id: 'c', _rev: '1-a', identification_number: '1', phone: 'old', client_registry: { id: 'CR1', status: 'OK' } };

    it('puts only the owned field on the latest revision', () => {
      const latest: Doc = { _id: 'c', _rev: '2-b', identification_number: '1', phone: 'new', household_role: 'head' };
      expect(reapplyOwnedFields(latest, answered, [transition])).to.deep.equal({ ...latest, client_registry: { id: 'CR1', status: 'OK' } });
    });

    it('gives up when the inputs changed or the doc was deleted', () => {
      expect(reapplyOwnedFields({ _id: 'c', _rev: '2-b', identification_number: '2' }, answered, [transition])).to.equal(undefined);
      expect(reapplyOwnedFields({ _id: 'c', _rev: '2-b', _deleted: true }, answered, [transition])).to.equal(undefined);
    });

    it('keeps the records of other transitions in the info doc', () => {
      const record = { inputs: 'x', fields: {}, at: 'now' };
      const info = withRecords(undefined, 'c', { a: record });
      expect(withRecords(info, 'c', { b: record })).to.deep.equal({ _id: 'c-info', type: 'info', doc_id: 'c', transitions: { a: record, b: record } });
    });
  });

  it('keeps the slash of design and local doc ids in URLs', () => {
    expect(docPath('_local/echis-hie-seq')).to.equal('_local/echis-hie-seq');
    expect(docPath('a/b c')).to.equal('a%2Fb%20c');
  });

  describe('configuration', () => {
    const base = { CHT_URL: 'https://user:pass@county.echis.go.ke', HIE_URL: 'https://uat.dha.go.ke/', HIE_USERNAME: 'u', HIE_PASSWORD: 'p' };

    it('has documented defaults and keeps credentials out of the URL', () => {
      const config = loadConfig(base);
      expect(config.cht).to.deep.include({ url: 'https://county.echis.go.ke', db: 'medic', stateDb: 'medic-echis-hie' });
      expect(config.cht.auth).to.deep.equal({ username: 'user', password: 'pass' });
      expect(config.hie).to.deep.include({ url: 'https://uat.dha.go.ke', authKey: 'echis', tokenTtlMs: 20_000, insecureTls: false });
      expect(config.clientRegistry.contactTypes).to.deep.equal(['f_client']);
      expect(config.clientRegistry.identifierTypes.national_id).to.equal('National ID');
      expect(config.shr).to.deep.equal({ url: 'https://uat.dha.go.ke', serviceRequestPath: '/fhir/R4/ServiceRequest' });
      expect(config.referrals).to.deep.include({ forms: ['referral'], instanceUrl: 'https://county.echis.go.ke', timeZone: 'Africa/Nairobi', crIdSystem: undefined });
      expect(config.referrals.codes.dangerSigns).to.have.property('fever');
    });

    it('reads the sweep interval in days, hours, minutes or seconds, weekly by default, or off', () => {
      expect(loadConfig(base).worker.sweepIntervalMs).to.equal(7 * 86_400_000);
      const interval = (text: string): number => loadConfig({ ...base, SWEEP_INTERVAL: text }).worker.sweepIntervalMs;
      expect([interval('30d'), interval('12h'), interval('45m'), interval('90s'), interval('0'), interval('off'), interval('OFF')]).to.deep.equal([
        30 * 86_400_000, 12 * 3_600_000, 45 * 60_000, 90_000, 0, 0, 0,
      ]);
      for (const text of ['weekly', '1w', '7', '-1d', '1.5d', '0s', '3651d']) {
        expect(() => interval(text), text).to.throw(ConfigError, /^SWEEP_INTERVAL must be a duration/);
      }
    });

    it('reads the referral settings', () => {
      const config = loadConfig({
        ...base,
        SHR_URL: 'https://shr.example/',
        SHR_SERVICE_REQUEST_PATH: '/fhir-server/api/v4/ServiceRequest',
        CHT_INSTANCE_URL: 'https://siaya.echis.go.ke',
        CR_ID_SYSTEM: 'https://cr.example/id',
        REFERRAL_FORMS: 'referral, referral_follow_up',
        REFERRAL_TIME_ZONE: 'UTC',
      });
      expect(config.shr).to.deep.equal({ url: 'https://shr.example', serviceRequestPath: '/fhir-server/api/v4/ServiceRequest' });
      expect(config.referrals).to.deep.include({
        forms: ['referral', 'referral_follow_up'],
        instanceUrl: 'https://siaya.echis.go.ke',
        crIdSystem: 'https://cr.example/id',
        timeZone: 'UTC',
      });
    });

    it('overrides single identifier types and reads secrets from files', () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'echis-hie-config-'));
      writeFileSync(path.join(dir, 'password'), 's3cret\n');
      writeFileSync(path.join(dir, 'cht'), 'https://worker:pw@county.echis.go.ke/couchdb\n');
      const config = loadConfig({
        ...base,
        CHT_URL: undefined,
        CHT_URL_FILE: path.join(dir, 'cht'),
        HIE_PASSWORD: undefined,
        HIE_PASSWORD_FILE: path.join(dir, 'password'),
        CR_IDENTIFIER_TYPES: '{"Birth_Certificate": "birth-certificate-number"}',
      });
      expect(config.hie.password).to.equal('s3cret');
      expect(config.cht).to.deep.include({ url: 'https://county.echis.go.ke/couchdb', auth: { username: 'worker', password: 'pw' } });
      expect(config.clientRegistry.identifierTypes).to.include({ birth_certificate: 'birth-certificate-number', national_id: 'National ID' });
    });

    it('names the setting that is missing or malformed', () => {
      expect(() => loadConfig({ ...base, CHT_URL: undefined })).to.throw(ConfigError, /^CHT_URL is not set/);
      expect(() => loadConfig({ ...base, HIE_URL: 'ftp://x' })).to.throw(ConfigError, /^HIE_URL must be an http/);
      expect(() => loadConfig({ ...base, HIE_PASSWORD: '' })).to.throw(ConfigError, /^HIE_PASSWORD is not set/);
      expect(() => loadConfig({ ...base, CONCURRENCY: '0' })).to.throw(ConfigError, /^CONCURRENCY must be a whole number from 1 to 1000/);
      expect(() => loadConfig({ ...base, BATCH_SIZE: '1e3' })).to.throw(ConfigError, /^BATCH_SIZE/);
      expect(() => loadConfig({ ...base, BATCH_SIZE: '0x10' })).to.throw(ConfigError, /^BATCH_SIZE/);
      expect(() => loadConfig({ ...base, RETRY_MAX_MS: '3000000000' })).to.throw(ConfigError, /^RETRY_MAX_MS/);
      expect(() => loadConfig({ ...base, RETRY_BASE_MS: '5000', RETRY_MAX_MS: '1000' })).to.throw(ConfigError, /^RETRY_BASE_MS must not be above/);
      expect(() => loadConfig({ ...base, HIE_INSECURE_TLS: 'yes' })).to.throw(ConfigError, /^HIE_INSECURE_TLS must be true or false/);
      expect(() => loadConfig({ ...base, CR_CONTACT_TYPES: ' , ' })).to.throw(ConfigError, /^CR_CONTACT_TYPES/);
      expect(() => loadConfig({ ...base, STATE_DB: 'medic' })).to.throw(ConfigError, /^STATE_DB/);
      expect(() => loadConfig({ ...base, CHT_URL: 'http://u:p@host/?x=1' })).to.throw(ConfigError, /^CHT_URL must not have a query/);
      expect(() => loadConfig({ ...base, CHT_URL: 'http://u:p@host/#f' })).to.throw(ConfigError, /^CHT_URL must not have a query/);
      expect(() => loadConfig({ ...base, CHT_URL: 'http://u:%zz@host' })).to.throw(ConfigError, /^CHT_URL has a malformed/);
      expect(() => loadConfig({ ...base, CR_IDENTIFIER_TYPES: '[1]' })).to.throw(ConfigError, /^CR_IDENTIFIER_TYPES/);
      expect(() => loadConfig({ ...base, LOG_LEVEL: 'loud' })).to.throw(ConfigError, /^LOG_LEVEL/);
      expect(() => loadConfig({ ...base, HIE_PASSWORD: undefined, HIE_PASSWORD_FILE: '/nonexistent/file' })).to.throw(ConfigError, /cannot be read/);
      expect(() => loadConfig({ ...base, SHR_SERVICE_REQUEST_PATH: 'fhir/R4/ServiceRequest' })).to.throw(ConfigError, /^SHR_SERVICE_REQUEST_PATH/);
      expect(() => loadConfig({ ...base, REFERRAL_TIME_ZONE: 'Africa/Atlantis' })).to.throw(ConfigError, /^REFERRAL_TIME_ZONE/);
      expect(() => loadConfig({ ...base, REFERRAL_FORMS: ',' })).to.throw(ConfigError, /^REFERRAL_FORMS/);
      expect(() => loadConfig({ ...base, REFERRAL_CODES_FILE: '/nonexistent.json' })).to.throw(ConfigError, /^REFERRAL_CODES_FILE/);
      expect(() => loadConfig({ ...base, CR_ID_SYSTEM: 'cr ids' })).to.throw(ConfigError, /^CR_ID_SYSTEM/);
      expect(() => loadConfig({ ...base, HIE_URL: 'https://u:p@uat.dha.go.ke' })).to.throw(ConfigError, /^HIE_URL must not carry a user name or password/);
      expect(() => loadConfig({ ...base, CHT_INSTANCE_URL: 'https://u:p@siaya.echis.go.ke' })).to.throw(ConfigError, /^CHT_INSTANCE_URL must not carry/);
      expect(() => loadConfig({ ...base, HIE_PASSWORD_FILE: '/etc/hostname' })).to.throw(ConfigError, /^HIE_PASSWORD and HIE_PASSWORD_FILE are both set/);
    });
  });
});
