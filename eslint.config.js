import js from '@eslint/js'
import globals from 'globals'
import tseslint from 'typescript-eslint'
import prettier from 'eslint-config-prettier'

// fp-ts and io-ts have no exports map: deep imports must name lib/<Module>.js under native ESM.
const esmPatterns = [
  {group: ['fp-ts/*', '!fp-ts/lib'], message: 'fp-ts has no exports map: import from fp-ts/lib/<Module>.js'},
  {group: ['io-ts/*', '!io-ts/lib'], message: 'io-ts has no exports map: import from io-ts/lib/<Module>.js'},
]

export default tseslint.config(
  {ignores: ['lib/', 'node_modules/', 'tmp/', 'dist/', '.ci/tools/']},
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {globals: {...globals.node}},
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', {argsIgnorePattern: '^_', varsIgnorePattern: '^_'}],
      'no-restricted-imports': ['error', {patterns: esmPatterns}],
    },
  },
  {
    // Layers only point down: src/lib never reaches up into commands, and never into the test fakes.
    files: ['src/lib/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...esmPatterns,
            {group: ['**/commands/**', '**/base-command*'], message: 'src/lib must not import from the command layer'},
            {group: ['**/test/**'], message: 'src/ never imports the test fakes'},
          ],
        },
      ],
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: {'@typescript-eslint/no-unused-expressions': 'off'},
  },
  // Formatting is prettier's: the style rules that would fight it are off.
  prettier,
)
