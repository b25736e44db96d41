// ESLint (flat config): typescript-eslint's type-aware recommended rules on every TypeScript
// file tsconfig.json covers, the plain recommended rules on the few CommonJS scripts.
// `npm run lint`; .ci/run runs it with the type check before the tests.
import comments from '@eslint-community/eslint-plugin-eslint-comments/configs';
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'cdk.out/', 'coverage/', '.jest-tmp/', '.sesdesk/'] },
  { linterOptions: { reportUnusedDisableDirectives: 'error' } },
  {
    // A disable comment names its rule and says after `--` why the line needs it.
    ...comments.recommended,
    rules: { ...comments.recommended.rules, '@eslint-community/eslint-comments/require-description': 'error' },
  },
  {
    files: ['**/*.ts'],
    extends: [js.configs.recommended, ...tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // Promise-returning ports (repositories, schedulers, mailers) are implemented by fakes and
      // no-op stand-ins as `async` methods that need no await: `async` is what turns a throw into
      // a rejection there. The bug this rule looks for, a forgotten await, is what
      // no-floating-promises and no-misused-promises (both on) catch.
      '@typescript-eslint/require-await': 'off',
      // `import x = require('x')` is how the mail parser takes CommonJS builds on purpose
      // (lambdas/mail/parse-message.ts says why); a bare require() still needs a reason.
      '@typescript-eslint/no-require-imports': ['error', { allowAsImport: true }],
      // `const { content: _content, ...info } = a` is how an object loses a field.
      '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true, argsIgnorePattern: '^_' }],
    },
  },
  {
    // Tests read CloudFormation templates, CLI --json output and corpus expectations: untyped
    // JSON whose shape is exactly what their expect() calls check. Typing it first would restate
    // each assertion as a cast; the other type-aware rules (floating promises, thenables,
    // unnecessary assertions...) stay on for tests.
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
    files: ['**/*.js'],
    extends: [js.configs.recommended],
    languageOptions: { sourceType: 'commonjs', globals: { ...globals.node } },
  },
  {
    files: ['**/*.mjs'],
    extends: [js.configs.recommended],
    languageOptions: { sourceType: 'module', globals: { ...globals.node } },
  },
);
