// The AWS SDK warns in every process (CLI, test workers) that it will need Node 22 from 2027;
// tests run fine today, so that one warning is kept out of the test output. Others still show.
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = (warning, ...rest) => {
  const text = typeof warning === 'string' ? warning : warning && warning.message;
  const type = typeof rest[0] === 'string' ? rest[0] : rest[0] && rest[0].type;
  if (type === 'NodeVersionSupportWarning' || /NodeVersionSupportWarning|require node >=22/.test(String(text))) return;
  emitWarning(warning, ...rest);
};
