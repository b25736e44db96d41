import { createHash, randomBytes } from 'node:crypto';
import { parseMessage } from '../../../lambdas/mail/parse-message';
import { ingestEmail } from '../../../lambdas/use-cases/ingest-email';
import { MAX_PARSE_BYTES, memoryIngestDeps } from './memory-deps';

/** Regressions behind the fuzz and memory work: the streamed parse of large mail, stable dedupe keys. */

function multipart(attachments: Buffer[]): Buffer {
  const b = 'large_boundary';
  const parts = attachments.map((content, i) =>
    [`--${b}`, `Content-Type: application/octet-stream; name="part-${i}.bin"`, `Content-Disposition: attachment; filename="part-${i}.bin"`,
      'Content-Transfer-Encoding: base64', '', content.toString('base64').replace(/.{76}/g, '$&\r\n')].join('\r\n'),
  );
  return Buffer.from(
    ['From: Big <big@customer.example>', 'To: support@example.com', 'Subject: large', 'Message-ID: <large@customer.example>', 'MIME-Version: 1.0',
      `Content-Type: multipart/mixed; boundary="${b}"`, '', `--${b}`, 'Content-Type: text/plain; charset=utf-8', '', 'See attached.',
      ...parts, `--${b}--`, ''].join('\r\n'),
  );
}

it('a message above the streaming threshold yields every attachment byte for byte', async () => {
  const contents = [randomBytes(1_500_000), randomBytes(700_000), randomBytes(10)];
  const raw = multipart(contents);
  expect(raw.length).toBeGreaterThan(2 * 1024 * 1024);
  const { message, attachments } = await parseMessage(raw, { maxBytes: MAX_PARSE_BYTES });
  expect(message.text.trim()).toBe('See attached.');
  expect(attachments.map((a) => [a.filename, a.size, a.sha256])).toEqual(
    contents.map((c, i) => [`part-${i}.bin`, c.length, createHash('sha256').update(c).digest('hex')]),
  );
  expect(attachments.every((a, i) => a.content.equals(contents[i]))).toBe(true);
});

describe('mail with an unreadable Date header', () => {
  const raw = Buffer.from('To: support@example.com\r\nSubject: no id\r\nDate: Fri,(20 Nov 2026 10:00:00 +0000\r\n\r\nhello\r\n');

  it('has no date and a problem, not the time it was parsed', async () => {
    const { message } = await parseMessage(raw);
    expect(message.date).toBeNull();
    expect(message.problems.some((p) => p.startsWith('unreadable Date header'))).toBe(true);
  });

  it('without a Message-ID is still recognised as a duplicate when delivered again later', async () => {
    let now = new Date('2026-11-20T10:00:00Z');
    const deps = memoryIngestDeps({ now: () => now });
    await deps.rawMail.putObject('inbound/a', raw, 'message/rfc822');
    await deps.rawMail.putObject('inbound/b', raw, 'message/rfc822');
    const input = (id: string) => ({
      sesMessageId: id, rawKey: `inbound/${id}`, recipients: ['support@example.com'], receivedAt: now, messageId: null,
      verdicts: { spamVerdict: 'PASS', virusVerdict: 'PASS', spfVerdict: 'GRAY', dkimVerdict: 'GRAY', dmarcVerdict: 'GRAY' },
    });
    expect((await ingestEmail(deps, input('a'))).outcome).toBe('created');
    await new Promise((r) => setTimeout(r, 5));
    now = new Date('2026-11-20T10:05:00Z');
    expect((await ingestEmail(deps, input('b'))).outcome).toBe('duplicate');
    expect(deps.tickets.tickets.size).toBe(1);
  });
});
