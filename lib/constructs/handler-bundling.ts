import { dirname, join } from 'node:path';

const REPO_ROOT = join(__dirname, '..', '..');

/**
 * How every handler is bundled, shared by the CDK functions and by `npm run bench` so the
 * benchmark loads exactly what Lambda loads.
 *
 * - The AWS SDK is bundled, not left to the runtime's copy: the version deployed is the one the
 *   tests ran, and with `module` first esbuild takes the SDK's ES builds and drops the commands
 *   and models a handler never uses (the runtime's copy loads whole CommonJS clients; about 35 ms
 *   more per cold start in bench/).
 * - The credential providers Lambda never reaches stay out too. A function's credentials are in
 *   its environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), which the
 *   default chain tries first; SSO, ini files, credential processes, web identity, container
 *   and instance metadata are `await import(...)`ed only after that fails, so a function never
 *   loads them; were its environment ever without credentials, the error would name the
 *   package it could not load (test/infra/bundling.test.ts). Together with the STS/SSO clients
 *   they pull in (`nested-clients`) that is ~90 KB no cold start has to compile.
 * - Modules the mail parser loads with itself but needs only for some mails (`DEFERRED_MODULES`)
 *   are bundled into files of their own beside the handler and loaded on first use.
 * - iconv-lite's double-byte tables (Shift_JIS, GBK, Big5, EUC-KR ...; 390 KB) stay out of the
 *   bundle as JSON files beside it. iconv-lite requires each one only when a mail in that
 *   charset arrives, so the common cold start no longer compiles them.
 */
export const HANDLER_BUNDLING = {
  target: 'node24',
  minify: true,
  sourceMap: true,
  mainFields: ['module', 'main'],
  externalModules: [
    './tables/*',
    './deferred/*',
    '@aws-sdk/credential-provider-http',
    '@aws-sdk/credential-provider-ini',
    '@aws-sdk/credential-provider-login',
    '@aws-sdk/credential-provider-process',
    '@aws-sdk/credential-provider-sso',
    '@aws-sdk/credential-provider-web-identity',
    '@aws-sdk/nested-clients',
    '@aws-sdk/token-providers',
    '@smithy/credential-provider-imds',
  ],
} as const;

/** iconv-lite's table directory; its files go to `tables/` beside each bundle. */
export function iconvTablesDir(): string {
  return join(dirname(require.resolve('iconv-lite/package.json')), 'encodings', 'tables');
}

/**
 * Modules that mailparser and libmime require as they load but use only for some mails, each
 * with the package whose copy is meant. In a function bundle the name is aliased to a
 * stand-in in lambdas/mail/deferred/, and the module itself is bundled into
 * `deferred/<name>.js` beside the handler, which the stand-in requires on first use: about a
 * quarter of the ingest function's load time (docs/operations.md, "Cold starts").
 *
 * - html-to-text (with htmlparser2 and its entity tables): only for a mail with HTML and no
 *   plain-text part.
 * - linkify-it: only for turning plain text into HTML, which sesdesk does not ask for.
 * - encoding-japanese: only for ISO-2022-JP, Shift_JIS and EUC-JP text.
 */
export const DEFERRED_MODULES = {
  'html-to-text': 'mailparser',
  'linkify-it': 'mailparser',
  'encoding-japanese': 'libmime',
} as const;

/** esbuild aliases: each deferred module's name to its stand-in. */
export function deferredAliases(): Record<string, string> {
  return Object.fromEntries(Object.keys(DEFERRED_MODULES).map((name) => [name, join(REPO_ROOT, 'lambdas', 'mail', 'deferred', `${name}.ts`)]));
}

const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * The shell commands that complete a function's asset once esbuild has written `index.js`
 * into `outputDir`: iconv-lite's tables, and one file per deferred module, bundled with the
 * handler's own target. The CDK runs them after bundling, and so does `npm run bench`.
 */
export function afterBundlingCommands(outputDir: string): string[] {
  const esbuild = join(dirname(require.resolve('esbuild/package.json')), 'bin', 'esbuild');
  const deferred = Object.entries(DEFERRED_MODULES).map(([name, from]) => {
    const entry = require.resolve(name, { paths: [dirname(require.resolve(from))] });
    return [
      esbuild,
      '--bundle',
      entry,
      `--outfile=${join(outputDir, 'deferred', `${name}.js`)}`,
      '--platform=node',
      '--format=cjs',
      `--target=${HANDLER_BUNDLING.target}`,
      `--main-fields=${HANDLER_BUNDLING.mainFields.join(',')}`,
      '--minify',
      '--sourcemap',
      '--log-level=warning',
    ]
      .map(quote)
      .join(' ');
  });
  return [`cp -R ${quote(iconvTablesDir())} ${quote(join(outputDir, 'tables'))}`, ...deferred];
}
