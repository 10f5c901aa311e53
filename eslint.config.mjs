// Lint rules for our own code; the generated CRD bindings in lib/imports are not linted.
import importPlugin from 'eslint-plugin-import';
import tseslint from 'typescript-eslint';

/**
 * One direction for every import: lib/ (the library) imports nothing above it; constructs/ import lib/; stacks/
 * (compositions and entry points) import both; tools/ (developer scripts) may import the product; test/ may import
 * anything. Nothing in the product imports tools/ or test/. test/lint/layering.test.ts shows a violation is caught.
 */
export const LAYERS = {
  lib: ['constructs', 'stacks', 'tools', 'test'],
  constructs: ['stacks', 'tools', 'test'],
  stacks: ['tools', 'test'],
  tools: ['test'],
};

const layering = {
  files: ['**/*.ts'],
  plugins: { import: importPlugin },
  settings: { 'import/resolver': { node: { extensions: ['.ts', '.js', '.json'] } } },
  rules: {
    'import/no-restricted-paths': ['error', {
      zones: Object.entries(LAYERS).map(([target, from]) => ({
        target: `./${target}`,
        from: from.map((f) => `./${f}`),
        message: `${target}/ may not import ${from.join('/, ')}/ (see LAYERS in eslint.config.mjs).`,
      })),
    }],
  },
};

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', '.cdk8s-synth/**', 'lib/imports/*.ts', '.cluster/**', 'coverage/**'] },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/prefer-nullish-coalescing': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'eqeqeq': ['error', 'always'],
      'max-len': ['error', { code: 150, ignoreUrls: true, ignoreStrings: true, ignoreTemplateLiterals: true }],
      'quotes': ['error', 'single', { avoidEscape: true }],
    },
  },
  layering,
  {
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
);
