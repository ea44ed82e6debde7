// Targets. This project adds "household clients with a CR ID" (percent of the CHP's household clients whose
// `client_registry` the worker confirmed), aggregated for supervisors.
var cr = require('./cht-lib/client-registry');

module.exports = [
  {
    id: 'echis-clients-with-cr-id',
    type: 'percent',
    icon: 'icon-person',
    goal: 100,
    translation_key: 'targets.echis.clients_with_cr_id.title',
    subtitle_translation_key: 'targets.echis.clients_with_cr_id.subtitle',
    appliesTo: 'contacts',
    appliesToType: ['f_client'],
    appliesIf: function (contact) {
      return !contact.contact.date_of_death && !contact.contact.muted;
    },
    passesIf: function (contact) {
      return cr.crIdOf(contact.contact) !== undefined;
    },
    date: 'now',
    aggregate: true,
  },
];
