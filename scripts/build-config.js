'use strict';
/**
 * The offline CHT configuration build (npm run build:config), run in a copy of the project so that a failed
 * XLSX conversion never deletes a committed XML and nothing in the worktree is rewritten:
 *   1. copy the cht-conf project files to build/project;
 *   2. there, `cht --archive` (compile app settings with cht-conf's ESLint, convert and validate the forms,
 *      write the deployable docs to build/archive), offline: --skip-version-check, no instance;
 *   3. compare the converted XML with the committed forms/**.xml: stale XML fails the build
 *      (`--update-forms` copies the fresh XML back instead: npm run forms:convert);
 *   4. leave the compiled app settings at build/app_settings.json for the harness tests.
 * cht-conf's webpack writes temp files with fixed names, so each run gets its own TMPDIR.
 */
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

// CHT_SOURCE_DIR and CHT_BUILD_DIR let the tests build a modified copy of the project elsewhere.
const ROOT = process.env.CHT_SOURCE_DIR ? path.resolve(process.env.CHT_SOURCE_DIR) : path.join(__dirname, '..');
const BUILD = process.env.CHT_BUILD_DIR ? path.resolve(process.env.CHT_BUILD_DIR) : path.join(ROOT, 'build');
const PROJECT = path.join(BUILD, 'project');
const ARCHIVE = path.join(BUILD, 'archive');
const PROJECT_FILES = ['.eslintrc', 'app_settings', 'forms', 'translations', 'cht-lib', 'resources', 'resources.json',
  'contact-summary.templated.js', 'tasks.js', 'targets.js', 'purge.js'];
const FORM_DIRS = ['app', 'contact'];

const updateForms = process.argv.includes('--update-forms');
const formsOnly = process.argv.includes('--forms-only');

const xmlFiles = (dir) => FORM_DIRS.flatMap((sub) => {
  const folder = path.join(dir, 'forms', sub);
  return fs.existsSync(folder) ? fs.readdirSync(folder).filter((f) => f.endsWith('.xml')).map((f) => path.join(sub, f)) : [];
});

const run = () => {
  const started = Date.now();
  fs.rmSync(PROJECT, { recursive: true, force: true });
  if (!formsOnly) {
    fs.rmSync(ARCHIVE, { recursive: true, force: true });
  }
  fs.mkdirSync(PROJECT, { recursive: true });
  for (const name of PROJECT_FILES) {
    if (fs.existsSync(path.join(ROOT, name))) {
      fs.cpSync(path.join(ROOT, name), path.join(PROJECT, name), { recursive: true });
    }
  }
  // The copy converts from the XLSX alone.
  for (const file of xmlFiles(PROJECT)) {
    fs.rmSync(path.join(PROJECT, 'forms', file));
  }

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'echis-cht-build-'));
  const actions = formsOnly ? ['convert-app-forms', 'convert-contact-forms', 'validate-app-forms', 'validate-contact-forms'] : [];
  const args = [require.resolve('cht-conf/src/bin/index.js'), `--source=${PROJECT}`, '--skip-version-check',
    '--skip-dependency-check', ...(formsOnly ? [] : ['--archive', `--destination=${ARCHIVE}`]), ...actions];
  const result = spawnSync(process.execPath, args, {
    cwd: PROJECT,
    env: { ...process.env, TMPDIR: tmp, TMP: tmp, TEMP: tmp },
    encoding: 'utf8',
  });
  fs.rmSync(tmp, { recursive: true, force: true });
  const output = `${result.stdout || ''}${result.stderr || ''}`;
  if (result.status !== 0) {
    process.stdout.write(output);
    throw new Error(`cht exited with ${result.status}`);
  }
  // Summary only: cht-conf's full log (webpack stats) is long.
  for (const line of output.split('\n')) {
    if (/WARN|ERROR|Converting form|All actions completed/.test(line)) {
      console.log(line.trim());
    }
  }

  const built = xmlFiles(PROJECT);
  const committed = xmlFiles(ROOT);
  const stale = [...new Set([...built, ...committed])].filter((file) => {
    const a = path.join(PROJECT, 'forms', file);
    const b = path.join(ROOT, 'forms', file);
    return !fs.existsSync(a) || !fs.existsSync(b) || fs.readFileSync(a, 'utf8') !== fs.readFileSync(b, 'utf8');
  });
  if (stale.length && updateForms) {
    for (const file of stale) {
      const from = path.join(PROJECT, 'forms', file);
      if (fs.existsSync(from)) {
        fs.copyFileSync(from, path.join(ROOT, 'forms', file));
        console.log(`updated forms/${file}`);
      } else {
        fs.rmSync(path.join(ROOT, 'forms', file));
        console.log(`removed forms/${file} (no XLSX)`);
      }
    }
  } else if (stale.length) {
    throw new Error(`stale form XML (run npm run forms:convert and commit): ${stale.map((f) => `forms/${f}`).join(', ')}`);
  }
  if (!formsOnly) {
    fs.copyFileSync(path.join(PROJECT, 'app_settings.json'), path.join(BUILD, 'app_settings.json'));
    console.log(`build:config: ${path.relative(ROOT, ARCHIVE)} and build/app_settings.json written in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } else {
    console.log(`forms converted and validated in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
};

try {
  run();
} catch (e) {
  console.error(`build:config: ${e.message}`);
  process.exit(1);
}
