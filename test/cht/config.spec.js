'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { expect } = require('chai');
const ExcelJS = require('exceljs');
const { ROOT, readProperties } = require('./harness');
const cr = require('../../cht-lib/client-registry');

const read = (...parts) => fs.readFileSync(path.join(ROOT, ...parts), 'utf8');
const readJson = (...parts) => JSON.parse(read(...parts));
const codes = readJson('app_settings', 'referral-codes.json');

/** The choice names of a list in a converted form. */
const xmlChoices = (xml, list) => {
  const block = new RegExp(`<instance id="${list}">([\\s\\S]*?)</instance>`).exec(xml);
  return block ? [...block[1].matchAll(/<name>([^<]*)<\/name>/g)].map((m) => m[1]) : [];
};

describe('CHT configuration files', () => {
  describe('translations', () => {
    const en = readProperties('en');
    const sw = readProperties('sw');

    it('English and Kiswahili have the same keys, none empty', () => {
      expect(Object.keys(sw).sort()).to.deep.equal(Object.keys(en).sort());
      for (const [key, value] of [...Object.entries(en), ...Object.entries(sw)]) {
        expect(value.trim(), key).to.not.equal('');
      }
    });

    it('every key the configuration uses exists in both', () => {
      const literal = /'((?:echis|contact|task|targets|usertype)\.[a-z_.]+[a-z_])'/g;
      const used = new Set();
      for (const file of ['contact-summary.templated.js', 'tasks.js', 'targets.js']) {
        // keys completed at run time ('contact.sex.' + …) do not match: their parts are added below
        for (const match of read(file).matchAll(literal)) {
          used.add(match[1]);
        }
      }
      for (const type of ['female', 'male']) used.add(`contact.sex.${type}`);
      for (const error of [...cr.CR_ERRORS, 'anything else']) used.add(cr.crErrorKey(error));
      for (const field of ['date_of_birth', 'name', 'sex']) used.add(`echis.cr.field.${field}`);
      for (const status of ['sent', 'waiting', 'failed', 'pending']) used.add(`echis.referral.status.${status}`);
      const settings = readJson('app_settings', 'base_settings.json');
      for (const type of settings.contact_types) {
        for (const key of ['name_key', 'group_key', 'create_key', 'edit_key']) {
          if (type[key]) used.add(type[key]);
        }
      }
      for (const role of Object.values(settings.roles)) used.add(role.name);
      expect(used.size).to.be.above(40);
      const missing = [...used].filter((key) => !(key in en) || !(key in sw));
      expect(missing).to.deep.equal([]);
    });
  });

  describe('referral form', () => {
    it("choice names are exactly the keys of app_settings/referral-codes.json (XML and XLSX)", async () => {
      const xml = read('forms', 'app', 'referral.xml');
      expect(xmlChoices(xml, 'danger_signs')).to.deep.equal(Object.keys(codes.danger_signs));
      expect(xmlChoices(xml, 'services')).to.deep.equal(Object.keys(codes.services));
      const workbook = new ExcelJS.Workbook();
      await workbook.xlsx.readFile(path.join(ROOT, 'forms', 'app', 'referral.xlsx'));
      const rows = [];
      workbook.getWorksheet('choices').eachRow((row, n) => n > 1 && rows.push([row.getCell(1).text, row.getCell(2).text]));
      expect(rows.filter(([list]) => list === 'danger_signs').map(([, name]) => name)).to.deep.equal(Object.keys(codes.danger_signs));
      expect(rows.filter(([list]) => list === 'services').map(([, name]) => name)).to.deep.equal(Object.keys(codes.services));
    });

    it('the issue\'s danger signs are all there', () => {
      expect(Object.keys(codes.danger_signs)).to.include.members(['fever', 'convulsions', 'fast_breathing', 'severe_headache',
        'severe_abdominal_pain', 'vaginal_bleeding', 'breathlessness', 'very_pale']);
    });
  });

  describe('app settings', () => {
    const settings = readJson('app_settings', 'base_settings.json');

    it('the Kenya hierarchy, CHPs as person, both languages, no custom Sentinel transition', () => {
      const parents = Object.fromEntries(settings.contact_types.map((t) => [t.id, t.parents || []]));
      expect(parents).to.deep.include({
        a_county: [], b_sub_county: ['a_county'], c_community_health_unit: ['b_sub_county'],
        d_community_health_volunteer_area: ['c_community_health_unit'], e_household: ['d_community_health_volunteer_area'],
        f_client: ['e_household'],
      });
      expect(parents.person).to.include('d_community_health_volunteer_area');
      expect(settings.languages.filter((l) => l.enabled).map((l) => l.locale)).to.have.members(['en', 'sw']);
      expect(Object.keys(settings.transitions || {})).to.not.include.members(['client_registry', 'referral_service_request']);
      expect(Object.keys(settings.roles)).to.include.members(['chv', 'community_health_volunteer', 'community_health_assistant', 'sub_county_manager']);
    });

    it('every permission names known roles, and every form a contact type opens exists', () => {
      for (const [permission, roles] of Object.entries(settings.permissions)) {
        for (const role of roles) expect(settings.roles, permission).to.have.property(role);
      }
      for (const type of settings.contact_types) {
        for (const form of [type.create_form, type.edit_form].filter(Boolean)) {
          const [, , contactType, action] = form.split(':');
          expect(fs.existsSync(path.join(ROOT, 'forms', 'contact', `${contactType}-${action}.xml`)), form).to.equal(true);
        }
      }
    });
  });

  describe('build:config output (build/archive)', () => {
    const archive = (name) => JSON.parse(fs.readFileSync(path.join(ROOT, 'build', 'archive', `${name}.doc.json`), 'utf8'));

    it('holds the compiled settings (contact summary, tasks, targets) without the referral code table', () => {
      const settings = archive('settings');
      expect(settings.contact_summary).to.contain('echis.cr.card');
      expect(settings.tasks.rules).to.contain('echis-cr-correct-client-details');
      expect(settings.tasks.targets.items.map((t) => t.id)).to.include('echis-clients-with-cr-id');
      expect(JSON.stringify(settings)).to.not.contain('nhdd_system');
    });

    it('holds the referral, review and contact forms and both languages', () => {
      expect(archive('form-referral').internalId).to.equal('referral');
      expect(archive('form-client_details_review').internalId).to.equal('client_details_review');
      for (const form of ['f_client-create', 'f_client-edit', 'e_household-create', 'e_household-edit']) {
        expect(archive(`form-contact-${form}`)).to.have.nested.property('_attachments.xml');
      }
      expect(archive('messages-en').custom).to.include({ 'echis.cr.id': 'CR ID' });
      expect(archive('messages-sw').custom).to.include({ 'echis.cr.id': 'Nambari ya CR' });
    });
  });

  describe('committed form XML', () => {
    it('a stale XML fails the build (converted in a copy; the committed file is left alone)', function () {
      this.timeout(120000);
      const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'echis-stale-'));
      try {
        for (const name of ['.eslintrc', 'app_settings', 'forms', 'translations', 'cht-lib', 'contact-summary.templated.js', 'tasks.js', 'targets.js']) {
          fs.cpSync(path.join(ROOT, name), path.join(tmp, name), { recursive: true });
        }
        const stale = path.join(tmp, 'forms', 'app', 'referral.xml');
        fs.writeFileSync(stale, read('forms', 'app', 'referral.xml').replace('<h:title>Referral</h:title>', '<h:title>Old</h:title>'));
        const result = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'build-config.js'), '--forms-only'], {
          env: { ...process.env, CHT_SOURCE_DIR: tmp, CHT_BUILD_DIR: path.join(tmp, 'build') }, encoding: 'utf8',
        });
        expect(result.status).to.equal(1);
        expect(result.stderr).to.contain('stale form XML').and.contain('forms/app/referral.xml');
        expect(result.stderr).to.not.contain('forms/contact/');
        expect(fs.readFileSync(stale, 'utf8')).to.contain('<h:title>Old</h:title>');
      } finally {
        fs.rmSync(tmp, { recursive: true, force: true });
      }
    });
  });
});
