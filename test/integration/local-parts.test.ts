import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeTableCommand, DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { SendEmailCommand } from '@aws-sdk/client-sesv2';
import nodemailer from 'nodemailer';
import MailComposer from 'nodemailer/lib/mail-composer';
import { SesReceiptEventSchema, type SesReceiptEvent, type SesReceiptEventInput } from '../../lambdas/handlers/ses-event-schema';
import { startDynamoDbLocal } from '../../local/emulators';
import { ensureBucket, ensureTable } from '../../local/provision';
import { buildSesReceiptEvent } from '../../local/ses-event';
import { startSmtpInbound, type SmtpInbound } from '../../local/smtp-inbound';
import { createTestBucket, createTestTable, localClients, localStack, sesRawMessage, sesStore } from './local-stack';

const CRLF = '\r\n';

/** A realistic customer mail: encoded-word display name and subject, text + html, a PDF. */
const CUSTOMER_EML = [
  'Return-Path: <bounce+jo@mail.example.org>',
  'Received: from mail.example.org (mail.example.org [203.0.113.7])',
  '\tby mx.example.com with ESMTPS id 4a1b2c; Tue, 04 Mar 2025 09:15:02 +0000',
  'From: =?UTF-8?Q?J=C3=B6rg_M=C3=BCller?= <joerg.mueller@example.org>',
  'To: "Support, Example" <support@example.com>',
  'Cc: ops@example.com',
  'Subject: =?UTF-8?B?RHJ1Y2tlciBkZWZla3Qg4oCTIGJpdHRlIGhlbGZlbg==?=',
  'Date: Tue, 04 Mar 2025 10:15:00 +0100',
  'Message-ID: <CAF3x9Q-1234.5678@mail.example.org>',
  'MIME-Version: 1.0',
  'Content-Type: multipart/mixed; boundary="outer-boundary"',
  '',
  '--outer-boundary',
  'Content-Type: multipart/alternative; boundary="alt-boundary"',
  '',
  '--alt-boundary',
  'Content-Type: text/plain; charset=UTF-8',
  'Content-Transfer-Encoding: quoted-printable',
  '',
  'Hallo, unser Drucker im 2. Stock druckt nur noch leere Seiten. Gr=C3=BC=C3=9Fe, J=',
  '=C3=B6rg',
  '',
  '--alt-boundary',
  'Content-Type: text/html; charset=UTF-8',
  'Content-Transfer-Encoding: quoted-printable',
  '',
  '<p>Hallo, unser Drucker im 2. Stock druckt nur noch <b>leere Seiten</b>.</p>',
  '',
  '--alt-boundary--',
  '',
  '--outer-boundary',
  'Content-Type: application/pdf; name="testseite.pdf"',
  'Content-Disposition: attachment; filename="testseite.pdf"',
  'Content-Transfer-Encoding: base64',
  '',
  Buffer.from('%PDF-1.4\n% a tiny test page\n%%EOF\n').toString('base64'),
  '',
  '--outer-boundary--',
  '',
].join(CRLF);

/** A syntactically valid message of about `bytes` bytes (base64 lines of 76 chars). */
function bigMessage(bytes: number, to: string): Buffer {
  const head = [
    'From: big@example.org',
    `To: ${to}`,
    'Subject: big attachment',
    'Message-ID: <big@example.org>',
    'MIME-Version: 1.0',
    'Content-Type: application/octet-stream',
    'Content-Transfer-Encoding: base64',
    '',
    '',
  ].join(CRLF);
  const line = `${'QUJD'.repeat(19)}${CRLF}`; // 78 bytes
  const lines = Math.ceil((bytes - head.length) / line.length);
  return Buffer.concat([Buffer.from(head), Buffer.from(line.repeat(lines))]);
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('local parts: SMTP inbound -> S3 + SES receipt event', () => {
  const clients = localClients();
  let bucket: string;
  let smtp: SmtpInbound;
  const events: SesReceiptEventInput[] = [];
  let failNext = false;
  const logged: string[] = [];

  const transport = () =>
    nodemailer.createTransport({ host: '127.0.0.1', port: smtp.port, secure: false, ignoreTLS: true, connectionTimeout: 5000 });

  beforeAll(async () => {
    bucket = await createTestBucket('local-parts');
    smtp = await startSmtpInbound({
      port: 0,
      s3Client: clients.s3,
      bucket,
      region: 'local',
      logger: { error: (message) => void logged.push(message) },
      onMessage: async (event) => {
        events.push(event);
        if (failNext) {
          failNext = false;
          throw new Error('handler exploded');
        }
        return 'ticket LOCAL-1 created';
      },
    });
  });

  afterAll(async () => {
    await smtp?.close();
    clients.dynamodb.destroy();
    clients.s3.destroy();
    clients.ses.destroy();
  });

  async function rawObject(key: string): Promise<Buffer> {
    const res = await clients.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return Buffer.from(await (res.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray());
  }

  it('stores the mail byte for byte and hands the handler the SES receipt event', async () => {
    const before = events.length;
    const info = await transport().sendMail({
      envelope: { from: 'bounce+jo@mail.example.org', to: ['support@example.com', 'ops@example.com', 'hidden-bcc@example.com'] },
      raw: CUSTOMER_EML,
    });
    // The reply is sent after the handler ran and carries its result.
    expect(info.response).toMatch(/^250 Ok: queued as [a-z0-9]{40} ticket LOCAL-1 created$/);
    expect(events).toHaveLength(before + 1);

    const event: SesReceiptEvent = SesReceiptEventSchema.parse(events[before]);
    const { mail, receipt } = event.Records[0].ses;
    expect(event.Records[0].eventSource).toBe('aws:ses');
    expect(info.response).toContain(mail.messageId);

    const stored = await rawObject(`inbound/${mail.messageId}`);
    expect(stored.equals(Buffer.from(CUSTOMER_EML))).toBe(true);

    expect(mail.source).toBe('bounce+jo@mail.example.org');
    // destination: the header recipients; receipt.recipients: the envelope (with the Bcc).
    expect(mail.destination).toEqual(['support@example.com', 'ops@example.com']);
    expect(receipt.recipients).toEqual(['support@example.com', 'ops@example.com', 'hidden-bcc@example.com']);
    expect(mail.headersTruncated).toBe(false);
    // headers: raw (still encoded), unfolded, in message order.
    expect(mail.headers.map((h) => h.name)).toEqual([
      'Return-Path', 'Received', 'From', 'To', 'Cc', 'Subject', 'Date', 'Message-ID', 'MIME-Version', 'Content-Type',
    ]);
    expect(mail.headers[2].value).toBe('=?UTF-8?Q?J=C3=B6rg_M=C3=BCller?= <joerg.mueller@example.org>');
    expect(mail.headers[1].value).toBe(
      'from mail.example.org (mail.example.org [203.0.113.7])\tby mx.example.com with ESMTPS id 4a1b2c; Tue, 04 Mar 2025 09:15:02 +0000',
    );
    // commonHeaders: decoded.
    expect(mail.commonHeaders).toEqual({
      returnPath: 'bounce+jo@mail.example.org',
      from: ['Jörg Müller <joerg.mueller@example.org>'],
      to: ['"Support, Example" <support@example.com>'],
      cc: ['ops@example.com'],
      date: 'Tue, 04 Mar 2025 10:15:00 +0100',
      messageId: '<CAF3x9Q-1234.5678@mail.example.org>',
      subject: 'Drucker defekt – bitte helfen',
    });
    for (const verdict of [receipt.spamVerdict, receipt.virusVerdict, receipt.spfVerdict, receipt.dkimVerdict, receipt.dmarcVerdict]) {
      expect(verdict.status).toBe('GRAY');
    }
    expect(receipt).not.toHaveProperty('dmarcPolicy');
    expect(receipt.action).toEqual({
      type: 'Lambda',
      functionArn: 'arn:aws:lambda:local:000000000000:function:sesdesk-local-ingest',
      invocationType: 'Event',
    });
    expect(receipt.timestamp).toBe(mail.timestamp);
    expect(Number.isNaN(Date.parse(mail.timestamp))).toBe(false);
  });

  it('still accepts the mail and keeps the raw object when the handler throws', async () => {
    failNext = true;
    const info = await transport().sendMail({
      envelope: { from: 'a@example.org', to: ['support@example.com'] },
      raw: 'From: a@example.org\r\nTo: support@example.com\r\nSubject: boom\r\n\r\nbody\r\n',
    });
    expect(info.response).toMatch(/^250 Ok: queued as [a-z0-9]{40}$/);
    const event = SesReceiptEventSchema.parse(events[events.length - 1]);
    const { mail } = event.Records[0].ses;
    expect((await rawObject(`inbound/${mail.messageId}`)).toString()).toContain('Subject: boom');
    expect(logged.some((m) => m.includes(mail.messageId))).toBe(true);
    // No Message-ID or Date header: those commonHeaders are absent, the event still parses.
    expect(mail.commonHeaders).not.toHaveProperty('messageId');
    expect(mail.commonHeaders).not.toHaveProperty('date');
  });

  it('accepts a 39 MB message and rejects one over 40 MB with 552', async () => {
    const accepted = bigMessage(39 * 1024 * 1024, 'support@example.com');
    const info = await transport().sendMail({ envelope: { from: 'big@example.org', to: ['support@example.com'] }, raw: accepted });
    expect(info.response).toMatch(/^250 /);
    const { mail } = SesReceiptEventSchema.parse(events[events.length - 1]).Records[0].ses;
    expect(sha256(await rawObject(`inbound/${mail.messageId}`))).toBe(sha256(accepted));

    const count = events.length;
    const rejected = bigMessage(40 * 1024 * 1024 + 4096, 'support@example.com');
    await expect(
      transport().sendMail({ envelope: { from: 'big@example.org', to: ['support@example.com'] }, raw: rejected }),
    ).rejects.toMatchObject({ responseCode: 552 });
    expect(events).toHaveLength(count);
  });
});

describe('SES receipt event details', () => {
  const base = {
    sesMessageId: 'o3vrnil0e2ic28trm7dfhrc2v0cnbeccl4nbp0g1',
    recipients: ['support@example.com'],
    region: 'us-east-1',
    now: new Date('2025-03-04T09:15:02.028Z'),
  };

  it('adds dmarcPolicy only when DMARC failed', () => {
    const raw = Buffer.from('From: x@example.org\r\nTo: support@example.com\r\n\r\nhi\r\n');
    const failed = SesReceiptEventSchema.parse(
      buildSesReceiptEvent({ ...base, raw, verdicts: { dmarc: 'FAIL', spf: 'PASS' }, dmarcPolicy: 'reject' }),
    ).Records[0].ses.receipt;
    expect(failed.dmarcPolicy).toBe('reject');
    expect(failed.spfVerdict.status).toBe('PASS');
    expect(failed.spamVerdict.status).toBe('GRAY');
    const passed = SesReceiptEventSchema.parse(buildSesReceiptEvent({ ...base, raw, verdicts: { dmarc: 'PASS' } })).Records[0].ses.receipt;
    expect(passed).not.toHaveProperty('dmarcPolicy');
  });

  it('truncates headers over 10 KB and says so', () => {
    const many = Array.from({ length: 200 }, (_, i) => `X-Filler-${i}: ${'v'.repeat(60)}`).join('\r\n');
    const raw = Buffer.from(`From: x@example.org\r\nSubject: many\r\n${many}\r\n\r\nbody\r\n`);
    const { mail } = SesReceiptEventSchema.parse(buildSesReceiptEvent({ ...base, raw })).Records[0].ses;
    expect(mail.headersTruncated).toBe(true);
    expect(mail.headers.length).toBeLessThan(202);
    expect(mail.headers.reduce((n, h) => n + h.name.length + h.value.length + 4, 0)).toBeLessThanOrEqual(10 * 1024);
    // commonHeaders come from all headers, not the truncated list.
    expect(mail.commonHeaders.subject).toBe('many');
  });

  it('refuses an S3 key that is not <prefix><sesMessageId>', () => {
    const raw = Buffer.from('From: x@example.org\r\n\r\nhi\r\n');
    expect(() => buildSesReceiptEvent({ ...base, raw, objectKey: 'inbound/other' })).toThrow(/does not end with/);
  });

  it('rejects events without the fields the ingest path relies on', () => {
    const raw = Buffer.from('From: x@example.org\r\n\r\nhi\r\n');
    const good = buildSesReceiptEvent({ ...base, raw }) as { Records: Array<{ ses: { mail: Record<string, unknown>; receipt: Record<string, unknown> } }> };
    const withoutId = structuredClone(good);
    delete withoutId.Records[0].ses.mail.messageId;
    expect(SesReceiptEventSchema.safeParse(withoutId).success).toBe(false);
    const withoutReceipt = structuredClone(good) as { Records: Array<{ ses: Record<string, unknown> }> };
    delete withoutReceipt.Records[0].ses.receipt;
    expect(SesReceiptEventSchema.safeParse(withoutReceipt).success).toBe(false);
    const traversal = structuredClone(good);
    traversal.Records[0].ses.mail.messageId = '../secret';
    expect(SesReceiptEventSchema.safeParse(traversal).success).toBe(false);
  });
});

describe('local SES (aws-ses-v2-local behind the recorder)', () => {
  it('keeps the headers of a SESv2 raw send, visible in GET /store', async () => {
    const { ses } = localClients();
    const to = `requester-${Date.now()}@example.org`;
    const raw = await new MailComposer({
      from: 'Support <support@example.com>',
      to,
      subject: '[#LOCAL-7] Drucker defekt',
      text: 'We got your request.',
      inReplyTo: '<CAF3x9Q-1234.5678@mail.example.org>',
      references: ['<CAF3x9Q-1234.5678@mail.example.org>'],
      headers: { 'Auto-Submitted': 'auto-replied' },
    })
      .compile()
      .build();
    try {
      const sent = await ses.send(new SendEmailCommand({ Content: { Raw: { Data: raw } }, Destination: { ToAddresses: [to] } }));
      expect(sent.MessageId).toBeDefined();
      const email = (await sesStore()).emails.find((e) => e.messageId === sent.MessageId);
      expect(email).toBeDefined();
      expect(email?.subject).toBe('[#LOCAL-7] Drucker defekt');
      expect(email?.destination.to).toEqual([to]);
      const header = (name: string) => email?.headers?.find((h) => h.name.toLowerCase() === name.toLowerCase())?.value;
      expect(header('In-Reply-To')).toBe('<CAF3x9Q-1234.5678@mail.example.org>');
      expect(header('References')).toBe('<CAF3x9Q-1234.5678@mail.example.org>');
      expect(header('Auto-Submitted')).toBe('auto-replied');
      // As SES does, the local SES replaces the Message-ID (us-east-1 form); every other byte is kept.
      const sesId = `<${sent.MessageId}@email.amazonses.com>`;
      expect(header('Message-ID')).toBe(sesId);
      const kept = await sesRawMessage(sent.MessageId as string);
      const withoutId = (b: Buffer) => b.toString('latin1').replace(/^Message-ID:.*(?:\r\n[ \t].*)*\r\n/im, '');
      expect(kept.toString('latin1')).toContain(`Message-ID: ${sesId}\r\n`);
      expect(withoutId(kept)).toBe(withoutId(raw));
    } finally {
      ses.destroy();
    }
  });

  it('serves the mail viewer', async () => {
    const res = await fetch(localStack().ses.viewerUrl);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<html');
  });
});

describe('provisioning', () => {
  it('creates the table from the shared schema once, then finds it', async () => {
    const { dynamodb } = localClients();
    try {
      const name = await createTestTable('provision');
      expect(await ensureTable(dynamodb, name)).toBe('exists');
      const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: name }));
      expect(Table?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
      expect(Table?.KeySchema).toEqual([
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ]);
      const gsi = Table?.GlobalSecondaryIndexes?.find((i) => i.IndexName === 'byKind');
      expect(gsi?.KeySchema).toEqual([
        { AttributeName: 'gsi1pk', KeyType: 'HASH' },
        { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
      ]);
      expect(gsi?.Projection?.ProjectionType).toBe('ALL');
    } finally {
      dynamodb.destroy();
    }
  });

  it('creates a bucket once, then finds it', async () => {
    const { s3 } = localClients();
    try {
      const name = await createTestBucket('provision');
      expect(await ensureBucket(s3, name)).toBe('exists');
    } finally {
      s3.destroy();
    }
  });
});

describe('DynamoDB Local with a data dir', () => {
  it('keeps the data across a restart', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sesdesk-ddb-'));
    const clientFor = (endpoint: string) =>
      new DynamoDBClient({ endpoint, region: 'eu-west-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
    try {
      const first = await startDynamoDbLocal({ dataDir });
      const c1 = clientFor(first.endpoint);
      try {
        expect(await ensureTable(c1, 'persisted')).toBe('created');
        await c1.send(new PutItemCommand({ TableName: 'persisted', Item: { pk: { S: 'TICKET#LOCAL-1' }, sk: { S: 'META' }, subject: { S: 'kept' } } }));
      } finally {
        c1.destroy();
        await first.stop();
      }

      const second = await startDynamoDbLocal({ dataDir });
      // Another region and credentials: sharedDb makes them see the same data.
      const c2 = new DynamoDBClient({ endpoint: second.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
      try {
        expect(await ensureTable(c2, 'persisted')).toBe('exists');
        const { Item } = await c2.send(new GetItemCommand({ TableName: 'persisted', Key: { pk: { S: 'TICKET#LOCAL-1' }, sk: { S: 'META' } } }));
        expect(Item?.subject?.S).toBe('kept');
      } finally {
        c2.destroy();
        await second.stop();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
