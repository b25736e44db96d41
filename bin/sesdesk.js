#!/usr/bin/env node
require('../cli/quiet-node-warning.js');
// The CLI is TypeScript run through tsx (no build step); see cli/main.ts.
require('tsx/cjs');
require('../cli/main.ts')
  .main(process.argv)
  .then((code) => {
    process.exitCode = code;
  });
