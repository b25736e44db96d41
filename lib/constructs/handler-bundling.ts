import { cpSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { build, type BuildOptions, type Plugin } from 'esbuild';

const REPO_ROOT = join(__dirname, '..', '..');

/**
 * How every handler is bundled. `bundleHandler` below is the one bundler: the CDK functions run
 * it (desk-function.ts, through bundle-handler-cli.ts) and so do `npm run bench` and the
 * bundling tests, so what is measured and tested is what Lambda loads.
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
 * - The SDK's schema files get their string constants inlined where they are used as computed
 *   keys (`inlineSdkSchemaKeys`), so that esbuild can drop the schemas of operations a handler
 *   never calls.
 * - libmime no longer builds the GBK codec as it loads (`libmimeDbcsDecoderWithoutTable`).
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

/** iconv-lite's table directory; its files go to `tables/` beside a bundle that has iconv-lite. */
function iconvTablesDir(): string {
  return join(dirname(require.resolve('iconv-lite/package.json')), 'encodings', 'tables');
}

/**
 * Modules that mailparser and libmime require as they load but use only for some mails, each
 * with the package whose copy is meant. In a function bundle the name is aliased to a
 * stand-in in lambdas/mail/deferred/, and the module itself is bundled into
 * `deferred/<name>.js` beside the handler, which the stand-in requires on first use: about a
 * fifth of the ingest function's load time (docs/operations.md, "Cold starts").
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

// Forward slashes: esbuild's metafile writes paths that way on every platform.
const standIn = (name: string): string => `lambdas/mail/deferred/${name}.ts`;

/** esbuild aliases: each deferred module's name to its stand-in. */
export function deferredAliases(): Record<string, string> {
  return Object.fromEntries(Object.keys(DEFERRED_MODULES).map((name) => [name, join(REPO_ROOT, standIn(name))]));
}

/**
 * The SDK clients' schema files (`dist-es/schemas/schemas_0.js`) define every operation of the
 * service as a module-level array, which esbuild drops when nothing uses it, but most of those
 * arrays hold an object with a computed key (`{ [_h]: ["GET", "/{Key+}?x-id=GetObject", 200] }`,
 * `_h` being `const _h = "http"`), and a computed key may run code, so esbuild keeps them all:
 * ~115 KB of S3 and SESv2 operations no handler calls. This plugin writes each such key as the
 * string literal its constant holds, which is the same object, and the unused schemas fall away.
 */
export const inlineSdkSchemaKeys: Plugin = {
  name: 'inline-sdk-schema-keys',
  setup(b) {
    b.onLoad({ filter: /[\\/]@aws-sdk[\\/]client-[^\\/]+[\\/]dist-es[\\/]schemas[\\/]schemas_\d+\.js$/ }, (args) => ({
      contents: inlineComputedKeys(readFileSync(args.path, 'utf8')),
      loader: 'js',
    }));
  },
};

/** `{ [_h]: x }` to `{ "http": x }` wherever `_h` is a module-level `const` string literal. */
export function inlineComputedKeys(source: string): string {
  const strings = new Map<string, string>();
  for (const m of source.matchAll(/^const (_\w+) = ("(?:[^"\\\n]|\\.)*");$/gm)) strings.set(m[1], m[2]);
  return source.replace(/([{,]\s*)\[(_\w+)\]:/g, (all, before: string, name: string) => {
    const literal = strings.get(name);
    return literal === undefined ? all : `${before}${literal}:`;
  });
}

/**
 * libmime builds iconv-lite's whole GBK codec when it loads (reading and indexing a 47 KB table,
 * 3-9 ms of every ingest cold start) only to keep a reference to the decoder class all of
 * iconv-lite's double-byte codecs share, which it compares codecs against later. This plugin
 * takes that class from where iconv-lite defines it instead (`encodings._dbcs`, the DBCS codec's
 * prototype), which is the same function (test/infra/bundling.test.ts), without building a
 * table. The bundle fails if libmime's line is no longer there to replace.
 */
export const LIBMIME_DBCS_DECODER = {
  original: "iconv_lite_1.default.getCodec('gbk').decoder",
  replacement: "(iconv_lite_1.default.getCodec('latin1'), iconv_lite_1.default.encodings._dbcs.prototype.decoder)",
} as const;

export const libmimeDbcsDecoderWithoutTable: Plugin = {
  name: 'libmime-dbcs-decoder-without-table',
  setup(b) {
    b.onLoad({ filter: /[\\/]libmime[\\/]dist[\\/]cjs[\\/]charset\.js$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      if (!source.includes(LIBMIME_DBCS_DECODER.original)) {
        throw new Error(`${args.path} no longer contains ${LIBMIME_DBCS_DECODER.original}: review libmimeDbcsDecoderWithoutTable`);
      }
      return { contents: source.replace(LIBMIME_DBCS_DECODER.original, LIBMIME_DBCS_DECODER.replacement), loader: 'js' };
    });
  },
};

export interface HandlerBundle {
  /** `<outDir>/index.js`. */
  file: string;
  bytes: number;
  /** Minified bytes per package (`src` for sesdesk's own code), largest first. */
  packages: Array<[string, number]>;
}

const common: BuildOptions = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: HANDLER_BUNDLING.target,
  minify: HANDLER_BUNDLING.minify,
  sourcemap: HANDLER_BUNDLING.sourceMap,
  mainFields: [...HANDLER_BUNDLING.mainFields],
  nodePaths: [join(REPO_ROOT, 'node_modules')],
  logLevel: 'warning',
};

/**
 * Bundles the handler `entry` into `<outDir>/index.js` (with its source map), then completes
 * the asset with what the bundle requires at run time: iconv-lite's tables in `tables/` when it
 * has iconv-lite, and each deferred module whose stand-in it has in `deferred/<name>.js` (the
 * timer functions need neither). Entries outside this repository resolve packages from its
 * node_modules.
 */
export async function bundleHandler(entry: string, outDir: string): Promise<HandlerBundle> {
  const file = join(outDir, 'index.js');
  const result = await build({
    ...common,
    entryPoints: [entry],
    outfile: file,
    external: [...HANDLER_BUNDLING.externalModules],
    alias: deferredAliases(),
    plugins: [inlineSdkSchemaKeys, libmimeDbcsDecoderWithoutTable],
    metafile: true,
  });
  const inputs = Object.values(result.metafile.outputs).find((o) => o.entryPoint)?.inputs ?? {};
  const bundled = (path: string): boolean => Object.keys(inputs).some((input) => input.endsWith(path));
  if (bundled('node_modules/iconv-lite/lib/index.js')) cpSync(iconvTablesDir(), join(outDir, 'tables'), { recursive: true });
  for (const [name, from] of Object.entries(DEFERRED_MODULES)) {
    if (!bundled(standIn(name))) continue;
    await build({
      ...common,
      entryPoints: [require.resolve(name, { paths: [dirname(require.resolve(from))] })],
      outfile: join(outDir, 'deferred', `${name}.js`),
    });
  }
  const byPackage: Record<string, number> = {};
  for (const [input, info] of Object.entries(inputs)) {
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1] ?? 'src';
    byPackage[pkg] = (byPackage[pkg] ?? 0) + info.bytesInOutput;
  }
  return { file, bytes: statSync(file).size, packages: Object.entries(byPackage).sort((a, b) => b[1] - a[1]) };
}
