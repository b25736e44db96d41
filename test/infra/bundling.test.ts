import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { bundleHandlers, type HandlerName } from '../../bench/bundles';
import type { HandlerBundle } from '../../lib/constructs/handler-bundling';
import { bundleHandler, DEFERRED_MODULES, inlineComputedKeys, LIBMIME_DBCS_DECODER } from '../../lib/constructs/handler-bundling';
import fc from 'fast-check';
import Encoding = require('encoding-japanese');
import { parseMessage } from '../../lambdas/mail/parse-message';
import { buildMail, mailParts, mutate, mutation } from '../unit/fuzz/mail-arbitraries';

/**
 * What the bundling choices of bundleHandler leave out must not be missed at run time: each
 * case bundles a small entry exactly as the functions are bundled, copies it (and the tables) to
 * a directory with no node_modules anywhere above it, and runs it in a fresh Node.
 */
const ROOT = resolve(__dirname, '..', '..');
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sesdesk-bundling-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let handlers: ReturnType<typeof bundleHandlers> | undefined;

/** One handler's bundle; the three are bundled once for the tests that read them. A failed one throws its error. */
async function handler(name: HandlerName): Promise<HandlerBundle> {
  handlers ??= bundleHandlers(join(dir, 'handlers'));
  const b = (await handlers)[name];
  if ('error' in b) throw new Error(b.error);
  return b;
}

async function bundleAndRun(name: string, source: string, env: NodeJS.ProcessEnv): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const entry = join(dir, `${name}.ts`);
  writeFileSync(entry, source);
  const { file: out } = await bundleHandler(entry, join(dir, name));
  const r = spawnSync(process.execPath, [out], { cwd: join(dir, name), env: { PATH: process.env.PATH, ...env }, encoding: 'utf8', timeout: 180_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

it('signs with the credentials in the environment without the providers it leaves out', async () => {
  const r = await bundleAndRun(
    'credentials',
    `
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
const client = new DynamoDBClient({ endpoint: 'http://127.0.0.1:9', maxAttempts: 1 });
client.config.credentials().then(async (c) => {
  console.log('credentials', c.accessKeyId);
  try { await client.send(new ListTablesCommand({})); } catch (e) { console.log('send', e.code ?? e.name); }
}, (e) => { console.log('no credentials', e.message); process.exit(3); });
`,
    { AWS_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: 'AKIDBUNDLETEST', AWS_SECRET_ACCESS_KEY: 'secret', AWS_SESSION_TOKEN: 'token', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  );
  expect(r.stderr).not.toMatch(/Cannot find module/);
  expect(r.stdout).toContain('credentials AKIDBUNDLETEST');
  // It got as far as the network: the request was built and signed.
  expect(r.stdout).toMatch(/send (ECONNREFUSED|TimeoutError|Error)/);
  expect(r.status).toBe(0);
});

it('says which provider is missing when no credentials are in the environment', async () => {
  // Outside Lambda, with no environment credentials, the chain reaches a provider left out:
  // the error names the package it could not load.
  const r = await bundleAndRun(
    'no-credentials',
    `
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
new DynamoDBClient({}).config.credentials().then(() => console.log('unexpected'), (e) => console.log('error', e.message));
`,
    { AWS_REGION: 'eu-west-1', HOME: dir, AWS_EC2_METADATA_DISABLED: 'true', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  );
  expect(r.stdout).toMatch(/^error Cannot find (module|package) '@aws-sdk\/credential-provider-ini'/);
});

it('decodes Shift_JIS and GBK mail with the tables beside the bundle', async () => {
  const subject = Buffer.from('件名：請求書について', 'utf8').toString();
  const r = await bundleAndRun(
    'charsets',
    `
import { parseMessage } from ${JSON.stringify(join(ROOT, 'lambdas', 'mail', 'parse-message'))};
import iconv from 'iconv-lite';
const mail = (charset: string, text: string) => Buffer.concat([
  Buffer.from('From: a@example.com\\r\\nTo: b@example.com\\r\\nSubject: =?' + charset + '?B?' + iconv.encode(text, charset).toString('base64') + '?=\\r\\nMIME-Version: 1.0\\r\\nContent-Type: text/plain; charset=' + charset + '\\r\\nContent-Transfer-Encoding: 8bit\\r\\n\\r\\n'),
  iconv.encode(text, charset),
]);
(async () => {
  for (const [charset, text] of [['Shift_JIS', ${JSON.stringify(subject)}], ['GBK', '发票问题'], ['Big5', '發票問題'], ['EUC-KR', '청구서 문의']]) {
    const m = await parseMessage(mail(charset, text));
    console.log(charset, m.message.subject === text && m.message.text.trim() === text ? 'ok' : 'bad ' + m.message.subject);
  }
})().catch((e) => { console.log('error', e.message); process.exit(2); });
`,
    { AWS_REGION: 'eu-west-1' },
  );
  expect(r.stderr).not.toMatch(/Cannot find module/);
  expect(r.stdout.trim().split('\n')).toEqual(['Shift_JIS ok', 'GBK ok', 'Big5 ok', 'EUC-KR ok']);
});

describe('modules deferred to their first use (DEFERRED_MODULES)', () => {
  // Encoded by the real encoding-japanese here, outside the bundle (iconv-lite has no ISO-2022-JP).
  const jis = (s: string): Buffer => Buffer.from(Encoding.convert(Encoding.stringToCode(s), { to: 'JIS', from: 'UNICODE' }));
  const mail = (headers: string, body: Buffer): Buffer =>
    Buffer.concat([Buffer.from(`From: a@example.com\r\nTo: b@example.com\r\nMIME-Version: 1.0\r\n${headers}\r\n\r\n`, 'latin1'), body]);
  const mails: Array<[string, Buffer]> = [
    ['plain', mail('Subject: plain\r\nContent-Type: text/plain; charset=utf-8', Buffer.from('Hello, plain text.\r\n'))],
    ['html', mail('Subject: html only\r\nContent-Type: text/html; charset=utf-8', Buffer.from('<p>Hello <b>world</b></p><ul><li>one</li><li>two</li></ul><p><a href="https://example.com/x">link</a></p>'))],
    ['jis', mail(`Subject: =?ISO-2022-JP?B?${jis('請求書について').toString('base64')}?=\r\nContent-Type: text/plain; charset=ISO-2022-JP\r\nContent-Transfer-Encoding: 7bit`, jis('お世話になっております。請求書の件です。\r\n'))],
  ];

  it('a plain mail loads none of them nor any table; an HTML-only or Japanese mail loads the one it needs and reads as without the bundle', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sesdesk-deferred-'));
    try {
      for (const [name, raw] of mails) writeFileSync(join(dir, `${name}.eml`), raw);
      const r = await bundleAndRun(
        'parse-three-mails',
        `
import { readFileSync } from 'node:fs';
import { parseMessage } from ${JSON.stringify(join(ROOT, 'lambdas', 'mail', 'parse-message'))};
const loaded = () => Object.keys(require.cache).filter((k) => /\\/(deferred|tables)\\//.test(k)).map((k) => k.replace(/^.*\\/(deferred|tables)\\//, '$1/')).sort();
(async () => {
  for (const name of ['plain', 'html', 'jis']) {
    const m = await parseMessage(readFileSync(${JSON.stringify(dir)} + '/' + name + '.eml'));
    console.log(JSON.stringify({ name, subject: m.message.subject, text: m.message.text, problems: m.message.problems, loaded: loaded() }));
  }
})().catch((e) => { console.log('error', e.message); process.exit(2); });
`,
        { AWS_REGION: 'eu-west-1' },
      );
      expect(r.stderr).toBe('');
      const seen = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { name: string; subject: string; text: string; problems: string[]; loaded: string[] });
      expect(seen.map((s) => [s.name, s.loaded])).toEqual([
        // No iconv-lite table either: libmime no longer builds the GBK codec as it loads.
        ['plain', []],
        ['html', ['deferred/html-to-text.js']],
        ['jis', ['deferred/encoding-japanese.js', 'deferred/html-to-text.js']],
      ]);
      // linkify-it never loads: sesdesk does not turn text into HTML.
      expect(Object.keys(DEFERRED_MODULES)).toContain('linkify-it');
      for (const [i, [, raw]] of mails.entries()) {
        const unbundled = (await parseMessage(raw)).message;
        expect({ subject: seen[i].subject, text: seen[i].text, problems: seen[i].problems }).toEqual({ subject: unbundled.subject, text: unbundled.text, problems: unbundled.problems });
      }
      expect(seen[1].text.trim()).toBe('Hello world\n\n * one\n * two\n\nlink [https://example.com/x]');
      expect(seen[2].subject).toBe('請求書について');
      expect(seen[2].text.trim()).toBe('お世話になっております。請求書の件です。');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the bundle parses generated mail (broken, HTML-only, Japanese) exactly as the source does', async () => {
    const htmlOnly = fc
      .tuple(fc.array(fc.tuple(fc.constantFrom('p', 'b', 'li', 'td', 'h1', 'a href="https://x.example/"', 'br'), fc.string({ unit: 'grapheme', maxLength: 40 })), { maxLength: 8 }), fc.constantFrom('utf-8', 'iso-8859-1'))
      .map(([nodes, charset]) => {
        const html = nodes.map(([tag, t]) => `<${tag}>${t}</${tag.split(' ')[0]}>`).join('');
        return mail(`Subject: html\r\nContent-Type: text/html; charset=${charset}`, Buffer.from(html, charset === 'utf-8' ? 'utf8' : 'latin1'));
      });
    const japanese = fc
      .tuple(fc.string({ unit: fc.constantFrom(...'あいうえおカキクケコ漢字請求書、。ｱｲｳ abc123'), maxLength: 60 }), fc.constantFrom('JIS', 'SJIS', 'EUCJP'))
      .map(([t, to]) => {
        const charset = { JIS: 'ISO-2022-JP', SJIS: 'Shift_JIS', EUCJP: 'EUC-JP' }[to];
        const bytes = Buffer.from(Encoding.convert(Encoding.stringToCode(t), { to, from: 'UNICODE' }));
        return mail(`Subject: =?${charset}?B?${bytes.toString('base64')}?=\r\nContent-Type: text/plain; charset=${charset}`, bytes);
      });
    const broken = fc.tuple(mailParts, mutation).map(([parts, m]) => mutate(buildMail(parts), m));
    const samples = [...fc.sample(broken, { numRuns: 150, seed: 7 }), ...fc.sample(htmlOnly, { numRuns: 50, seed: 8 }), ...fc.sample(japanese, { numRuns: 50, seed: 9 })];
    const dir = mkdtempSync(join(tmpdir(), 'sesdesk-bundle-vs-source-'));
    try {
      samples.forEach((raw, i) => writeFileSync(join(dir, `${i}.eml`), raw));
      const r = await bundleAndRun(
        'parse-generated',
        `
import { appendFileSync, readFileSync } from 'node:fs';
import { parseMessage } from ${JSON.stringify(join(ROOT, 'lambdas', 'mail', 'parse-message'))};
(async () => {
  for (let i = 0; i < ${samples.length}; i += 1) {
    const m = await parseMessage(readFileSync(${JSON.stringify(dir)} + '/' + i + '.eml'));
    appendFileSync(${JSON.stringify(dir)} + '/parsed.jsonl', JSON.stringify({ message: m.message, attachments: m.attachments.map((a) => ({ ...a, content: a.content.toString('base64') })) }) + '\\n');
  }
})().catch((e) => { console.log('error', e.message); process.exit(2); });
`,
        { AWS_REGION: 'eu-west-1' },
      );
      expect(r.stderr).toBe('');
      expect(r.stdout).toBe('');
      const bundled = readFileSync(join(dir, 'parsed.jsonl'), 'utf8').trim().split('\n');
      expect(bundled).toHaveLength(samples.length);
      for (const [i, raw] of samples.entries()) {
        const m = await parseMessage(raw);
        const source = JSON.parse(JSON.stringify({ message: m.message, attachments: m.attachments.map((a) => ({ ...a, content: a.content.toString('base64') })) })) as unknown;
        expect({ i, parsed: JSON.parse(bundled[i]) as unknown }).toEqual({ i, parsed: source });
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the linkifier stand-in builds the real one, configured as recorded, when asked to find links', async () => {
    const r = await bundleAndRun(
      'linkify',
      `
import linkifyIt from 'linkify-it';
const loaded = () => Object.keys(require.cache).some((k) => k.endsWith('/deferred/linkify-it.js'));
const l = (linkifyIt as unknown as () => any)();
l.tlds('onion', true).add('git:', 'http:').set({ fuzzyEmail: false });
console.log('before', loaded());
console.log(JSON.stringify((l.match('see git://host.onion/x or mail a@example.com') ?? []).map((m: { url: string }) => m.url)));
console.log('after', loaded());
`,
      {},
    );
    expect(r.stderr).toBe('');
    // git: as http:, .onion accepted, no fuzzy e-mail: the recorded calls reached the real linkifier.
    expect(r.stdout.trim().split('\n')).toEqual(['before false', '["git://host.onion/x"]', 'after true']);
  });
});

it('keeps the mail parser, S3 and Secrets Manager out of the timer functions', async () => {
  const packagesOf = async (name: HandlerName): Promise<string[]> => (await handler(name)).packages.map(([p]) => p);
  expect(await packagesOf('ingest')).toEqual(expect.arrayContaining(['mailparser', '@aws-sdk/client-s3', '@aws-sdk/client-secrets-manager']));
  for (const timer of ['slaBreach', 'followUp'] as const) {
    const packages = await packagesOf(timer);
    expect(packages).toEqual(expect.arrayContaining(['@aws-sdk/client-dynamodb', '@aws-sdk/client-sesv2', '@aws-sdk/client-scheduler']));
    for (const absent of ['mailparser', 'libmime', 'iconv-lite', '@aws-sdk/client-s3', '@aws-sdk/client-secrets-manager', 'nodemailer']) {
      expect(packages).not.toContain(absent);
    }
  }
  // Only what a bundle requires ships beside it: tables and deferred modules go with ingest alone.
  const besides = async (name: HandlerName): Promise<string[]> => readdirSync(dirname((await handler(name)).file)).sort();
  expect(await besides('ingest')).toEqual(['deferred', 'index.js', 'index.js.map', 'tables']);
  for (const timer of ['slaBreach', 'followUp'] as const) expect(await besides(timer)).toEqual(['index.js', 'index.js.map']);
});

describe('SDK schema keys inlined (inlineSdkSchemaKeys)', () => {
  it('writes a computed key as the string literal its module-level constant holds, and leaves any other', () => {
    const source = [
      'const _h = "http";',
      'const _q = "a\\"b";',
      'let _v = "x";',
      'export var A$ = [9, n0, _A, { [_h]: ["GET", "/", 200] }, () => B$];',
      'export var C$ = { [_v]: 1, [_z]: 2,\n  [_q]: 3 };',
      '',
    ].join('\n');
    expect(inlineComputedKeys(source)).toBe(
      [
        'const _h = "http";',
        'const _q = "a\\"b";',
        'let _v = "x";',
        'export var A$ = [9, n0, _A, { "http": ["GET", "/", 200] }, () => B$];',
        'export var C$ = { [_v]: 1, [_z]: 2,\n  "a\\"b": 3 };',
        '',
      ].join('\n'),
    );
  });

  it('leaves out the schemas of operations no handler calls, and keeps those it does', async () => {
    const code = async (name: HandlerName): Promise<string> => readFileSync((await handler(name)).file, 'utf8');
    const ingest = await code('ingest');
    for (const used of ['"GetObject"', '"SendEmail"', '"CreateSchedule"', '"TransactWriteItems"', '"GetSecretValue"']) expect(ingest).toContain(used);
    for (const unused of ['PutBucketLifecycleConfiguration', 'SelectObjectContent', 'CreateEmailIdentity', 'PutAccountDetails', 'UpdateScheduleGroup']) {
      expect(ingest).not.toContain(unused);
    }
    expect(await code('slaBreach')).not.toContain('CreateEmailIdentity');
  });
});

it('the bundler the CDK runs prints its usage and exits 2 when misused, and names the entry it failed on', () => {
  const cli = ['--require', require.resolve('tsx/cjs'), join(ROOT, 'lib', 'constructs', 'bundle-handler-cli.ts')];
  const misuse = spawnSync(process.execPath, [...cli, 'only-one-argument'], { encoding: 'utf8' });
  expect(misuse.status).toBe(2);
  expect(misuse.stderr).toMatch(/^usage: bundle-handler-cli <entry\.ts> <outDir>/);
  const missing = spawnSync(process.execPath, [...cli, join(dir, 'no-such-handler.ts'), join(dir, 'no-such-out')], { encoding: 'utf8' });
  expect(missing.status).toBe(1);
  expect(missing.stderr).toContain(`bundling ${join(dir, 'no-such-handler.ts')} failed`);
});

it("libmime's double-byte decoder, taken without building the GBK codec, is the very one building it gives", () => {
  // Evaluated as libmime's charset.js would, on the iconv-lite it resolves.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the iconv-lite libmime resolves, found at run time
  const iconv = require(require.resolve('iconv-lite', { paths: [dirname(require.resolve('libmime'))] })) as object;
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- the bundler's replacement is source text; the test runs it as the bundle will
  const evaluate = (expression: string): unknown => new Function('iconv_lite_1', `return ${expression};`)({ default: iconv });
  const replaced = evaluate(LIBMIME_DBCS_DECODER.replacement);
  expect(typeof replaced).toBe('function');
  expect(replaced).toBe(evaluate(LIBMIME_DBCS_DECODER.original));
  expect(replaced).toBe(evaluate("iconv_lite_1.default.getCodec('big5').decoder"));
  expect(replaced).not.toBe(evaluate("iconv_lite_1.default.getCodec('windows-1252').decoder"));
});
