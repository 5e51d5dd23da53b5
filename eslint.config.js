// Typed linting (typescript-eslint with type information) for sdk, server, agent, cli,
// examples, test and scripts; `npm run lint`, part of `npm test`. One project service finds each
// file's tsconfig (scripts/tsconfig.json covers the plain-JS scripts). Rule decisions are
// written beside each rule below; no file is exempt except generated code and build output.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

// The rules that judge promises: on everywhere, the plain-JS files included.
const PROMISE_RULES = [
  '@typescript-eslint/no-floating-promises',
  '@typescript-eslint/no-misused-promises',
  '@typescript-eslint/await-thenable',
];

export default defineConfig(
  { ignores: ['**/node_modules/', '**/dist/', 'sdk/src/generated/', 'otherix-data/', '.bench/'] },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['eslint.config.js', '*/bin/*.js'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // The classic async-server bugs; in the recommended set, named here so they stay on.
      ...Object.fromEntries(PROMISE_RULES.map((rule) => [rule, 'error'])),
      '@typescript-eslint/no-unnecessary-type-assertion': 'error',
      // verbatimModuleSyntax keeps type imports apart; this keeps them as `import type` lines.
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'separate-type-imports' }],
      // `async` without `await` is deliberate here: Fastify plugins, hooks and route handlers are
      // async functions by contract, and an async method turns a throw into a rejection, which its
      // callers rely on. Dropping `async` to please the rule would change behaviour.
      '@typescript-eslint/require-await': 'off',
      // `const { secret: _s, ...rest } = row` is how the code drops a field; tsc's noUnused* already
      // report every other unused name.
      // A test registers its teardown before the one assignment it reads (`let second` then
      // `second = await spawn...`): that stays `let`, or the teardown would meet the TDZ.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true, argsIgnorePattern: '^_' }],
      // Prettier wraps code at 140 but leaves comments alone: they keep the width too. A message in
      // one string or template stays whole, so a person can grep the source for what they saw.
      'max-len': ['error', { code: 140, ignoreStrings: true, ignoreTemplateLiterals: true, ignoreRegExpLiterals: true, ignoreUrls: true }],
    },
  },
  {
    // Tests read the wire JSON as `any` on purpose (api<T = any>() in test/harness): they assert
    // the document the server sent, which the types would only restate. The no-unsafe-* rules
    // track exactly that `any`, so they are off for tests, and so is no-explicit-any.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    // Plain JavaScript (scripts, bin shims, this file), type-checked without checkJs: its types are
    // guesses, so of the type-aware rules only the promise rules stay on (a promise is a promise
    // whatever else is inferred).
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: { globals: globals.node },
    rules: Object.fromEntries(
      Object.entries(tseslint.configs.disableTypeChecked.rules ?? {}).filter(([rule]) => !PROMISE_RULES.includes(rule)),
    ),
  },
);
