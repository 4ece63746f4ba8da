// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'data/', 'coverage/', 'static/vendor/', 'dist/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['server/domain/**/*.ts'],
    rules: {
      // The domain stays pure: no I/O, no framework.
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['fastify', '@fastify/*', 'kysely', 'pg', 'node:fs', 'node:fs/*', 'fs', 'node:net', 'node:http'], message: 'server/domain is pure: no I/O.' },
            { group: ['../data/*', '../routes/*', '../plugins/*'], message: 'server/domain imports nothing from the app.' },
          ],
        },
      ],
    },
  },
  {
    files: ['static/js/**/*.js'],
    languageOptions: {
      sourceType: 'script',
      globals: { window: 'readonly', document: 'readonly', htmx: 'readonly', Chart: 'readonly', getComputedStyle: 'readonly' },
    },
  },
);
