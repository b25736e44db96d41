import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { sendFiles } from '../../cli/commands/send';
import { main } from '../../cli/main';
import type { Ticket } from '../../lambdas/domain/ticket';
import { LOCAL_CREDENTIALS } from '../../local/emulators';
import { CLOCK_FILE, runLocalStack, type RunningLocalStack } from '../../local/run-stack';

/**
 * The local stack keeps its state in the data dir: a ticket's SLA timer armed before
 * `stop()` is still pending after a new stack starts on the same data dir (fresh emulators,
 * other ports), its raw mail and attachment are still in S3, and `sesdesk clock advance`
 * moves the clock the running stack reads, so the timer fires through the real handler.
 *
 * These stacks start their own emulators on the data dir (the shared ones of global setup are
 * in memory and cannot restart); each start costs a DynamoDB Local JVM start.
 */

const tag = randomBytes(4).toString('hex');
const dir = mkdtempSync(join(tmpdir(), 'sesdesk-restart-'));
const dataDir = join(dir, 'data');
const ATTACHMENT = `log line 1 ${tag}\nlog line 2\n`;
const logs: string[] = [];
const logger = {
  info: (...args: unknown[]) => void logs.push(args.map(String).join(' ')),
  error: (...args: unknown[]) => void logs.push(`ERROR ${args.map(String).join(' ')}`),
};
let stack: RunningLocalStack | undefined;

const start = () => runLocalStack({ dataDir, smtpPort: 0, timerIntervalMs: 200, logger });

async function readObject(s3Endpoint: string, bucket: string, key: string): Promise<Buffer> {
  const s3 = new S3Client({ region: 'us-east-1', endpoint: s3Endpoint, forcePathStyle: true, credentials: LOCAL_CREDENTIALS });
  try {
    const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return Buffer.from(await out.Body!.transformToByteArray());
  } finally {
    s3.destroy();
  }
}

/** Polls `probe` until it holds; `ms` is a ceiling for a stack that never gets there, not a speed goal. */
async function until<T>(what: string, probe: () => Promise<T | undefined | null | false>, ms = 120_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; stack log:\n${logs.join('\n')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

afterAll(async () => {
  await stack?.stop();
  rmSync(dir, { recursive: true, force: true });
});

it('a ticket timer and the raw mail survive a restart; `sesdesk clock advance` makes the running stack fire the timer', async () => {
  // 1. First run: a customer mail with an attachment opens a ticket and arms its SLA timer.
  stack = await start();
  const file = join(dir, 'mail.eml');
  writeFileSync(
    file,
    [
      `From: Cora <cora-${tag}@customer.example>`,
      'To: support@example.com',
      `Subject: URGENT: the dashboard is down ${tag}`,
      `Message-ID: <restart-${tag}@customer.example>`,
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="b1"',
      '',
      '--b1',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'Nothing loads since this morning.',
      '--b1',
      'Content-Type: text/plain; name="log.txt"',
      'Content-Disposition: attachment; filename="log.txt"',
      'Content-Transfer-Encoding: base64',
      '',
      Buffer.from(ATTACHMENT).toString('base64'),
      '--b1--',
      '',
    ].join('\r\n'),
  );
  const [sent] = await sendFiles([file], { host: stack.info.smtp.host, port: stack.info.smtp.port, to: 'support@example.com' });
  expect(sent.accepted).toBe(true);
  const id = /created (LOCAL-\d+)/.exec(sent.response)?.[1];
  expect(id).toBeDefined();

  const before = (await stack.deps.tickets.getTicket(id!)) as Ticket;
  expect(before.timer).not.toBeNull();
  const timer = before.timer!;
  expect(Date.parse(timer.at)).toBeGreaterThan(Date.now());
  expect((await stack.timers.pending()).map((t) => t.name)).toContain(timer.name);
  const inbound = (await stack.deps.tickets.listMessages(id!)).find((m) => m.direction === 'inbound')!;
  expect(inbound.rawKey).toMatch(/^inbound\//);
  const attachment = inbound.attachments.find((a) => a.filename === 'log.txt');
  expect(attachment?.key).toBeTruthy();
  const rawBefore = await readObject(stack.info.endpoints.s3, stack.info.bucket, inbound.rawKey!);
  const { dynamodb: firstDynamoDb, s3: firstS3 } = stack.info.endpoints;

  await stack.stop();
  stack = undefined;

  // 2. Second run on the same data dir: new emulator processes, the same data.
  stack = await start();
  expect(stack.info.endpoints.dynamodb).not.toBe(firstDynamoDb);
  expect(stack.info.endpoints.s3).not.toBe(firstS3);

  const pending = await stack.timers.pending();
  expect(pending.find((t) => t.name === timer.name)).toMatchObject({ name: timer.name, ticketId: id, kind: timer.kind, at: new Date(timer.at) });
  expect(await stack.deps.tickets.getTicket(id!)).toEqual(before);
  // Not due yet: a pass of the runner leaves it alone.
  await stack.runner.tick();
  expect((await stack.timers.pending()).map((t) => t.name)).toContain(timer.name);

  const rawAfter = await readObject(stack.info.endpoints.s3, stack.info.bucket, inbound.rawKey!);
  expect(rawAfter.equals(rawBefore)).toBe(true);
  expect((await stack.deps.rawMail.getRaw(inbound.rawKey!)).equals(rawBefore)).toBe(true);
  expect((await readObject(stack.info.endpoints.s3, stack.info.bucket, attachment!.key!)).toString('utf8')).toBe(ATTACHMENT);

  // 3. `sesdesk clock advance` past the timer: the running stack's clock moves and the timer fires.
  const minutes = Math.ceil((Date.parse(timer.at) - stack.deps.clock.now().getTime()) / 60_000) + 1;
  const stdout = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  let code: number;
  try {
    code = await main(['node', 'sesdesk', 'clock', 'advance', `${minutes}m`, '--data-dir', dataDir]);
  } finally {
    stdout.mockRestore();
  }
  expect(code).toBe(0);
  expect(JSON.parse(readFileSync(join(dataDir, CLOCK_FILE), 'utf8'))).toEqual({ offsetMs: minutes * 60_000 });
  // The stack re-reads the clock file at most every 200 ms.
  await until('the stack clock to move', async () => stack!.deps.clock.now().getTime() > Date.parse(timer.at));

  await until('the timer to fire', async () => !(await stack!.timers.pending()).some((t) => t.name === timer.name));
  const after = (await stack.deps.tickets.getTicket(id!)) as Ticket;
  expect(after.version).toBeGreaterThan(before.version);
  expect(after.timer?.name).not.toBe(timer.name);
  if (timer.kind === 'warning') expect(after.sla.warned.length).toBeGreaterThan(before.sla.warned.length);
  else expect(after.sla.breaches.length).toBeGreaterThan(before.sla.breaches.length);
  expect(logs.some((l) => l.startsWith(`timer ${timer.name}: ${timer.kind}`))).toBe(true);
  expect(logs.filter((l) => l.startsWith('ERROR'))).toEqual([]);
  expect(existsSync(join(dataDir, 'stack.json'))).toBe(true);
});
