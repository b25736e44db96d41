/** Jest runs three tiers: pure unit + corpus tests, CDK infra tests, and integration tests
 * that start DynamoDB Local, s3rver and aws-ses-v2-local themselves (global setup). */
// Global setup runs in this process: keep the SDK's Node 22 notice out of its output too.
require('./cli/quiet-node-warning.js');

const tsJest = ['ts-jest', { tsconfig: 'tsconfig.json' }];
const common = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': tsJest },
  moduleFileExtensions: ['ts', 'js', 'json'],
  setupFiles: ['<rootDir>/cli/quiet-node-warning.js'],
  setupFilesAfterEnv: ['<rootDir>/test/support/isolation.ts'],
};
module.exports = {
  // A ceiling for a hung test, not a speed goal (those live in `npm run bench`): tests wait for
  // events, and on a busy 2-core machine a stack start or a CDK synth can take minutes.
  testTimeout: 300_000,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts', '<rootDir>/test/corpus/**/*.test.ts'] },
    { ...common, displayName: 'infra', testMatch: ['<rootDir>/test/infra/**/*.test.ts'] },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      globalSetup: '<rootDir>/test/integration/global-setup.ts',
      globalTeardown: '<rootDir>/test/integration/global-teardown.ts',
    },
  ],
};
