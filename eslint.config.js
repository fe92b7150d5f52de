// @ts-check
import js from '@eslint/js';
import importX, { createNodeResolver } from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

/**
 * Imports across folders go through the folder's face (`index.ts`): a deep path into a sibling
 * folder (`../x/y.js`), a child folder (`./x/y.js`) or a farther one is refused unless it names an
 * `index.js`. Files of the same folder import each other freely.
 */
const throughFaces = {
  group: ['./*/**/*.js', '../**/*.js', '!./*/**/index.js', '!../**/index.js', '!../*.js'],
  message: 'Import another folder through its face (index.ts); see DESIGN.md §1.',
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        { allowNumber: true, allowBoolean: true },
      ],
      // Rejecting with `signal.reason` (an `any`) is the platform's cancellation convention.
      '@typescript-eslint/prefer-promise-reject-errors': 'off',
      // Flags re-checks of mutable state across awaits (signal.aborted, fields) as always-false.
      '@typescript-eslint/no-unnecessary-condition': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['internal/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/src/*', '!**/src/types.js'],
              message: 'internal/ never imports src/ (type-only imports of src/types.js aside).',
            },
            { group: ['**/cmd/*'], message: 'internal/ never imports cmd/.' },
            throughFaces,
          ],
        },
      ],
    },
  },
  {
    files: ['src/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [{ group: ['**/cmd/*'], message: 'src/ never imports cmd/.' }, throughFaces],
        },
      ],
    },
  },
  {
    files: ['cmd/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/src/**/*.js', '!**/src/index.js', '!**/src/wiring/index.js'],
              message:
                'cmd/ imports src/ through its public face (src/index.ts) or its internal face (src/wiring/index.ts).',
            },
            // commands/ and daemon/ are one program and share pieces directly.
            { ...throughFaces, group: ['**/internal/**/*.js', '!**/internal/**/index.js'] },
          ],
        },
      ],
    },
  },
  {
    // No import cycles between modules (type-only imports aside: they vanish at run time).
    files: ['**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/extensions': ['.ts', '.js'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/resolver-next': [
        createNodeResolver({ extensions: ['.ts', '.js'], extensionAlias: { '.js': ['.ts', '.js'] } }),
      ],
    },
    rules: { 'import-x/no-cycle': ['error', { ignoreExternal: true }] },
  },
  {
    // HTTP reads and waits through Stream and StreamCursor only: the channel log belongs to streams/.
    files: ['internal/http/**/*.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: 'MemberExpression[property.name=/^(own|spans|log)$/]',
          message:
            'internal/http reads and waits through Stream and StreamCursor, never a channel log (DESIGN.md §3.2).',
        },
      ],
    },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
      },
    },
  },
  {
    // The web console's page: browser modules.
    files: ['ui/**/*.js'],
    languageOptions: {
      globals: {
        document: 'readonly',
        location: 'readonly',
        sessionStorage: 'readonly',
        fetch: 'readonly',
        addEventListener: 'readonly',
        HTMLElement: 'readonly',
        HTMLInputElement: 'readonly',
        HTMLDialogElement: 'readonly',
        Node: 'readonly',
        Event: 'readonly',
        Element: 'readonly',
        HTMLDetailsElement: 'readonly',
        AbortController: 'readonly',
        TextDecoderStream: 'readonly',
        setTimeout: 'readonly',
      },
    },
  },
);
