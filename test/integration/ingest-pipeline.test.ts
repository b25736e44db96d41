import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { sendFiles } from '../../cli/commands/send';
import { defaultLocalConfig, runLocalStack, type RunningLocalStack } from '../../local/run-stack';
import { localStack, sesStore, uniqueName, type SesStoredEmail } from './local-stack';

/**
 * The walking skeleton end to end: a real .eml over SMTP -> local S3 -> SES receipt event ->
 * the ingest handler on DynamoDB Local -> ticket row + acknowledgement in the local SES store.
 */

let stack: RunningLocalStack;
const dir = mkdtempSync(join(tmpdir(), 'sesdesk-ingest-'));
const tag = randomBytes(4).toString('hex');

function eml(name: string, lines: string[]): string {
  const file = join(dir, name);
  writeFileSync(file, `${lines.join('\r\n')}\r\n`);
  return file;
}

async function send(file: string): Promise<string> {
  const [outcome] = await sendFiles([file], { host: stack.info.smtp.host, port: stack.info.smtp.port, to: 'support@example.com' });
  expect(outcome.accepted).toBe(true);
  return outcome.response;
}

async function mailTo(address: string): Promise<SesStoredEmail[]> {
  const store = await sesStore();
  return store.emails.filter((e) => e.destination.to.some((t) => t.includes(address)));
}

function header(mail: SesStoredEmail, name: string): string | undefined {
  return mail.headers?.find((h) => h.name.toLowerCase() === name.toLowerCase())?.value;
}

beforeAll(async () => {
  const ls = localStack();
  stack = await runLocalStack({
    existing: { dynamodb: ls.dynamodb.endpoint, s3: ls.s3.endpoint, ses: ls.ses.endpoint, viewerUrl: ls.ses.viewerUrl },
    tableName: uniqueName('ingest'),
    bucket: uniqueName('ingest-raw'),
    smtpPort: 0,
    config: defaultLocalConfig('facs'),
    logger: { info: () => undefined, error: () => undefined },
  });
});

afterAll(async () => {
  await stack?.stop();
});

describe('one email in, one ticket out', () => {
  const customer = `ana.${tag}@customer.example`;
  const file = () =>
    eml('first.eml', [
      `From: =?UTF-8?Q?Ana_P=C3=A9rez?= <${customer}>`,
      'To: Support <support@example.com>',
      'Subject: Cannot log in to the dashboard',
      'Date: Fri, 20 Nov 2026 17:00:00 -0800',
      `Message-ID: <first-${tag}@customer.example>`,
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'Since this morning I get "invalid session" on every login.',
    ]);

  let ticketId: string;

  it('opens a ticket with number, requester, subject, body, status open and the policy default priority', async () => {
    const response = await send(file());
    const match = /created (LOCAL-\d+)/.exec(response);
    expect(match).not.toBeNull();
    ticketId = match![1];
    const ticket = await stack.deps.tickets.getTicket(ticketId);
    expect(ticket).toMatchObject({
      status: 'open',
      priority: 'medium', // facs defaultPriority
      requester: { name: 'Ana Pérez', address: customer },
      subject: 'Cannot log in to the dashboard',
    });
    expect(ticket!.number).toBeGreaterThanOrEqual(1);
    expect(ticket!.id).toBe(`LOCAL-${ticket!.number}`);
    expect(Date.parse(ticket!.createdAt)).not.toBeNaN();
    expect(ticket!.sla.firstResponseDue).not.toBeNull();
    const messages = await stack.deps.tickets.listMessages(ticketId);
    expect(messages[0]).toMatchObject({ direction: 'inbound', kind: 'customer' });
    expect(messages[0].text).toContain('invalid session');
  });

  it('keeps the raw mail in S3 under the inbound prefix, byte for byte', async () => {
    const messages = await stack.deps.tickets.listMessages(ticketId);
    const rawKey = messages[0].rawKey!;
    expect(rawKey.startsWith('inbound/')).toBe(true);
    const s3 = new S3Client({ region: 'us-east-1', endpoint: stack.info.endpoints.s3, forcePathStyle: true, credentials: localStack().credentials });
    const out = await s3.send(new GetObjectCommand({ Bucket: stack.info.bucket, Key: rawKey }));
    const body = Buffer.from(await out.Body!.transformToByteArray()).toString('utf8');
    s3.destroy();
    expect(body).toContain(`Message-ID: <first-${tag}@customer.example>`);
  });

  it('acknowledges from the support address with the ticket number, threading and Auto-Submitted', async () => {
    const acks = await mailTo(customer);
    expect(acks).toHaveLength(1);
    const ack = acks[0];
    expect(ack.from).toContain('support@example.com');
    expect(ack.subject).toBe(`[#${ticketId}] Cannot log in to the dashboard`);
    expect(ack.body.text).toContain(ticketId);
    expect(header(ack, 'In-Reply-To')).toBe(`<first-${tag}@customer.example>`);
    expect(header(ack, 'References')).toContain(`<first-${tag}@customer.example>`);
    expect(header(ack, 'Auto-Submitted')).toBe('auto-replied');
  });

  it('does not crash, nor open a second ticket, when the same file is sent again', async () => {
    const before = (await stack.deps.tickets.listTickets()).length;
    const response = await send(file());
    expect(response).toMatch(/duplicate/);
    expect((await stack.deps.tickets.listTickets()).length).toBe(before);
    expect(await mailTo(customer)).toHaveLength(1);
  });
});

describe('bad input is kept and recorded, never a crash', () => {
  it('mail with no From, no Message-ID and no body still becomes a recorded outcome with its raw mail kept', async () => {
    const response = await send(eml('bare.eml', ['Subject: nothing else', '']));
    expect(response).toMatch(/^Ok: (created|quarantined|dropped)/);
    const records = await stack.deps.ledger.list();
    const record = records.find((r) => response.includes(r.sesMessageId));
    expect(record).toBeDefined();
    expect(record!.state).toBe('done');
    const raw = await stack.deps.rawMail.getRaw(record!.rawKey);
    expect(raw.toString()).toContain('Subject: nothing else');
  });

  it('undecodable bytes become a ticket with the problems recorded', async () => {
    const file = join(dir, 'garbage.eml');
    const garbage = Buffer.concat([
      Buffer.from(`From: x${tag}@garbage.example\r\nSubject: \xff\xfe\r\nContent-Type: multipart/mixed; boundary="zz"\r\n\r\n--zz\r\n`, 'latin1'),
      randomBytes(4096),
    ]);
    writeFileSync(file, garbage);
    const response = await send(file);
    expect(response).toMatch(/^Ok: created LOCAL-\d+/);
  });
});
