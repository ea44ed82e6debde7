'use strict';
// One harness per spec file, on the system Chromium (see setup.js), with the compiled app settings of
// npm run build:config and the committed form XML.
const fs = require('fs');
const path = require('path');
const Harness = require('cht-conf-test-harness');

const ROOT = path.join(__dirname, '..', '..');

const newHarness = () => new Harness({
  directory: ROOT,
  appSettingsPath: path.join(ROOT, 'build', 'app_settings.json'),
  harnessDataPath: path.join(ROOT, 'harness.defaults.json'),
  headless: true,
  logFormErrors: false,
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-sync',
    '--disable-component-update', '--no-first-run'],
});

/**
 * The harness of one spec file: one browser for the file, and before each test a clean state, with the clock at
 * `now` when given (the forms' "today" rules are tested against a fixed day).
 */
const useHarness = ({ now } = {}) => {
  const harness = newHarness();
  before(() => harness.start());
  after(() => harness.stop());
  beforeEach(async () => {
    await harness.clear();
    if (now !== undefined) {
      await harness.setNow(now);
    }
  });
  return harness;
};

const readProperties = (language) => {
  const text = fs.readFileSync(path.join(ROOT, 'translations', `messages-${language}.properties`), 'utf8');
  const entries = {};
  for (const line of text.split('\n')) {
    const match = /^\s*([^#!\s][^=]*?)\s*=\s*(.*)$/.exec(line);
    if (match) {
      entries[match[1]] = match[2];
    }
  }
  return entries;
};

/** What a CHP reading `language` sees for a contact summary field: [label, value], translated as the CHT does. */
const render = (field, messages) => {
  const t = (key) => {
    if (!Object.prototype.hasOwnProperty.call(messages, key)) {
      throw new Error(`no translation for ${key}`);
    }
    return messages[key];
  };
  return [t(field.label), field.translate ? t(field.value) : field.value];
};

module.exports = { ROOT, useHarness, readProperties, render };
