/**
 * Privacy and secrets: the end-to-end runs of the built CLI (run, sweep, a refused HIE password, the demo) at the
 * most verbose log level print no client's name, identification number, phone number or date of birth, no
 * password and no token; and the CLI takes no secret from its arguments.
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { readSample } from '../../transitions/sandbox/sample';
import { splitCredentials } from '../../transitions/services/http';
import type { Doc } from '../../transitions/types';
import { startCli } from '../helpers/cli';
import { contacts, INSTANCE_URL, registeredPeter, reports } from '../helpers/oracle';
import { startServers, type TestServers } from '../helpers/servers';

/** Shorter values (Tom, Ali) are too likely to appear inside other words to be told apart. */
const MIN_LENGTH = 4;
/** A JWT, as the sandbox and the HIE issue them: what any token in the output would look like. */
const JWT = /eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}/;

function texts(...values: unknown[]): string[] {
  return values.flatMap((value) => (Array.isArray(value) ? texts(...(value as unknown[])) : typeof value === 'string' ? [value.trim()] : []));
}

/** Every client detail of the sample: contacts, the CR's Patients and the referral reports. */
function personalDetails(): string[] {
  const people = contacts.filter((doc) => doc.contact_type === 'f_client' || doc.contact_type === 'person');
  const fromContacts = people.flatMap((doc) =>
    texts(doc.name, doc.first_name, doc.middle_name, doc.last_name, doc.phone, doc.date_of_birth, doc.identification_number).flatMap((text) => [text, text.replace(/[\s-]+/g, '')]),
  );
  const patients = readSample<Array<{ name?: Array<{ text?: string; given?: string[]; family?: string }>; birthDate?: string; identifier?: Array<{ value?: string }> }>>(
    'registry-patients.json',
  );
  const fromRegistry = patients.flatMap((patient) =>
    texts(patient.birthDate, (patient.identifier ?? []).map((id) => id.value), (patient.name ?? []).flatMap((name) => [name.text, name.given, name.family])),
  );
  const fromReports = reports.flatMap((report) => texts((report.fields as Doc | undefined)?.patient_name));
  return [...new Set([...fromContacts, ...fromRegistry, ...fromReports])].filter((text) => text.length >= MIN_LENGTH);
}

describe('privacy: nothing personal or secret in the output', () => {
  let servers: TestServers;
  const hiePassword = randomBytes(12).toString('hex');

  before(async () => {
    servers = await startServers({ reports, sandbox: { password: hiePassword, faults: { failEvery: 5 }, tokenTtlS: 1.5 } });
  });

  after(async () => {
    await servers.close();
  });

  it('prints no client detail, password or token at LOG_LEVEL=trace (run, sweep, refused password, demo)', async () => {
    const env = { ...servers.env, HIE_PASSWORD: hiePassword, CHT_INSTANCE_URL: INSTANCE_URL, LOG_LEVEL: 'trace', RETRY_ATTEMPTS_ONCE: '30' };
    const outputs: string[] = [];
    const run = async (args: string[], overrides: Record<string, string> = {}): Promise<number | null> => {
      const result = await startCli(args, { ...env, ...overrides }).exited;
      outputs.push(result.stdout, result.stderr);
      return result.code;
    };
    expect(await run(['run', '--once'])).to.equal(0);
    servers.sandbox.register([registeredPeter('31122334')]);
    expect(await run(['sweep', '--once'])).to.equal(0);
    const wrongPassword = randomBytes(12).toString('hex');
    await servers.medic.put({ ...((await servers.medic.get('ke-sample-client-13')) as Doc), sex: 'male' });
    expect(await run(['run', '--once'], { HIE_PASSWORD: wrongPassword, RETRY_ATTEMPTS_ONCE: '2' })).to.equal(1);
    expect(await run(['demo'])).to.equal(0);
    const output = outputs.join('\n');
    expect(output).to.contain('"level":20').and.contain('CR look-ups'); // the most verbose lines were on, and the demo ran

    const secrets = [hiePassword, wrongPassword, splitCredentials(servers.env.CHT_URL).auth?.password ?? '', ...servers.sandbox.issuedTokens()];
    expect(servers.sandbox.issuedTokens().length).to.be.above(1);
    const details = personalDetails();
    expect(details.length).to.be.above(50);
    expect([...details, ...secrets].filter((text) => output.includes(text))).to.deep.equal([]);
    expect(JWT.exec(output)?.[0]).to.equal(undefined);
  });

  it('takes no secret from the command line: an option or argument carrying one is a usage error that does not echo it', async () => {
    const secret = randomBytes(12).toString('hex');
    for (const args of [
      ['run', '--once', `--hie-password=${secret}`],
      ['run', '--once', '--cht-url', `http://admin:${secret}@127.0.0.1:5984`],
      ['sweep', `HIE_PASSWORD=${secret}`],
    ]) {
      const result = await startCli(args, servers.env).exited;
      expect(result.code, args.join(' ')).to.equal(2);
      expect(result.stdout + result.stderr, args.join(' ')).to.not.contain(secret);
    }
  });
});
