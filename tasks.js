// Tasks. This project adds one: correct a client's details when the Client Registry answered with an error the
// CHP can act on (everything but "multiple matches", which the registry must resolve). It closes when the
// error goes away (the worker writes the new answer after the CHP edits the client).
var cr = require('./cht-lib/client-registry');

module.exports = [
  {
    name: 'echis-cr-correct-client-details',
    icon: 'icon-person',
    title: 'task.echis.cr_correct_details.title',
    appliesTo: 'contacts',
    appliesToType: ['f_client'],
    // Also while a confirmed client has a review report, so that a task the CHP worked on ends Completed;
    // confirmed clients never in error emit nothing (no Completed task for them).
    appliesIf: function (contact) {
      return cr.needsCorrection(contact.contact) || (cr.crIdOf(contact.contact) !== undefined &&
        (contact.reports || []).some(function (report) { return report.form === 'client_details_review'; }));
    },
    resolvedIf: function (contact) {
      return !cr.needsCorrection(contact.contact);
    },
    actions: [{ type: 'report', form: 'client_details_review', label: 'task.echis.cr_correct_details.action' }],
    events: [{
      id: 'echis-cr-correct-client-details',
      // Due from the day the error is seen until it is fixed: a fresh window every day it is still there.
      dueDate: function () {
        return Utils.addDate(Utils.now(), 0);
      },
      start: 0,
      end: 0,
    }],
  },
];
