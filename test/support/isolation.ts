/**
 * Runs after every test of every project (jest.config.js `setupFilesAfterEnv`): a test must not
 * leave `process.exitCode` set. Jest's sandbox shares it with the real process, so a leftover
 * exit code changes what later tests of the same file read, and makes a run whose tests all
 * passed exit 1 when jest runs them in its own process (`--runInBand`).
 */
afterEach(() => {
  const left = process.exitCode;
  process.exitCode = undefined;
  if (left !== undefined) throw new Error(`the test left process.exitCode = ${String(left)}: return exit codes instead`);
});
