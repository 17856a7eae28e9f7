/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  // One worker per core (jest's default leaves one core to its own process, which does little):
  // on two cores the unit suite takes about half the time, and the end-to-end suites run side by side.
  maxWorkers: '100%',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  // The tools import the publisher by its package name; in the repository that is its source.
  moduleNameMapper: { '^cdk-event-pipeline-publisher$': '<rootDir>/packages/publisher/src/index.ts' },
  snapshotSerializers: ['<rootDir>/test/helpers/asset-hash-serializer.js'],
};
