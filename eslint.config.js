import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', '.local/', 'coverage/', 'charts/', 'crds/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      eqeqeq: ['error', 'smart'],
    },
  },
  {
    // The dashboard page's script runs in the browser, as a classic script.
    files: ['operator/dashboard/assets/**/*.js'],
    languageOptions: { sourceType: 'script', globals: { document: 'readonly', EventSource: 'readonly', console: 'readonly' } },
  },
  {
    // The kubectl-drm launcher is CommonJS on purpose: any Node version must be able to load it.
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', __dirname: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
