'use strict';
// Loaded by mocha (--require) before the harness tests: points cht-conf-test-harness at the system Chromium
// (Debian `chromium`) instead of the browser its resolver would download, and checks the tools it needs.
const fs = require('fs');
const path = require('path');

const CHROMIUM = ['/usr/lib/chromium/chromium', '/usr/bin/chromium'].find((p) => fs.existsSync(p));
const missing = [];
if (!CHROMIUM) {
  missing.push('chromium');
}
if (!['/usr/bin/xsltproc', '/usr/local/bin/xsltproc'].some((p) => fs.existsSync(p))) {
  missing.push('xsltproc');
}
if (missing.length) {
  throw new Error(`the harness tests need ${missing.join(' and ')}: apt-get install -y ${missing.join(' ')} (or npm run test:cht-deps as root)`);
}
if (!fs.existsSync(path.join(__dirname, '..', '..', 'build', 'app_settings.json'))) {
  throw new Error('build/app_settings.json is missing: run npm run build:config first');
}

const resolverPath = require.resolve('puppeteer-chromium-resolver', { paths: [path.dirname(require.resolve('cht-conf-test-harness'))] });
const puppeteer = require(require.resolve('puppeteer-core', { paths: [path.dirname(resolverPath)] }));
require.cache[resolverPath] = {
  id: resolverPath,
  filename: resolverPath,
  loaded: true,
  exports: async () => ({ executablePath: CHROMIUM, puppeteer }),
};
