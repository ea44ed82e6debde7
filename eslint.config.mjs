// Lint for the TypeScript sources and tests, and for the plain-JS build scripts and harness tests. The CHT
// configuration code (contact summary, tasks, targets, cht-lib/) is linted by cht-conf's own ESLint 8 run with
// `.eslintrc` when the app is built (npm run build:config), where any lint message fails the build.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: ['dist/**', 'build/**', 'node_modules/**', '**/*.mjs', '.tmp/**',
      'contact-summary.templated.js', 'tasks.js', 'targets.js', 'cht-lib/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      'no-console': 'error',
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      // Style only: `() => resolve()` and a typed JSON reader read better than their rewrites.
      '@typescript-eslint/no-confusing-void-expression': 'off',
      '@typescript-eslint/no-unnecessary-type-parameters': 'off',
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      // chai's `expect(x).to.be.true` style and sinon stubs read as unused expressions and unbound methods.
      '@typescript-eslint/no-unused-expressions': 'off',
      '@typescript-eslint/unbound-method': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    files: ['**/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      sourceType: 'commonjs',
      globals: {
        require: 'readonly', module: 'writable', __dirname: 'readonly', process: 'readonly', console: 'readonly',
        describe: 'readonly', it: 'readonly', before: 'readonly', after: 'readonly', beforeEach: 'readonly',
        afterEach: 'readonly',
      },
    },
    rules: {
      ...tseslint.configs.disableTypeChecked.rules,
      '@typescript-eslint/no-require-imports': 'off',
      '@typescript-eslint/no-unused-expressions': 'off',
    },
  },
  {
    // Command-line scripts report on the console.
    files: ['scripts/**/*.js'],
    rules: { 'no-console': 'off' },
  },
);
