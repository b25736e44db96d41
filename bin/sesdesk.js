#!/usr/bin/env node
'use strict';
// The CLI runs as compiled JavaScript from dist/cli/ (scripts/build-cli.js, run by `npm ci`).
// In a checkout whose sources changed since that build, it is rebuilt first (~1 s, once).
const { join } = require('node:path');

const root = join(__dirname, '..');
const build = require('../scripts/build-cli.js');

async function run() {
  const stale = build.staleReason(root);
  if (stale !== null) {
    try {
      await build.buildCli();
    } catch (error) {
      process.stderr.write(`sesdesk: ${stale} and building it failed (run \`npm run build\`): ${error instanceof Error ? error.message : String(error)}\n`);
      return 1;
    }
  }
  return require(join(root, 'dist', 'cli', 'main.js')).main(process.argv);
}

run().then((code) => {
  process.exitCode = code;
});
