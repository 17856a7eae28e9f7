// Lint rules that catch real bugs: floating promises, misused promises, and a stable import order.
import js from '@eslint/js';
import importX from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'assets/', 'cdk.out/', 'coverage/', '**/*.js', '**/*.mjs', '**/*.cjs', 'test/consumer/app/', 'bench/baseline/', '**/dist/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { 'import-x': importX },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'import-x/order': [
        'error',
        {
          groups: ['builtin', 'external', 'internal', 'parent', 'sibling', 'index'],
          alphabetize: { order: 'asc', caseInsensitive: true },
          'newlines-between': 'never',
        },
      ],
      'import-x/no-duplicates': 'error',
    },
  },
  {
    // Handlers never import the CDK; constructs never import handler code. Handlers take the
    // wire contract (envelope, failure attributes) from the publisher package's sources,
    // bundled into assets/ at build time.
    files: ['lambda/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['aws-cdk-lib', 'aws-cdk-lib/*', 'constructs', '**/lib/*', '**/tools/**', 'cdk-event-pipeline-tools'] }],
    },
  },
  {
    // The constructs stand alone: only aws-cdk-lib and constructs.
    files: ['lib/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: ['**/lambda/*', '**/packages/**', 'cdk-event-pipeline-*'] }] },
  },
  {
    // Each package is one folder; imports point one way: tools -> publisher, by package name.
    files: ['packages/publisher/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['**/lib/**', '**/lambda/**', '**/tools/**', '**/packages/**', 'cdk-event-pipeline-tools', 'aws-cdk-lib', 'aws-cdk-lib/*'] }],
    },
  },
  {
    files: ['packages/tools/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['**/lib/**', '**/lambda/**', '**/publisher/**', '**/packages/**', 'aws-cdk-lib', 'aws-cdk-lib/*'] }],
    },
  },
);
