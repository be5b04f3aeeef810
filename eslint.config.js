// ESLint 9 flat config. TypeScript gets typescript-eslint's recommended rules plus the type-aware
// rules that catch real bugs in async byte-stream code (a promise nobody awaits, a promise passed
// where a callback's return value is ignored, awaiting a non-promise, throwing a non-Error).
// The wholesale `no-unsafe-*` family is left off: the MicroPython wasm API and parsed JSON are
// `unknown`/`any` at their edges by nature, and the code narrows them with zod or checks.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** The Node.js globals our plain-JS scripts use (no extra dependency for a globals list). */
const nodeGlobals = Object.fromEntries(
  [
    'AbortController', 'AbortSignal', 'Buffer', 'URL', 'TextDecoder', 'TextEncoder', 'console', 'process',
    'performance', 'queueMicrotask', 'setImmediate', 'clearImmediate', 'setInterval', 'clearInterval',
    'setTimeout', 'clearTimeout', 'structuredClone',
  ].map((name) => [name, 'readonly']),
);

export default tseslint.config(
  {
    ignores: ['dist/', 'node_modules/', '.tmp/', '.scratch*/', 'coverage/', 'certs/', 'reports/', '**/*.py', '*.tgz'],
  },
  js.configs.recommended,
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.recommended],
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false, attributes: false } }],
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/only-throw-error': 'error',
      // Forwarding an `unknown` failure from a stream's error callback is fine; inventing a non-Error is not.
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingUnknown: true }],
      '@typescript-eslint/return-await': ['error', 'in-try-catch'],
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // A callback may read a `let` that is assigned once, later (e.g. a handle known only after load).
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      // Control characters are the protocol here (Ctrl-A … Ctrl-E in byte patterns).
      'no-control-regex': 'off',
      // TypeScript checks identifiers itself (and knows about type-only globals).
      'no-undef': 'off',
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      // chai's `expect(x).to.be.true` is an expression statement by design.
      '@typescript-eslint/no-unused-expressions': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { sourceType: 'module', globals: nodeGlobals },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { ...nodeGlobals, require: 'readonly', module: 'writable' } },
  },
);
