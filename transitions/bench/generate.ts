/**
 * eCHIS-shaped data for the benchmark: a county's hierarchy (sub-counties > CHUs > CHV areas with their CHP >
 * households > clients), clients with a realistic mix of identifications, the CR Patients the HIE holds for
 * them, and the answer each client must end with. Deterministic for a given N, and produced a household at a
 * time so a million clients never sit in memory at once.
 */
import type { ClientRegistryResult, Doc } from '../types';

/** Share of clients per case, in percent (sums to 100). */
const MIX = [
  ['national_id_ok', 55],
  ['birth_certificate_ok', 8],
  ['passport_ok', 2],
  ['no_matches', 10],
  ['multiple_matches', 2],
  ['details_mismatch', 5],
  ['unsupported_type', 1],
  ['invalid_number', 2],
  ['no_identification', 15],
] as const;

type Case = (typeof MIX)[number][0];

const CLIENTS_PER_HOUSEHOLD = 5;
const HOUSEHOLDS_PER_AREA = 20;
const AREAS_PER_CHU = 10;
const CHUS_PER_SUB_COUNTY = 10;

const GIVEN = ['Achieng', 'Brian', 'Wanjiru', 'Kiprono', 'Amina', 'Otieno', 'Njeri', 'Mwangi', 'Chebet', 'Omondi', 'Nafula', 'Kamau'];
const FAMILY = ['Odhiambo', 'Cheruiyot', 'Kariuki', 'Mohamed', 'Wekesa', 'Ouma', 'Njoroge', 'Barasa', 'Mutua', 'Akinyi'];
const REPORTED = 1733216400000;

/** A small fast PRNG (mulberry32): the same N always gives the same data. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function caseOf(roll: number): Case {
  let sum = 0;
  for (const [name, share] of MIX) {
    sum += share;
    if (roll * 100 < sum) {
      return name;
    }
  }
  return 'no_identification';
}

export interface Household {
  /** The places this household is the first of (areas, CHUs, ...), then the household and its clients. */
  readonly docs: readonly Doc[];
  /** The CR Patients the HIE holds for these clients. */
  readonly patients: readonly unknown[];
  /** Client id -> the `client_registry` it must end with (null: none). */
  readonly expected: ReadonlyMap<string, ClientRegistryResult | null>;
}

function patient(id: string, type: string, number: string, given: string, family: string, sex: string, birthDate: string): unknown {
  return {
    resourceType: 'Patient',
    id,
    identifier: [{ type: { coding: [{ system: 'https://ts.kenya-hie.health/Codesystem/identifier-types', code: type }] }, value: number }],
    name: [{ text: `${given} ${family}`, given: [given], family }],
    gender: sex,
    birthDate,
  };
}

/** CR IDs as the HIE writes them: `CR` + 13 digits + `-` + a check digit. */
function crId(serial: number): string {
  const digits = String(4_200_000_000_000 + serial);
  return `CR${digits}-${serial % 10}`;
}

/**
 * The households of a county with `n` clients, one at a time (the last may have fewer clients). Ids start with
 * `prefix`; identification numbers and CR IDs count from `firstNumber`, so counties seeded side by side (and
 * their Patients in one CR) never share one.
 */
export function* households(n: number, prefix: string, firstNumber: number): Generator<Household> {
  const next = random(n);
  const county = `${prefix}-county`;
  let client = 0;
  for (let household = 0; client < n; household += 1) {
    const areaIndex = Math.floor(household / HOUSEHOLDS_PER_AREA);
    const chuIndex = Math.floor(areaIndex / AREAS_PER_CHU);
    const subIndex = Math.floor(chuIndex / CHUS_PER_SUB_COUNTY);
    const sub = `${prefix}-sub-${subIndex}`;
    const chu = `${sub}-chu-${chuIndex}`;
    const area = `${chu}-area-${areaIndex}`;
    const chuCode = String(600000 + chuIndex);
    const facilityCode = String(13000 + chuIndex);
    const places: Doc[] = [];
    const place = (doc: Doc): void => {
      places.push({ type: 'contact', reported_date: REPORTED, ...doc });
    };
    if (household === 0) {
      place({ _id: county, contact_type: 'a_county', name: 'Bench County' });
    }
    if (chuIndex % CHUS_PER_SUB_COUNTY === 0 && areaIndex % AREAS_PER_CHU === 0 && household % HOUSEHOLDS_PER_AREA === 0) {
      place({ _id: sub, contact_type: 'b_sub_county', name: `Sub-county ${subIndex}`, parent: { _id: county } });
    }
    if (areaIndex % AREAS_PER_CHU === 0 && household % HOUSEHOLDS_PER_AREA === 0) {
      place({ _id: chu, contact_type: 'c_community_health_unit', name: `CHU ${chuIndex}`, code: chuCode, link_facility_code: facilityCode, parent: { _id: sub, parent: { _id: county } } });
    }
    const areaLineage = { _id: area, parent: { _id: chu, parent: { _id: sub, parent: { _id: county } } } };
    if (household % HOUSEHOLDS_PER_AREA === 0) {
      place({ _id: area, contact_type: 'd_community_health_volunteer_area', name: `Area ${areaIndex}`, chu_code: chuCode, link_facility_code: facilityCode, parent: areaLineage.parent, contact: { _id: `${area}-chp` } });
      place({ _id: `${area}-chp`, contact_type: 'person', name: `CHP ${areaIndex}`, role: 'chw', parent: areaLineage });
    }
    const householdId = `${area}-hh-${household}`;
    place({ _id: householdId, contact_type: 'e_household', name: `Household ${household}`, parent: areaLineage });

    const patients: unknown[] = [];
    const expected = new Map<string, ClientRegistryResult | null>();
    for (let member = 0; member < CLIENTS_PER_HOUSEHOLD && client < n; member += 1, client += 1) {
      const id = `${householdId}-client-${member}`;
      const given = GIVEN[Math.floor(next() * GIVEN.length)] ?? 'Achieng';
      const family = FAMILY[Math.floor(next() * FAMILY.length)] ?? 'Odhiambo';
      const sex = next() < 0.5 ? 'female' : 'male';
      const birthDate = `${1950 + Math.floor(next() * 70)}-0${1 + Math.floor(next() * 9)}-1${Math.floor(next() * 10)}`;
      const kind = caseOf(next());
      const serial = firstNumber + client;
      const number = String(10_000_000 + serial);
      const doc: Doc = { _id: id, type: 'contact', contact_type: 'f_client', name: `${given} ${family}`, first_name: given, last_name: family, sex, date_of_birth: birthDate, dob_method: '', phone: '+254700000000', parent: { _id: householdId, parent: areaLineage }, reported_date: REPORTED };
      const identify = (type: string, value: string): void => {
        doc.identification_type = type;
        doc.identification_number = value;
      };
      let answer: ClientRegistryResult | null = null;
      switch (kind) {
        case 'national_id_ok':
        case 'birth_certificate_ok':
        case 'passport_ok': {
          const [chtType, crType, value] =
            kind === 'national_id_ok' ? ['national_id', 'national-id', number] : kind === 'birth_certificate_ok' ? ['birth_certificate', 'birth-certificate', `BC${number}`] : ['passport', 'passport', `AK${number}`];
          identify(chtType, value);
          patients.push(patient(crId(serial), crType, value, given, family, sex, birthDate));
          answer = { id: crId(serial), status: 'OK' };
          break;
        }
        case 'no_matches':
          identify('national_id', number);
          answer = { error: 'no matches' };
          break;
        case 'multiple_matches':
          identify('national_id', number);
          patients.push(patient(crId(serial), 'national-id', number, given, family, sex, birthDate), patient(`${crId(serial)}0`, 'national-id', number, given, family, sex, birthDate));
          answer = { error: 'multiple matches' };
          break;
        case 'details_mismatch':
          identify('national_id', number);
          patients.push(patient(crId(serial), 'national-id', number, given, family, sex, '1900-01-01'));
          answer = { error: 'details mismatch', fields: ['date_of_birth'] };
          break;
        case 'unsupported_type':
          identify('voter_card', number);
          answer = { error: 'unsupported identification type' };
          break;
        case 'invalid_number':
          identify('national_id', `${number}X`);
          answer = { error: 'invalid identification number' };
          break;
        case 'no_identification':
          break;
      }
      places.push(doc);
      expected.set(id, answer);
    }
    yield { docs: places, patients, expected };
  }
}
