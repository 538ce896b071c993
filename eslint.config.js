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

/**
 * The layers, lowest first (DESIGN.md "Layers", with config/ moved down: the schema is the shared
 * contract every layer reads, and it needs nothing above core/ and cost/'s price table).
 * A layer may import only layers listed before it.
 */
const LAYERS = [
  ['core'],
  ['cost'],
  ['config'],
  ['upstream', 'state'],
  ['router', 'cache'],
  ['telemetry'],
  ['engine'],
  ['gateway', 'batch'],
  ['cli'],
];
/** Every layer at the same level as `name` or above it (upstream and state are peers, etc.). */
const above = (/** @type {string} */ name) => {
  const level = LAYERS.findIndex((group) => group.includes(name));
  return [
    ...LAYERS.slice(level)
      .flat()
      .filter((l) => l !== name),
    'sim',
  ];
};

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'coverage/**',
      'test-output/**',
      'bench/.build/**',
      // The adapters for the peers need bench/'s own dependencies (bench/package.json), which a
      // plain `npm ci` does not install: `npm run bench:lint` installs them and lints these.
      'bench/core/opossum.ts',
      'bench/core/cockatiel.ts',
      'bench/gateway/load.ts',
    ],
  },
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
    files: ['**/*.test.ts', 'test/**/*.ts', 'bench/**/*.ts', 'chaos/**/*.ts'],
    rules: {
      'max-lines-per-function': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      // Fakes implement async interfaces without awaiting anything.
      '@typescript-eslint/require-await': 'off',
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
      ...layer(above('core'), ['node:*', 'undici', 'ioredis', 'prom-client', 'pino']),
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
  ...[
    'cost',
    'config',
    'upstream',
    'state',
    'router',
    'cache',
    'telemetry',
    'engine',
    'gateway',
    'batch',
  ].map((name) => ({
    files: [`src/${name}/**/*.ts`],
    ignores: ['**/*.test.ts'],
    rules: layer(above(name)),
  })),
  {
    files: ['src/sim/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: layer(LAYERS.flat().filter((l) => l !== 'sim')),
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
);
