import { createHash } from 'node:crypto';
import * as iconv from 'iconv-lite';
import { parseMessage } from '../../../lambdas/mail/parse-message';
import { InboundMessageSchema } from '../../../lambdas/domain/inbound-message';

const crlf = (s: string): Buffer => Buffer.from(s.replace(/\r?\n/g, '\r\n'), 'utf8');

async function parseOk(raw: Buffer) {
  const p = await parseMessage(raw);
  expect(InboundMessageSchema.safeParse(p.message).success).toBe(true);
  return p;
}

describe('parseMessage on ordinary mail', () => {
  it('decodes the spec example message', async () => {
    const raw = crlf(`From: =?UTF-8?Q?Ana_P=C3=A9rez?= <Ana@Example.com>
To: support@example.com
Subject: =?UTF-8?Q?Urgente:_el_sistema_est=C3=A1_ca=C3=ADdo?= [#USE1-1042]
Date: Fri, 20 Nov 2026 09:00:00 -0800
Message-ID: <abc@example.com>
In-Reply-To: <prev@example.com>
References: <first@example.com> <prev@example.com>
Content-Type: text/plain; charset=utf-8

Se cayó todo.

El vie, 20 nov 2026 a las 8:00, Soporte (<support@example.com>) escribió:
> ¿Algo más?
`);
    const { message: m } = await parseOk(raw);
    expect(m.from).toEqual({ name: 'Ana Pérez', address: 'ana@example.com' });
    expect(m.to).toEqual([{ name: '', address: 'support@example.com' }]);
    expect(m.subject).toBe('Urgente: el sistema está caído [#USE1-1042]');
    expect(m.date).toBe('2026-11-20T17:00:00.000Z');
    expect(m.messageId).toBe('<abc@example.com>');
    expect(m.inReplyTo).toBe('<prev@example.com>');
    expect(m.references).toEqual(['<first@example.com>', '<prev@example.com>']);
    expect(m.reply).toBe('Se cayó todo.');
    expect(m.ticketRef).toBe('USE1-1042');
    expect(m.autoReply).toBe(false);
    expect(m.bounce).toBe(false);
  });

  it('decodes raw 8-bit GBK and windows-1252 headers using the declared charset', async () => {
    const head = Buffer.concat([
      Buffer.from('From: "'),
      iconv.encode('王小明', 'gbk'),
      Buffer.from('" <wang@example.cn>\r\nSubject: '),
      iconv.encode('绩效管理报告', 'gbk'),
      Buffer.from('\r\nContent-Type: text/plain; charset=gb2312\r\n\r\n'),
      iconv.encode('你好', 'gbk'),
      Buffer.from('\r\n'),
    ]);
    const { message: m } = await parseOk(head);
    expect(m.from).toEqual({ name: '王小明', address: 'wang@example.cn' });
    expect(m.subject).toBe('绩效管理报告');
    expect(m.text.trim()).toBe('你好');
    expect(m.problems.join(' ')).toMatch(/8-bit header/);

    const latin = Buffer.concat([Buffer.from('From: a@example.com\r\nSubject: '), iconv.encode('Formação Verão', 'windows-1252'), Buffer.from('\r\n\r\nx\r\n')]);
    expect((await parseOk(latin)).message.subject).toBe('Formação Verão');
  });

  it('decodes x-uuencode parts and stores the declared content type', async () => {
    const raw = crlf(`From: a@example.com
Subject: uu
Content-Type: multipart/mixed; boundary="b1"

--b1
Content-Type: text/plain

see file
--b1
Content-Type: application/msword; name="hello.doc"
Content-Disposition: attachment; filename="hello.doc"
Content-Transfer-Encoding: x-uuencode

,2&5L;&\\@6F%M;6%D
\`
--b1--
`);
    const { message: m, attachments } = await parseOk(raw);
    expect(attachments).toHaveLength(1);
    expect(attachments[0].content.toString()).toBe('Hello Zammad');
    expect(m.attachments[0]).toMatchObject({ filename: 'hello.doc', contentType: 'application/msword', size: 12 });
    expect(m.attachments[0].sha256).toBe(createHash('sha256').update('Hello Zammad').digest('hex'));
  });

  it('derives text from HTML-only mail and keeps no markup', async () => {
    const raw = crlf(`From: a@example.com
Subject: html
Content-Type: text/html; charset=utf-8

<p onclick="steal()">Hello <b>there</b></p><script>alert(1)</script><a href="javascript:alert(2)">x</a><style>p{}</style>
`);
    const { message: m } = await parseOk(raw);
    expect(m.text).toContain('Hello there');
    expect(m.hasHtml).toBe(true);
    expect(JSON.stringify(m)).not.toMatch(/<b>|<script|alert\(1\)|onclick|<style|p{}/i);
  });

  it('classifies a DSN bounce and finds the original Message-ID', async () => {
    const raw = crlf(`From: Mail Delivery System <MAILER-DAEMON@mx.example.com>
Return-Path: <>
Subject: Undelivered Mail Returned to Sender
Auto-Submitted: auto-replied
Content-Type: multipart/report; report-type=delivery-status; boundary="r"

--r
Content-Type: text/plain

Your message could not be delivered.
--r
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.com

Final-Recipient: rfc822; bob@example.org
Action: failed
Status: 5.1.1
--r
Content-Type: message/rfc822

From: support@desk.example.com
Message-ID: <orig-7@desk.example.com>
Subject: [#USE1-7] hello

hi
--r--
`);
    const { message: m } = await parseOk(raw);
    expect(m.bounce).toBe(true);
    expect(m.autoReply).toBe(true);
    expect(m.bouncedMessageId).toBe('<orig-7@desk.example.com>');
    expect(m.failedRecipients).toEqual(['bob@example.org']);
    expect(m.text).toContain('Status: 5.1.1');
  });

  it('falls back to Reply-To when From has no address, and reads a bare local part', async () => {
    const a = await parseOk(crlf('From: "X" <>\nReply-To: <real@example.com>\nSubject: s\n\nb\n'));
    expect(a.message.from?.address).toBe('real@example.com');
    const b = await parseOk(crlf('From: MAILER-DAEMON (Mail Delivery System)\nSubject: s\n\nb\n'));
    expect(b.message.from).toEqual({ name: 'Mail Delivery System', address: 'mailer-daemon' });
  });

  it('keeps folding whitespace in the subject (RFC 5322 unfolding)', async () => {
    const { message: m } = await parseOk(crlf('From: a@example.com\nSubject: Re: TEST \n\t=?UTF-8?B?w6TDtsO8?=\n\nb\n'));
    expect(m.subject).toBe('Re: TEST \täöü');
  });
});

describe('parseMessage on hostile input never throws', () => {
  it('no headers at all', async () => {
    const { message: m } = await parseOk(Buffer.from('just some text\nwithout any header\n'));
    expect(m.problems.join(' ')).toMatch(/no header block/);
    expect(m.from).toBeNull();
    expect(m.text).toContain('just some text');
  });

  it('empty input', async () => {
    const { message: m } = await parseOk(Buffer.alloc(0));
    expect(m.problems).toContain('empty message');
  });

  it('binary garbage', async () => {
    let seed = 7;
    const bytes = Buffer.alloc(64 * 1024);
    for (let i = 0; i < bytes.length; i++) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      bytes[i] = seed & 0xff;
    }
    const { message: m } = await parseOk(bytes);
    expect(m.problems.length).toBeGreaterThan(0);
    expect(m.text).not.toContain('\u0000');
  });

  it('unterminated multipart', async () => {
    const raw = crlf(`From: a@example.com
Subject: cut
Content-Type: multipart/mixed; boundary="zz"

--zz
Content-Type: text/plain

first part
--zz
Content-Type: application/pdf; name="a.pdf"
Content-Transfer-Encoding: base64

JVBERi0xLjQK
`);
    const { message: m } = await parseOk(raw);
    expect(m.text).toContain('first part');
    expect(m.problems.join(' ')).toMatch(/never closed/);
  });

  it('10,000 encoded words in the subject', async () => {
    const words = Array.from({ length: 10_000 }, () => '=?UTF-8?B?w6Q=?=').join('\r\n ');
    const { message: m } = await parseOk(Buffer.from(`From: a@example.com\r\nSubject: ${words}\r\n\r\nbody\r\n`));
    expect(m.subject).toBe('ä'.repeat(10_000));
  });

  it('CRLF and NUL injection in an attachment name stays out of the name', async () => {
    const raw = crlf(`From: a@example.com
Subject: names
Content-Type: multipart/mixed; boundary="q"

--q
Content-Type: text/plain

x
--q
Content-Type: text/plain
Content-Disposition: attachment; filename="=?UTF-8?B?${Buffer.from('evil\r\nX-Injected: 1\u0000.txt').toString('base64')}?="

data
--q--
`);
    const { message: m } = await parseOk(raw);
    expect(m.attachments).toHaveLength(1);
    // eslint-disable-next-line no-control-regex -- NUL is what the test looks for
    expect(m.attachments[0].filename).not.toMatch(/[\r\n\u0000]/);
  });

  it('a 40 MB attachment', async () => {
    // 57 input bytes make exactly one 76-character base64 line: build the body by repetition.
    const lines = 736_000;
    const payload = Buffer.alloc(57 * lines, 0x5a);
    const b64 = `${payload.subarray(0, 57).toString('base64')}\r\n`.repeat(lines);
    const raw = Buffer.concat([
      crlf(`From: a@example.com
Subject: big
Content-Type: multipart/mixed; boundary="big"

--big
Content-Type: text/plain

see attachment
--big
Content-Type: application/octet-stream; name="big.bin"
Content-Disposition: attachment; filename="big.bin"
Content-Transfer-Encoding: base64

`),
      Buffer.from(b64),
      crlf('\n--big--\n'),
    ]);
    const { message: m, attachments } = await parseOk(raw);
    expect(m.attachments[0]).toMatchObject({ filename: 'big.bin', size: payload.length });
    expect(m.attachments[0].sha256).toBe(createHash('sha256').update(payload).digest('hex'));
    expect(attachments[0].content.length).toBe(payload.length);
  });

  it('honours maxBytes with a problem instead of failing', async () => {
    const raw = crlf('From: a@example.com\nSubject: s\n\n' + 'x'.repeat(5000) + '\n');
    const { message: m } = await parseOk(raw);
    const limited = await parseMessage(raw, { maxBytes: 100 });
    expect(m.problems).not.toContainEqual(expect.stringMatching(/only the first/));
    expect(limited.message.problems).toContainEqual(expect.stringMatching(/only the first 100/));
    expect(limited.message.subject).toBe('s');
  });
});
