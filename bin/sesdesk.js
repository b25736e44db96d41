#!/usr/bin/env node
// The AWS SDK warns on every run that it will need Node 22 from 2027; the CLI runs fine on
// Node 20 today, so that one warning is kept off the terminal. Every other warning is shown.
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = (warning, ...rest) => {
  const text = typeof warning === 'string' ? warning : warning && warning.message;
  const type = typeof rest[0] === 'string' ? rest[0] : rest[0] && rest[0].type;
  if (type === 'NodeVersionSupportWarning' || /NodeVersionSupportWarning|require node >=22/.test(String(text))) return;
  emitWarning(warning, ...rest);
};
// The CLI is TypeScript run through tsx (no build step); see cli/main.ts.
require('tsx/cjs');
require('../cli/main.ts')
  .main(process.argv)
  .then((code) => {
    process.exitCode = code;
  });
