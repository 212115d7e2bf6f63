// Lint: typescript-eslint's type-checked recommended rules; layout is Prettier's (`npm run format`), and
// eslint-config-prettier turns off the rules that would fight it.
import eslint from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const WIDTH = 160; // as .prettierrc.json

export default tseslint.config(
  {
    ignores: ['dist/**', 'coverage/**', 'node_modules/**', 'bench/**', 'libs/client/src/schema.ts', 'libs/client/src/events-schema.ts', 'libs/client/dist/**'],
  },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: globals.node,
      parserOptions: { projectService: { allowDefaultProject: ['*.js', '*.mjs', 'test/support/*.js'] }, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // a leading underscore marks a parameter a signature requires, or a field destructured away to leave the rest
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true }],
    },
  },
  // the console runs in a browser (its tsconfig has DOM types only)
  { files: ['apps/console/src/**'], languageOptions: { globals: globals.browser } },
  {
    files: ['**/*.spec.ts', '**/*.e2e-spec.ts', 'test/**', '**/testing/**', '**/*.cases.ts'],
    rules: {
      // tests read HTTP and Redis bodies as `any` and assert on them; typing every body would add nothing the assertions do not check
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      // `expect(instance.method)` and destructured jest globals are unbound on purpose
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  {
    files: ['apps/provider-sandbox/**', 'scripts/bench/**', '**/*.spec.ts', '**/*.e2e-spec.ts', 'test/**'],
    rules: {
      // Fastify's async handlers return their reply and async hooks need no done callback; test fakes implement async interfaces
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    // plain CommonJS config and helper files: no type information to check
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
    rules: { ...tseslint.configs.disableTypeChecked.rules, '@typescript-eslint/no-require-imports': 'off' },
  },
  prettier,
  // after eslint-config-prettier, which turns it off: Prettier wraps code but not comments or long strings
  { rules: { 'max-len': ['error', { code: WIDTH, ignoreUrls: true, ignoreRegExpLiterals: true }] } },
);
