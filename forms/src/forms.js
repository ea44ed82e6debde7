'use strict';
/**
 * The source of this project's XLSX forms (the CHT convention): `npm run forms:xlsx` writes
 * forms/app/*.xlsx and forms/contact/*.xlsx from these definitions, `npm run forms:convert` turns them into
 * the committed XML with cht-conf's bundled pyxform. Edit here, not in the XLSX (they are regenerated).
 * Rows are [type, name, {column: value}]; labels, hints and constraint messages in English and Kiswahili.
 */
const codes = require('../../app_settings/referral-codes.json');

const SW_DANGER_SIGNS = {
  fever: 'Homa',
  convulsions: 'Degedege',
  fast_breathing: 'Kupumua haraka',
  severe_headache: 'Maumivu makali ya kichwa',
  severe_abdominal_pain: 'Maumivu makali ya tumbo',
  vaginal_bleeding: 'Kutokwa na damu ukeni',
  breathlessness: 'Kushindwa kupumua',
  very_pale: 'Weupe mwingi (upungufu wa damu)',
};
const SW_SERVICES = {
  out_patient: 'Wagonjwa wa nje',
  paeds: 'Watoto',
  antenatal_care: 'Kliniki ya wajawazito',
  maternity: 'Wodi ya kujifungua',
  postnatal_care: 'Huduma baada ya kujifungua',
  family_planning: 'Uzazi wa mpango',
  immunization: 'Chanjo',
  nutrition: 'Lishe',
  tb_hiv: 'Huduma ya TB na VVU',
};

const label = (en, sw) => ({ 'label::en': en, 'label::sw': sw });
const hint = (en, sw) => ({ 'hint::en': en, 'hint::sw': sw });
const message = (en, sw) => ({ 'constraint_message::en': en, 'constraint_message::sw': sw });

/** The identification rules of transitions/lib/identification.ts, as XPath over the typed number. */
const ID_NUMBER = "translate(., ' -', '')";
const HAS_ID_TYPE = "${identification_type} != 'none' and ${identification_type} != ''";
// Always relevant, so that choosing "no document" on an edit saves an empty number (the CHT keeps the old
// value of a field an edit form leaves out): the number must then be cleared.
const ID_CONSTRAINT = `if(${HAS_ID_TYPE}, if(\${identification_type} = 'national_id', regex(${ID_NUMBER}, '^[0-9]{1,32}$'), regex(${ID_NUMBER}, '^[A-Za-z0-9]{1,32}$')), . = '')`;
const ID_TYPES = ['national_id', 'birth_certificate', 'passport', 'alien_card', 'refugee_id'];


const AGE = "(decimal-date-time(today()) - 365.25 * ${age_years} - 30.44 * coalesce(${age_months}, 0))";

/** The client's questions; `onlyIfUpdating` is the edit form's relevance for the date of birth. */
const clientQuestions = (edit) => {
  const dobRelevant = edit ? "${dob_update} = 'yes'" : '';
  const and = (expr) => (dobRelevant ? `${dobRelevant} and ${expr}` : expr);
  return [
    ['string', 'first_name', { ...label('First name', 'Jina la kwanza'), required: 'yes' }],
    ['string', 'middle_name', label('Middle name', 'Jina la kati')],
    ['string', 'last_name', { ...label('Last name', 'Jina la mwisho'), required: 'yes' }],
    ['calculate', 'name', { calculation: "normalize-space(concat(${first_name}, ' ', ${middle_name}, ' ', ${last_name}))" }],
    ['select_one sex', 'sex', { ...label('Sex', 'Jinsia'), required: 'yes' }],
    ...(edit ? [['select_one yes_no', 'dob_update', { ...label('Change the date of birth?', 'Badilisha tarehe ya kuzaliwa?'), required: 'yes' }]] : []),
    ['select_one dob_method', 'dob_method', { ...label('Is the date of birth known?', 'Je, tarehe ya kuzaliwa inajulikana?'), required: 'yes', relevant: dobRelevant }],
    ['date', 'dob_calendar', {
      ...label('Date of birth', 'Tarehe ya kuzaliwa'), required: 'yes',
      relevant: and("${dob_method} = 'calendar'"),
      constraint: 'decimal-date-time(.) <= decimal-date-time(today())',
      ...message('The date of birth cannot be in the future', 'Tarehe ya kuzaliwa haiwezi kuwa ya baadaye'),
    }],
    ['integer', 'age_years', {
      ...label('Age in years', 'Umri kwa miaka'), required: 'yes',
      relevant: and("${dob_method} = 'approx'"),
      constraint: '. >= 0 and . <= 120', ...message('0 to 120 years', 'Miaka 0 hadi 120'),
    }],
    ['integer', 'age_months', {
      ...label('And months', 'Na miezi'),
      relevant: and("${dob_method} = 'approx'"),
      constraint: '. >= 0 and . <= 11', ...message('0 to 11 months', 'Miezi 0 hadi 11'),
    }],
    ['calculate', 'date_of_birth', {
      relevant: dobRelevant,
      calculation: `if(\${dob_method} = 'approx', format-date-time(date-time(floor(${AGE})), '%Y-%m-%d'), \${dob_calendar})`,
    }],
    ['string', 'phone', {
      ...label('Phone number', 'Nambari ya simu'),
      ...hint('Kenyan mobile number, e.g. 0712345678 or +254712345678', 'Nambari ya simu ya Kenya, mfano 0712345678 au +254712345678'),
      constraint: "regex(translate(., ' ', ''), '^(\\+254|0)[17][0-9]{8}$')",
      ...message('Enter a Kenyan mobile number: 07XXXXXXXX, 01XXXXXXXX or +2547XXXXXXXX', 'Andika nambari ya simu ya Kenya: 07XXXXXXXX, 01XXXXXXXX au +2547XXXXXXXX'),
    }],
    ['select_one identification_type', 'identification_type', {
      ...label('Identification document', 'Hati ya utambulisho'), required: 'yes',
      ...hint('The document whose number is checked in the national Client Registry', 'Hati ambayo nambari yake itathibitishwa kwenye Sajili ya Wateja ya kitaifa'),
    }],
    ['string', 'identification_number', {
      ...label('Identification number', 'Nambari ya utambulisho'), required: HAS_ID_TYPE,
      ...hint(
        'National ID: digits only, e.g. 12345678 (keep leading zeros). Birth certificate, passport, alien card, refugee ID: letters and digits. Spaces and hyphens are ignored; at most 32 characters. Leave empty when there is no document.',
        'Kitambulisho cha taifa: tarakimu tu, mfano 12345678 (usiondoe sifuri za mwanzo). Cheti cha kuzaliwa, pasipoti, kadi ya mgeni, kitambulisho cha mkimbizi: herufi na tarakimu. Nafasi na vistari havihesabiwi; herufi 32 au chini. Acha wazi kama hakuna hati.',
      ),
      constraint: ID_CONSTRAINT,
      ...message(
        'Not a valid number for this document: national ID digits only; other documents letters and digits; at most 32 characters; empty when there is no document',
        'Nambari si sahihi kwa hati hii: kitambulisho cha taifa ni tarakimu tu; hati nyingine herufi na tarakimu; herufi 32 au chini; wazi kama hakuna hati',
      ),
    }],
  ];
};

const clientChoices = (edit) => [
  ['sex', 'female', label('Female', 'Mwanamke')],
  ['sex', 'male', label('Male', 'Mwanamume')],
  ['dob_method', 'calendar', label('Yes, the exact date', 'Ndiyo, tarehe kamili')],
  ['dob_method', 'approx', label('No, the approximate age', 'Hapana, umri wa kukisia')],
  ['identification_type', 'none', label('No document', 'Hakuna hati')],
  ['identification_type', 'national_id', label('National ID', 'Kitambulisho cha taifa')],
  ['identification_type', 'birth_certificate', label('Birth certificate', 'Cheti cha kuzaliwa')],
  ['identification_type', 'passport', label('Passport', 'Pasipoti')],
  ['identification_type', 'alien_card', label('Alien card', 'Kadi ya mgeni')],
  ['identification_type', 'refugee_id', label('Refugee ID', 'Kitambulisho cha mkimbizi')],
  ...(edit ? [['yes_no', 'yes', label('Yes', 'Ndiyo')], ['yes_no', 'no', label('No', 'Hapana')]] : []),
];

const contactForm = (type, action, title, survey, choices) => ({
  path: `contact/${type}-${action}.xlsx`,
  settings: { form_title: title, form_id: `contact:${type}:${action}`, version: '1', default_language: 'en' },
  survey: [
    ['begin group', type, label(title, title)],
    ['hidden', 'parent', { default: 'PARENT' }],
    ['hidden', 'type', { default: 'contact' }],
    ['hidden', 'contact_type', { default: type }],
    ...survey,
    ['end group', '', {}],
  ],
  choices,
});

const householdQuestions = [
  ['string', 'name', {
    ...label('Household name', 'Jina la kaya'), required: 'yes',
    ...hint("Usually the household head's name, e.g. Otieno household", 'Kwa kawaida jina la mkuu wa kaya, mfano Kaya ya Otieno'),
  }],
  ['string', 'phone', {
    ...label('Household phone number', 'Nambari ya simu ya kaya'),
    constraint: "regex(translate(., ' ', ''), '^(\\+254|0)[17][0-9]{8}$')",
    ...message('Enter a Kenyan mobile number: 07XXXXXXXX, 01XXXXXXXX or +2547XXXXXXXX', 'Andika nambari ya simu ya Kenya: 07XXXXXXXX, 01XXXXXXXX au +2547XXXXXXXX'),
  }],
  ['string', 'landmark', label('Village or nearest landmark', 'Kijiji au alama ya karibu')],
];

/**
 * The inputs of an app form opened from a client's profile: the CHT fills `inputs/contact` with the client
 * (and, through `parent`, its lineage) when `source` is `user`.
 */
const clientInputs = (contactRows) => [
  ['begin group', 'inputs', { ...label('Inputs', 'Vianzio'), relevant: "./source = 'user'" }],
  ['hidden', 'source', { default: 'user' }],
  ['hidden', 'source_id', {}],
  ['begin group', 'contact', label('Client', 'Mteja')],
  ['string', '_id', { ...label('Client', 'Mteja'), appearance: 'select-contact type-f_client' }],
  ...contactRows,
  ['end group', '', {}],
  ['end group', '', {}],
];

const referral = {
  path: 'app/referral.xlsx',
  settings: { form_title: 'Referral', form_id: 'referral', version: '1', default_language: 'en' },
  survey: [
    ...clientInputs([
      ['string', 'patient_id', label('Client ID', 'Nambari ya mteja')],
      ['string', 'name', label('Client name', 'Jina la mteja')],
      ['begin group', 'parent', label('Household', 'Kaya')],
      ['begin group', 'parent', label('CHP area', 'Eneo la CHP')],
      ['string', 'chu_code', label('Community health unit code', 'Nambari ya kitengo cha afya ya jamii')],
      ['string', 'link_facility_code', label('Link facility code', 'Nambari ya kituo cha afya kinachohusika')],
      ['begin group', 'parent', label('Community health unit', 'Kitengo cha afya ya jamii')],
      ['string', 'code', label('Community health unit code', 'Nambari ya kitengo cha afya ya jamii')],
      ['end group', '', {}],
      ['end group', '', {}],
      ['end group', '', {}],
    ]),
    ['calculate', 'patient_uuid', { calculation: '../inputs/contact/_id' }],
    ['calculate', 'patient_id', { calculation: 'coalesce(../inputs/contact/patient_id, ../inputs/contact/_id)' }],
    ['calculate', 'patient_name', { calculation: '../inputs/contact/name' }],
    ['select_multiple danger_signs', 'danger_signs', {
      ...label('Danger signs seen', 'Dalili za hatari zilizoonekana'),
      ...hint('Select every sign seen; none if the referral is for a service only', 'Chagua kila dalili iliyoonekana; usichague yoyote kama rufaa ni ya huduma tu'),
    }],
    ['select_one services', 'service', { ...label('Service or clinic', 'Huduma au kliniki'), required: 'yes' }],
    ['string', 'referred_to_facility_code', {
      ...label('Facility KMHFL code', 'Nambari ya KMHFL ya kituo cha afya'), required: 'yes',
      ...hint("5 or 6 digits; your area's link facility unless the client goes elsewhere", "Tarakimu 5 au 6; kituo cha afya cha eneo lako isipokuwa mteja aende kwingine"),
      // once(): the area's link facility until the CHP types another code (a default that survives edits).
      calculation: 'once(${link_facility_code})',
      constraint: "regex(., '^[0-9]{5,6}$')",
      ...message('A KMHFL code has 5 or 6 digits', 'Nambari ya KMHFL ina tarakimu 5 au 6'),
    }],
    ['calculate', 'chu_code', { calculation: 'coalesce(../inputs/contact/parent/parent/chu_code, ../inputs/contact/parent/parent/parent/code)' }],
    ['date', 'follow_up_date', {
      ...label('Follow-up date', 'Tarehe ya ufuatiliaji'), required: 'yes',
      constraint: 'decimal-date-time(.) >= floor(decimal-date-time(today()))',
      ...message('The follow-up date must be today or later', 'Tarehe ya ufuatiliaji lazima iwe leo au baadaye'),
    }],
    ['text', 'notes', label('Notes', 'Maelezo')],
  ],
  choices: [
    ...Object.entries(codes.danger_signs).map(([key, v]) => ['danger_signs', key, label(v.display, SW_DANGER_SIGNS[key])]),
    ...Object.entries(codes.services).map(([key, v]) => ['services', key, label(v.display, SW_SERVICES[key])]),
  ],
};

const review = {
  path: 'app/client_details_review.xlsx',
  settings: { form_title: 'Client details review', form_id: 'client_details_review', version: '1', default_language: 'en' },
  survey: [
    ...clientInputs([['string', 'name', label('Client name', 'Jina la mteja')]]),
    ['calculate', 'patient_uuid', { calculation: '../inputs/contact/_id' }],
    ['calculate', 'patient_name', { calculation: '../inputs/contact/name' }],
    ['note', 'n_instructions', label(
      "The Client Registry could not confirm this client (see the client's profile). Check the identification document, names, sex and date of birth with the client, then correct them with Edit on the client's profile. The task closes once the Client Registry confirms the client.",
      'Sajili ya Wateja haikuweza kumthibitisha mteja huyu (tazama wasifu wa mteja). Hakiki hati ya utambulisho, majina, jinsia na tarehe ya kuzaliwa pamoja na mteja, kisha uzirekebishe kwa Hariri kwenye wasifu wa mteja. Kazi hii itafungwa Sajili ya Wateja ikimthibitisha mteja.',
    )],
    ['select_one outcome', 'outcome', { ...label('What did you do?', 'Ulifanya nini?'), required: 'yes' }],
  ],
  choices: [
    ['outcome', 'corrected', label("I corrected the client's details", 'Nimerekebisha taarifa za mteja')],
    ['outcome', 'document_later', label('The client will show me the document later', 'Mteja ataonyesha hati baadaye')],
    ['outcome', 'details_correct', label('The details are correct as recorded', 'Taarifa ziko sahihi kama zilivyorekodiwa')],
  ],
};

module.exports = {
  ID_TYPES,
  forms: [
    referral,
    review,
    contactForm('f_client', 'create', 'Household member', clientQuestions(false), clientChoices(false)),
    contactForm('f_client', 'edit', 'Household member', clientQuestions(true), clientChoices(true)),
    contactForm('e_household', 'create', 'Household', householdQuestions, []),
    contactForm('e_household', 'edit', 'Household', householdQuestions, []),
  ],
};
