// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Imports each layer may not make (DESIGN.md "Layers": an import only ever points down). */
const layer = (/** @type {string[]} */ forbidden, /** @type {string[]} */ extra = []) => ({
  'no-restricted-imports': [
    'error',
    {
      patterns: [
        ...forbidden.map((l) => ({
          group: [`**/${l}/*`, `**/${l}`, `../${l}/*`],
          message: `this layer may not import ${l}/ (DESIGN.md, Layers)`,
        })),
        ...extra.map((m) => ({ group: [m], message: `${m} is not allowed in this layer` })),
      ],
    },
  ],
});

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'test-output/**'] },
  js.configs.recommended,
  {
    files: ['**/*.ts'],
    extends: [...tseslint.configs.strictTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'max-lines': ['error', { max: 500, skipBlankLines: true, skipComments: true }],
      'max-lines-per-function': ['error', { max: 80, skipBlankLines: true, skipComments: true }],
    },
  },
  {
    // Tests may be long: a suite is one function. Everything else still applies.
    files: ['**/*.test.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      'max-lines-per-function': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['test', 'it', 'describe', 'suite'] },
          ],
        },
      ],
    },
  },
  {
    files: ['src/core/**/*.ts'],
    ignores: ['src/core/clock.ts', 'src/core/**/*.test.ts'],
    rules: {
      ...layer(
        [
          'upstream',
          'state',
          'router',
          'cost',
          'cache',
          'telemetry',
          'gateway',
          'batch',
          'sim',
          'cli',
          'config',
        ],
        ['node:*', 'undici', 'ioredis', 'prom-client', 'pino'],
      ),
      'no-restricted-globals': [
        'error',
        { name: 'setTimeout', message: 'core/ is clock-injected: use Clock' },
        { name: 'setInterval', message: 'core/ is clock-injected: use Clock' },
        { name: 'fetch', message: 'core/ does no I/O' },
        { name: 'performance', message: 'core/ is clock-injected: use Clock' },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'core/ is clock-injected: use Clock' },
      ],
    },
  },
  {
    files: ['src/upstream/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: layer([
      'state',
      'router',
      'cost',
      'cache',
      'telemetry',
      'gateway',
      'batch',
      'sim',
      'cli',
      'config',
    ]),
  },
  {
    files: ['src/state/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: layer([
      'upstream',
      'router',
      'cost',
      'cache',
      'telemetry',
      'gateway',
      'batch',
      'sim',
      'cli',
      'config',
    ]),
  },
  {
    files: ['src/router/**/*.ts', 'src/cost/**/*.ts', 'src/cache/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: layer(['telemetry', 'gateway', 'batch', 'sim', 'cli', 'config']),
  },
  {
    files: ['src/telemetry/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: layer(['gateway', 'batch', 'sim', 'cli', 'config']),
  },
  {
    files: ['src/gateway/**/*.ts', 'src/batch/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: layer(['sim', 'cli', 'config']),
  },
  {
    files: ['src/sim/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: layer([
      'core',
      'upstream',
      'state',
      'router',
      'cost',
      'cache',
      'telemetry',
      'gateway',
      'batch',
      'cli',
      'config',
    ]),
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
);
