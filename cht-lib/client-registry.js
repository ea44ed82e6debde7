// Rules shared by the contact summary, tasks and targets: how the CHT side reads what the echis-hie worker
// writes (`client_registry` on a client, `service_request` on a referral report). The contract is in
// README.md ("What the look-up writes") and transitions/types.ts.

var ID_TYPES = ['national_id', 'birth_certificate', 'passport', 'alien_card', 'refugee_id'];
var CR_ERRORS = ['no matches', 'multiple matches', 'details mismatch', 'unsupported identification type',
  'invalid identification number'];
var MISMATCH_FIELDS = ['date_of_birth', 'name', 'sex'];
// The referral transition waits (and sends later) for these; anything else is a failure.
var REFERRAL_WAITING = ['client has no client registry id', 'client not found'];

var isBlank = function (value) {
  return value === undefined || value === null || String(value).trim() === '';
};

/** The worker looks a client up when both are there (type 'none' is the forms' "no document"). */
var hasIdentification = function (contact) {
  return !!contact && !isBlank(contact.identification_type) && !isBlank(contact.identification_number) &&
    String(contact.identification_type).trim().toLowerCase() !== 'none';
};

var isObject = function (value) {
  return !!value && typeof value === 'object' && !Array.isArray(value);
};

/** The CR ID when the worker confirmed the client, else undefined. */
var crIdOf = function (contact) {
  var cr = contact && contact.client_registry;
  return isObject(cr) && cr.status === 'OK' && !isBlank(cr.id) ? String(cr.id) : undefined;
};

/** The worker's error code, or undefined (no answer yet, or confirmed). */
var crErrorOf = function (contact) {
  var cr = contact && contact.client_registry;
  return isObject(cr) && typeof cr.error === 'string' ? cr.error : undefined;
};

/** Translation key for an error code: `echis.cr.error.no_matches`, …; unknown codes get `other`. */
var crErrorKey = function (error) {
  return 'echis.cr.error.' + (CR_ERRORS.indexOf(error) >= 0 ? error.replace(/ /g, '_') : 'other');
};

/** The mismatched fields the worker named, known ones only, in the worker's (sorted) order. */
var mismatchFieldsOf = function (contact) {
  var cr = contact && contact.client_registry;
  var fields = isObject(cr) && Array.isArray(cr.fields) ? cr.fields : [];
  return fields.filter(function (field) { return MISMATCH_FIELDS.indexOf(field) >= 0; });
};

/** A client whose details the CHP can correct: an error other than "multiple matches" (the CR's to fix). */
var needsCorrection = function (contact) {
  var error = crErrorOf(contact);
  return hasIdentification(contact) && error !== undefined && error !== 'multiple matches';
};

/** The newest referral report, or undefined. */
var lastReferral = function (reports) {
  return (reports || [])
    .filter(function (report) { return report && report.form === 'referral'; })
    .reduce(function (last, report) {
      return !last || (report.reported_date || 0) > (last.reported_date || 0) ? report : last;
    }, undefined);
};

/** `sent`, `waiting`, `failed` or `pending` (no answer from the worker yet). */
var referralStatusOf = function (report) {
  var result = report && report.service_request;
  if (!isObject(result)) {
    return 'pending';
  }
  if (result.status === 'OK' && !isBlank(result.id)) {
    return 'sent';
  }
  if (typeof result.error === 'string' && REFERRAL_WAITING.indexOf(result.error) >= 0) {
    return 'waiting';
  }
  return 'failed';
};

module.exports = {
  ID_TYPES: ID_TYPES,
  CR_ERRORS: CR_ERRORS,
  hasIdentification: hasIdentification,
  crIdOf: crIdOf,
  crErrorOf: crErrorOf,
  crErrorKey: crErrorKey,
  mismatchFieldsOf: mismatchFieldsOf,
  needsCorrection: needsCorrection,
  lastReferral: lastReferral,
  referralStatusOf: referralStatusOf,
};
