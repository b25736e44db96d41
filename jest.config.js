/** Jest runs three tiers: pure unit + corpus tests, CDK infra tests, and integration tests
 * that start DynamoDB Local, s3rver and aws-ses-v2-local themselves (global setup). */
// The AWS SDK warns, once per process, that its releases from January 2027 need Node 22; it
// says nothing on Node 22 or 24, which sesdesk supports. The suite also runs on Node 20 (end of
// life, not supported, but the Node of some development machines): there, the SDK's own switch
// keeps that one notice out of every test worker's output (workers and the CLI processes tests
// start inherit it). `sesdesk` itself does not hide it: a user on Node 20 should read it.
if (Number(process.versions.node.split('.')[0]) < 22) process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const tsJest = ['ts-jest', { tsconfig: 'tsconfig.json' }];
const common = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': tsJest },
  moduleFileExtensions: ['ts', 'js', 'json'],
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
