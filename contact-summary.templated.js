// Contact summary (cht-conf "templated" format). This project adds the Client Registry and referral cards on
// household clients (`f_client`); the rest is the minimum a deployable configuration needs.
// `contact`, `reports` and `lineage` are globals given by the CHT.
var cr = require('./cht-lib/client-registry');

var isClient = contact.contact_type === 'f_client';
var crId = isClient ? cr.crIdOf(contact) : undefined;
var crError = isClient ? cr.crErrorOf(contact) : undefined;
var identified = isClient && cr.hasIdentification(contact);
var referral = isClient ? cr.lastReferral(reports) : undefined;

var context = {
  cr_id: crId || '',
  cr_error: crError || '',
};

var fields = [
  { appliesToType: 'f_client', label: 'contact.sex', value: 'contact.sex.' + contact.sex, translate: true, width: 4,
    appliesIf: function () { return !!contact.sex; } },
  { appliesToType: 'f_client', label: 'contact.date_of_birth', value: contact.date_of_birth, width: 4,
    appliesIf: function () { return !!contact.date_of_birth; } },
  { appliesToType: 'f_client', label: 'contact.phone', value: contact.phone, width: 4,
    appliesIf: function () { return !!contact.phone; } },
  { appliesToType: ['e_household', 'd_community_health_volunteer_area', 'c_community_health_unit'],
    label: 'contact.phone', value: contact.phone, width: 4, appliesIf: function () { return !!contact.phone; } },
  { appliesToType: 'd_community_health_volunteer_area', label: 'echis.link_facility',
    value: (contact.link_facility_name ? contact.link_facility_name + ' ' : '') + '(' + contact.link_facility_code + ')', width: 12,
    appliesIf: function () { return !!contact.link_facility_code; } },
  { appliesToType: 'c_community_health_unit', label: 'echis.chu_code', value: contact.code, width: 6,
    appliesIf: function () { return !!contact.code; } },
];

var crFields = function () {
  var shown = [];
  if (crId) {
    shown.push({ label: 'echis.cr.id', value: crId, width: 12 });
  } else if (crError) {
    shown.push({ label: 'echis.cr.status', value: cr.crErrorKey(crError), translate: true, width: 12 });
    cr.mismatchFieldsOf(contact).forEach(function (field) {
      shown.push({ label: 'echis.cr.mismatch', value: 'echis.cr.field.' + field, translate: true, width: 4 });
    });
  } else {
    shown.push({ label: 'echis.cr.status', value: 'echis.cr.waiting', translate: true, width: 12 });
  }
  return shown;
};

var cards = [
  {
    label: 'echis.cr.card',
    appliesToType: 'f_client',
    appliesIf: function () { return identified || !!contact.upi; },
    fields: function () {
      var shown = identified ? crFields() : [];
      if (contact.upi) {
        shown.push({ label: 'echis.upi', value: contact.upi, width: 12 });
      }
      return shown;
    },
  },
  {
    label: 'echis.referral.card',
    appliesToType: 'f_client',
    appliesIf: function () { return !!referral; },
    fields: function () {
      var status = cr.referralStatusOf(referral);
      var shown = [
        { label: 'echis.referral.date', value: referral.reported_date, filter: 'simpleDate', width: 6 },
        { label: 'echis.referral.status', value: 'echis.referral.status.' + status, translate: true, width: 12 },
      ];
      if (status === 'sent') {
        shown.push({ label: 'echis.referral.service_request', value: referral.service_request.id, width: 12 });
      }
      return shown;
    },
  },
];

module.exports = {
  context: context,
  fields: fields,
  cards: cards,
};
