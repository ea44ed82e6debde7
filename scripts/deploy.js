'use strict';
/**
 * npm run deploy -- --url=https://user:pass@county.echis.go.ke [more cht options]
 * Builds the configuration offline (build:config, which also fails on stale form XML), then uploads
 * build/project to the instance with cht-conf's default actions (app settings, forms, translations, …).
 * cht-conf backs up the settings it replaces and asks before overwriting changes made since the last upload.
 */
const { spawnSync } = require('child_process');
const path = require('path');

const ROOT = path.join(__dirname, '..');
const args = process.argv.slice(2);
if (!args.some((a) => /^--(url|instance|local)(=|$)/.test(a))) {
  console.error('usage: npm run deploy -- --url=https://user:pass@county.echis.go.ke [cht options]');
  process.exit(2);
}
const step = (cmd, cmdArgs) => {
  const result = spawnSync(cmd, cmdArgs, { cwd: ROOT, stdio: 'inherit' });
  if (result.status !== 0) {
    process.exit(result.status || 1);
  }
};
step(process.execPath, [path.join(__dirname, 'build-config.js')]);
step(process.execPath, [require.resolve('cht-conf/src/bin/index.js'), `--source=${path.join(ROOT, 'build', 'project')}`,
  '--skip-dependency-check', '--skip-git-check', ...args]);
