/**
 * The referral code tables (`app_settings/referral-codes.json`): the referral form's choice names are their keys,
 * and the `referral_service_request` transition codes the ServiceRequest from them. One file for both, so a
 * danger sign added to the form without a code is caught by the tests, not by a facility.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from './errors';

export interface Concept {
  /** The NHDD concept id (for danger signs); absent when the dictionary has none: sent as text only. */
  readonly code?: string;
  readonly display: string;
}

export interface ReferralCodes {
  /** System of the NHDD concepts: `{NHDD}/orgs/MOH-KENYA/sources/nhdd/concepts/`. */
  readonly nhddSystem: string;
  /** System of the service (clinic) codes, whose codes are the table's keys. */
  readonly serviceSystem: string;
  readonly dangerSigns: Readonly<Record<string, Concept>>;
  readonly services: Readonly<Record<string, Concept>>;
}

/** The tables as the repository ships them, next to the app settings they belong to. */
export const DEFAULT_REFERRAL_CODES_FILE = path.join(__dirname, '..', '..', '..', 'app_settings', 'referral-codes.json');

const KEY = /^[a-z][a-z0-9_]*$/;

function conceptTable(value: unknown, name: string): Record<string, Concept> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ConfigError(`referral codes: "${name}" must be an object of concepts`);
  }
  const table: Record<string, Concept> = {};
  for (const [key, concept] of Object.entries(value)) {
    const { code, display } = (concept ?? {}) as { code?: unknown; display?: unknown };
    if (!KEY.test(key) || typeof display !== 'string' || display.trim() === '' || (code !== undefined && (typeof code !== 'string' || !/^\S+$/.test(code)))) {
      throw new ConfigError(`referral codes: "${name}.${key}" needs a choice name of lower-case letters, digits and _, a display, and a code without spaces if any`);
    }
    table[key] = code === undefined ? { display } : { code, display };
  }
  return table;
}

function system(value: unknown, name: string): string {
  if (typeof value !== 'string' || !/^https?:\/\/\S+$/.test(value)) {
    throw new ConfigError(`referral codes: "${name}" must be an http(s) URL`);
  }
  return value;
}

export function parseReferralCodes(json: unknown): ReferralCodes {
  const file = (json ?? {}) as Record<string, unknown>;
  return {
    nhddSystem: system(file.nhdd_system, 'nhdd_system'),
    serviceSystem: system(file.service_system, 'service_system'),
    dangerSigns: conceptTable(file.danger_signs, 'danger_signs'),
    services: conceptTable(file.services, 'services'),
  };
}

export function loadReferralCodes(file: string): ReferralCodes {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    throw new ConfigError('REFERRAL_CODES_FILE must name a readable JSON file');
  }
  return parseReferralCodes(json);
}
