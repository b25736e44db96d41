import fc from 'fast-check';
import libmime from 'libmime';
import { simpleParser, type AddressObject } from 'mailparser';
import { addressWords, composeMime, encodeWords, quotedPrintable } from '../../../lambdas/adapters/mime-composer';
import { InvalidInputError } from '../../../lambdas/domain/errors';
import type { OutboundMail } from '../../../lambdas/domain/ports';

const DATE = new Date('2026-12-02T09:15:30Z');
const base = (over: Partial<OutboundMail> = {}): OutboundMail => ({
  from: { name: 'ACME Support', address: 'support@desk.example' },
  to: [{ name: 'Zoë Müller', address: 'zoe@example.com' }],
  subject: 'Re: Drucker brennt [#EUW1-7]',
  text: 'Hallo Zoë,\n\nwir kümmern uns.\n',
  ...over,
});
const first = (a: AddressObject | AddressObject[] | undefined) => (Array.isArray(a) ? a[0] : a)?.value ?? [];

/** Every line of the message: 7-bit, CRLF-terminated, within the hard limit (and the soft one for headers). */
function expectWellFormed(raw: Buffer): void {
  for (const byte of raw) expect(byte).toBeLessThan(128);
  const text = raw.toString('ascii');
  expect(text.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
  const [head, ...body] = text.split('\r\n\r\n');
  for (const line of head.split('\r\n')) {
    expect(line).toMatch(/^([!-9;-~]+: |[ \t])/);
    expect(line.length).toBeLessThanOrEqual(998);
  }
  for (const line of body.join('\r\n\r\n').split('\r\n')) expect(line.length).toBeLessThanOrEqual(76);
}

describe('composeMime', () => {
  it('writes the fixed headers of a text mail in order, with a UTC date and CRLF lines', () => {
    const raw = composeMime(base({ inReplyTo: '<root@example.com>', references: ['<root@example.com>'], headers: { 'Auto-Submitted': 'auto-replied' } }), {
      date: DATE,
      messageId: '<fixed@desk.example>',
    }).toString('ascii');
    expect(raw.split('\r\n\r\n')[0].split('\r\n')).toEqual([
      'From: ACME Support <support@desk.example>',
      'To: =?UTF-8?B?Wm/DqyBNw7xsbGVy?= <zoe@example.com>',
      'Subject: Re: Drucker brennt [#EUW1-7]',
      'Date: Wed, 02 Dec 2026 09:15:30 +0000',
      'Message-ID: <fixed@desk.example>',
      'In-Reply-To: <root@example.com>',
      'References: <root@example.com>',
      'Auto-Submitted: auto-replied',
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: quoted-printable',
    ]);
    expect(raw.split('\r\n\r\n').slice(1).join('\r\n\r\n')).toBe('Hallo Zo=C3=AB,\r\n\r\nwir k=C3=BCmmern uns.\r\n');
  });

  it('keeps short plain ASCII text as 7bit and gives a random Message-ID at the sender domain', async () => {
    const raw = composeMime(base({ text: 'Thanks.\nWe are on it.\n' }));
    expect(raw.toString('ascii')).toContain('Content-Transfer-Encoding: 7bit\r\n\r\nThanks.\r\nWe are on it.\r\n');
    const parsed = await simpleParser(raw);
    expect(parsed.messageId).toMatch(/^<[0-9a-f-]{36}@desk\.example>$/);
    expect(composeMime(base()).toString('ascii')).not.toBe(raw.toString('ascii').replace(/Message-ID: .*/, ''));
  });

  it('quotes display names with specials and encodes ones that look like encoded words', () => {
    expect(addressWords({ name: 'Doe, John (ops)', address: 'j@example.com' })).toEqual(['"Doe, John (ops)"', '<j@example.com>']);
    expect(addressWords({ name: 'say "hi" \\ bye', address: 'j@example.com' })).toEqual(['"say \\"hi\\" \\\\ bye"', '<j@example.com>']);
    expect(addressWords({ name: '=?UTF-8?B?QQ==?=', address: 'j@example.com' })[0]).toMatch(/^=\?UTF-8\?B\?/);
    expect(addressWords({ name: '', address: 'j@example.com' })).toEqual(['j@example.com']);
  });

  it('writes an internationalised domain in punycode and refuses an address without one', () => {
    expect(addressWords({ name: '', address: 'kunde@bücher.example' })).toEqual(['kunde@xn--bcher-kva.example']);
    expect(() => composeMime(base({ to: [{ name: '', address: 'nobody' }] }))).toThrow(InvalidInputError);
    expect(() => composeMime(base({ to: [] }))).toThrow(/at least one recipient/);
    expect(() => composeMime(base({ headers: { 'Bad Name': 'x' } }))).toThrow(/headers: invalid header name/);
  });

  it('splits encoded words between code points and keeps each within 75 characters', () => {
    const words = encodeWords('😀'.repeat(40) + 'ä'.repeat(40));
    for (const w of words) {
      expect(w.length).toBeLessThanOrEqual(75);
      const decoded = Buffer.from(w.slice(10, -2), 'base64').toString('utf8');
      expect(decoded).not.toContain('\uFFFD');
    }
    expect(words.map((w) => Buffer.from(w.slice(10, -2), 'base64').toString('utf8')).join('')).toBe('😀'.repeat(40) + 'ä'.repeat(40));
  });

  it('encodes trailing white space, "=" and long lines in quoted-printable', () => {
    expect(quotedPrintable('a = b \nc\t')).toBe('a =3D b=20\r\nc=09');
    const long = quotedPrintable('x'.repeat(200));
    expect(long.split('\r\n').map((l) => l.length)).toEqual([76, 76, 50]);
    expect(long.replace(/=\r\n/g, '')).toBe('x'.repeat(200));
    // An escape is never split by a soft break.
    for (const line of quotedPrintable('é'.repeat(100)).split('\r\n')) expect(line).toMatch(/^(=[0-9A-F]{2})+=?$/);
  });

  it('folds a long subject at its own spaces and a long address list after commas', async () => {
    const subject = `Re: ${'word '.repeat(40)}end`;
    const to = Array.from({ length: 30 }, (_, i) => ({ name: `Person ${i}`, address: `p${i}@example.com` }));
    const raw = composeMime(base({ subject, to }));
    expectWellFormed(raw);
    for (const line of raw.toString('ascii').split('\r\n\r\n')[0].split('\r\n')) expect(line.length).toBeLessThanOrEqual(78);
    const parsed = await simpleParser(raw);
    expect(parsed.subject).toBe(subject);
    expect(first(parsed.to)).toEqual(to);
  });

  it('survives a 1,000-character name, subject and header value without a line over the limit', async () => {
    const name = 'N'.repeat(1000);
    const raw = composeMime(base({ subject: 's'.repeat(1000), from: { name, address: 'support@desk.example' }, headers: { 'X-Long': 'v'.repeat(1000) } }));
    expectWellFormed(raw);
    const parsed = await simpleParser(raw);
    expect(parsed.subject).toBe('s'.repeat(1000));
    expect(parsed.from?.value[0]).toEqual({ name, address: 'support@desk.example' });
    // mailparser leaves encoded words in headers it does not know; a reader that decodes them gets the value back.
    expect(libmime.decodeWords(parsed.headers.get('x-long') as string)).toBe('v'.repeat(1000));
  });

  // Names without leading/trailing space and without runs of white space: a reader trims and collapses those.
  const displayName = fc
    .array(fc.oneof(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 8 }), fc.constantFrom('"', '\\', ',', '(', ')', '<', '>', ':', ';', '@', '=?', '?=')), { maxLength: 8 })
    // eslint-disable-next-line no-control-regex -- control characters are what the composer must never see in a name
    .map((parts) => parts.join(' ').replace(/[\s\u0000-\u001f\u007f-\u009f\u2028\u2029\uFEFF]+/g, ' ').trim());
  const text = fc
    .array(fc.oneof(fc.string({ unit: 'grapheme', maxLength: 120 }), fc.constantFrom('', ' ', 'x '.repeat(60), '=', 'a\t', '.'), fc.string({ unit: 'binary', maxLength: 40 })), { maxLength: 12 })
    // eslint-disable-next-line no-control-regex -- bare CR and NUL are not text a body can carry
    .map((lines) => lines.join('\n').replace(/[\r\u0000]/g, ''));
  const subject = fc
    .oneof(fc.string({ unit: 'grapheme', maxLength: 200 }), fc.string({ unit: 'binary', maxLength: 120 }))
    // eslint-disable-next-line no-control-regex -- a subject arrives without control characters (the parser folds them)
    .map((s) => s.replace(/[\s\u0000-\u001f\u007f-\u009f\u2028\u2029\uFEFF]+/g, ' ').trim());

  it('round-trips generated names, subjects, texts and headers through mailparser', async () => {
    await fc.assert(
      fc.asyncProperty(displayName, displayName, subject, text, fc.string({ unit: 'grapheme-ascii', maxLength: 60 }), async (fromName, toName, subj, body, loop) => {
        const mail = base({
          from: { name: fromName, address: 'support@desk.example' },
          to: [{ name: toName, address: 'zoe@example.com' }, { name: '', address: 'cc@example.com' }],
          subject: subj,
          text: body,
          references: ['<a@example.com>', '<b@example.com>'],
          inReplyTo: '<b@example.com>',
          headers: { 'X-Sesdesk-Loop': loop.replace(/\s+/g, ' ').trim() },
        });
        const raw = composeMime(mail);
        expectWellFormed(raw);
        const parsed = await simpleParser(raw);
        expect(parsed.subject ?? '').toBe(subj);
        expect(parsed.text ?? '').toBe(body);
        expect(parsed.from?.value).toEqual([{ name: fromName, address: 'support@desk.example' }]);
        expect(first(parsed.to)).toEqual([{ name: toName, address: 'zoe@example.com' }, { name: '', address: 'cc@example.com' }]);
        expect(parsed.inReplyTo).toBe('<b@example.com>');
        expect(parsed.references).toEqual(['<a@example.com>', '<b@example.com>']);
        expect(libmime.decodeWords((parsed.headers.get('x-sesdesk-loop') as string | undefined) ?? '')).toBe(loop.replace(/\s+/g, ' ').trim());
      }),
      { numRuns: 200 },
    );
  });
});
