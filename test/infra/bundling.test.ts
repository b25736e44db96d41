import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { bundleHandlers, bundleLikeDeployed } from '../../bench/bundles';

/**
 * What the bundling choices of HANDLER_BUNDLING leave out must not be missed at run time: each
 * case bundles a small entry exactly as the functions are bundled, copies it (and the tables) to
 * a directory with no node_modules anywhere above it, and runs it in a fresh Node.
 */
const ROOT = resolve(__dirname, '..', '..');
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sesdesk-bundling-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function bundleAndRun(name: string, source: string, env: NodeJS.ProcessEnv): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const entry = join(dir, `${name}.ts`);
  writeFileSync(entry, source);
  const { file: out } = await bundleLikeDeployed(entry, join(dir, name));
  const r = spawnSync(process.execPath, [out], { cwd: join(dir, name), env: { PATH: process.env.PATH, ...env }, encoding: 'utf8', timeout: 30_000 });
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
}, 60_000);

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
}, 60_000);

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
}, 60_000);

it('keeps the mail parser, S3 and Secrets Manager out of the timer functions', async () => {
  const bundles = await bundleHandlers(join(dir, 'handlers'));
  const packagesOf = (name: keyof typeof bundles): string[] => {
    const b = bundles[name];
    if ('error' in b) throw new Error(b.error);
    return b.packages.map(([p]) => p);
  };
  expect(packagesOf('ingest')).toEqual(expect.arrayContaining(['mailparser', '@aws-sdk/client-s3', '@aws-sdk/client-secrets-manager']));
  for (const timer of ['slaBreach', 'followUp'] as const) {
    const packages = packagesOf(timer);
    expect(packages).toEqual(expect.arrayContaining(['@aws-sdk/client-dynamodb', '@aws-sdk/client-sesv2', '@aws-sdk/client-scheduler']));
    for (const absent of ['mailparser', 'libmime', 'iconv-lite', '@aws-sdk/client-s3', '@aws-sdk/client-secrets-manager', 'nodemailer']) {
      expect(packages).not.toContain(absent);
    }
  }
}, 60_000);
