import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { main } from '../../cli/main';
import { sendFiles } from '../../cli/commands/send';
import { newSesMessageId } from '../../local/ses-event';
import { runLocalStack, type RunningLocalStack } from '../../local/run-stack';
import { localClients, localStack, sesStore, uniqueName } from './local-stack';

/**
 * Accounting and replay on the local stack: mail that reached the bucket but never the
 * ingest function is found by `sesdesk audit`, ingested by `sesdesk replay`, and the rest of
 * the bucket replays as duplicates with nothing sent twice.
 */

let stack: RunningLocalStack;
const dataDir = mkdtempSync(join(tmpdir(), 'sesdesk-audit-'));
const tag = randomBytes(4).toString('hex');

function eml(name: string, customer: string, subject: string, id: string): string {
  const file = join(dataDir, name);
  writeFileSync(
    file,
    [`From: ${customer}`, 'To: support@example.com', `Subject: ${subject}`, `Message-ID: <${id}>`, 'Date: Fri, 20 Nov 2026 10:00:00 +0000', '', `About ${subject}.`, ''].join('\r\n'),
  );
  return file;
}

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += chunk.toString();
    return true;
  });
  const writeErr = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    err += chunk.toString();
    return true;
  });
  try {
    const code = await main(['node', 'sesdesk', ...args, '--data-dir', dataDir]);
    return { code, out, err };
  } finally {
    write.mockRestore();
    writeErr.mockRestore();
  }
}

async function acksTo(address: string): Promise<number> {
  return (await sesStore()).emails.filter((e) => e.destination.to.some((t) => t.includes(address))).length;
}

beforeAll(async () => {
  const ls = localStack();
  stack = await runLocalStack({
    existing: { dynamodb: ls.dynamodb.endpoint, s3: ls.s3.endpoint, ses: ls.ses.endpoint, viewerUrl: ls.ses.viewerUrl },
    dataDir,
    tableName: uniqueName('audit'),
    bucket: uniqueName('audit-raw'),
    smtpPort: 0,
    logger: { info: () => undefined, error: () => undefined },
  });
});

afterAll(async () => {
  await stack?.stop();
});

it('audit finds mail the Lambda never ran for, replay ingests it idempotently, audit is then clean', async () => {
  const customers = [0, 1, 2].map((i) => `c${i}.${tag}@customer.example`);
  const files = customers.map((c, i) => eml(`m${i}.eml`, c, `question ${i} ${tag}`, `m${i}-${tag}@customer.example`));
  const smtp = { host: stack.info.smtp.host, port: stack.info.smtp.port, to: 'support@example.com' };
  const sent = await sendFiles([...files, files[0]], smtp);
  expect(sent.map((s) => /^Ok: (\w+)/.exec(s.response)?.[1])).toEqual(['created', 'created', 'created', 'duplicate']);

  // As if SES's S3 action ran but its Lambda action never did.
  const lost = `lost.${tag}@customer.example`;
  const lostId = newSesMessageId();
  const lostBody = [`From: ${lost}`, 'To: support@example.com', `Subject: lost ${tag}`, `Message-ID: <lost-${tag}@customer.example>`, '', 'Nobody saw me.', ''].join('\r\n');
  const { s3 } = localClients();
  await s3.send(new PutObjectCommand({ Bucket: stack.info.bucket, Key: `inbound/${lostId}`, Body: lostBody }));
  s3.destroy();

  const before = await cli('audit', '--json');
  expect(before.code).toBe(1);
  const report = JSON.parse(before.out);
  expect(report.orphans.map((o: { key: string }) => o.key)).toEqual([`inbound/${lostId}`]);
  expect(report.outcomes).toEqual({ created: 3, duplicate: 1 });
  expect(report.clean).toBe(false);
  expect((await cli('audit')).out).toContain(`orphan (raw mail never ingested): inbound/${lostId}`);

  const replay = await cli('replay', '--json');
  expect(replay.code).toBe(0);
  const summary = JSON.parse(replay.out);
  expect(summary.total).toBe(5);
  expect(summary.counts).toMatchObject({ created: 1, duplicate: 4, failed: 0, quarantined: 0, dropped: 0 });
  expect(await acksTo(lost)).toBe(1);
  for (const c of customers) expect(await acksTo(c)).toBe(1);
  const tickets = await stack.deps.tickets.listTickets();
  expect(tickets.filter((t) => t.subject === `lost ${tag}`)).toHaveLength(1);

  const after = await cli('audit', '--json');
  expect(after.code).toBe(0);
  expect(JSON.parse(after.out)).toMatchObject({ clean: true, orphans: [], outcomes: { created: 4, duplicate: 1 } });

  const window = await cli('replay', '--since', '2000-01-01', '--until', '2000-01-02');
  expect(window.out).toContain('replayed 0 raw messages');
  const misuse = await cli('replay', '--since', 'yesterday');
  expect(misuse.code).toBe(2);
  expect(misuse.err).toMatch(/--since: "yesterday" is not an ISO 8601 date/);
});
