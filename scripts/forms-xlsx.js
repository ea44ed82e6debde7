'use strict';
// Writes forms/**/*.xlsx from forms/src/forms.js (run: npm run forms:xlsx). Fixed workbook dates keep the
// files' content stable between runs.
const path = require('path');
const ExcelJS = require('exceljs');
const { forms } = require('../forms/src/forms');

const SURVEY_COLUMNS = ['type', 'name', 'label::en', 'label::sw', 'hint::en', 'hint::sw', 'required', 'relevant',
  'constraint', 'constraint_message::en', 'constraint_message::sw', 'calculation', 'default', 'appearance'];
const CHOICE_COLUMNS = ['list_name', 'name', 'label::en', 'label::sw'];
const FIXED_DATE = new Date('2026-12-01T00:00:00Z');

const writeForm = async (form, formsDir) => {
  const workbook = new ExcelJS.Workbook();
  workbook.creator = 'echis-hie';
  workbook.created = FIXED_DATE;
  workbook.modified = FIXED_DATE;
  const survey = workbook.addWorksheet('survey');
  survey.addRow(SURVEY_COLUMNS);
  for (const [type, name, columns] of form.survey) {
    const unknown = Object.keys(columns).filter((c) => !SURVEY_COLUMNS.includes(c));
    if (unknown.length) {
      throw new Error(`${form.path}: unknown survey column(s) ${unknown.join(', ')}`);
    }
    survey.addRow(SURVEY_COLUMNS.map((c) => (c === 'type' ? type : c === 'name' ? name : columns[c] || '')));
  }
  const choices = workbook.addWorksheet('choices');
  choices.addRow(CHOICE_COLUMNS);
  for (const [list, name, columns] of form.choices) {
    choices.addRow([list, name, columns['label::en'], columns['label::sw']]);
  }
  const settings = workbook.addWorksheet('settings');
  const keys = Object.keys(form.settings);
  settings.addRow(keys);
  settings.addRow(keys.map((k) => form.settings[k]));
  await workbook.xlsx.writeFile(path.join(formsDir, form.path));
};

const main = async () => {
  const formsDir = process.argv[2] ? path.resolve(process.argv[2]) : path.join(__dirname, '..', 'forms');
  for (const form of forms) {
    await writeForm(form, formsDir);
    console.log(`wrote ${path.join(formsDir, form.path)}`);
  }
};

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
