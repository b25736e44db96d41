import fc from 'fast-check';

/**
 * fast-check arbitraries for raw mail: well-formed messages built from random parts, and
 * mutations of them the way broken mailers, truncating relays and attackers produce them.
 */

const CRLF = '\r\n';

const word = fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789'), minLength: 1, maxLength: 12 });
const anyText = fc.string({ unit: 'grapheme', maxLength: 80 });
const localPart = fc.tuple(word, fc.constantFrom('', '.', '+', '_')).map(([w, s]) => `${w}${s}${s ? 'x' : ''}`);
const address = fc.tuple(localPart, fc.constantFrom('customer.example', 'example.com', 'mail.example.org', 'xn--bcher-kva.example')).map(([l, d]) => `${l}@${d}`);

function encodedWord(text: string, b: boolean): string {
  if (b) return `=?UTF-8?B?${Buffer.from(text, 'utf8').toString('base64')}?=`;
  const q = [...Buffer.from(text, 'utf8')].map((c) => (/[A-Za-z0-9]/.test(String.fromCharCode(c)) ? String.fromCharCode(c) : `=${c.toString(16).toUpperCase().padStart(2, '0')}`)).join('');
  return `=?UTF-8?Q?${q}?=`;
}

const displayName = fc.oneof(
  fc.constant(''),
  word,
  anyText.map((t) => encodedWord(t, true)),
  anyText.map((t) => `"${t.replace(/["\\\r\n]/g, '')}"`),
);
const mailbox = fc.tuple(displayName, address).map(([n, a]) => (n ? `${n} <${a}>` : a));

const attachment = fc.record({
  filename: fc.oneof(word.map((w) => `${w}.pdf`), anyText.map((t) => encodedWord(`${t}.txt`, false)), fc.constant('../../etc/passwd'), fc.constant('a\u0000b.exe')),
  contentType: fc.constantFrom('application/pdf', 'image/png', 'text/plain', 'application/octet-stream', 'message/rfc822', 'message/delivery-status'),
  body: fc.uint8Array({ maxLength: 2048 }),
  encoding: fc.constantFrom('base64', 'quoted-printable', '7bit', 'x-uuencode'),
});

export interface MailParts {
  from: string | null;
  to: string[];
  subject: string;
  messageId: string | null;
  inReplyTo: string | null;
  text: string;
  html: string | null;
  attachments: Array<{ filename: string; contentType: string; body: Uint8Array; encoding: string }>;
  extraHeaders: Array<[string, string]>;
  charset: string;
}

export const mailParts: fc.Arbitrary<MailParts> = fc.record({
  from: fc.option(mailbox, { freq: 8 }),
  to: fc.array(mailbox, { minLength: 0, maxLength: 4 }),
  subject: fc.oneof(anyText, anyText.map((t) => encodedWord(t, true)), fc.tuple(anyText, fc.constantFrom('[#LOCAL-1]', '[#LOCAL-99999]', 'Re:', 'AW:')).map(([t, p]) => `${p} ${t}`)),
  messageId: fc.option(fc.tuple(word, word).map(([a, b]) => `<${a}.${b}@customer.example>`), { freq: 5 }),
  inReplyTo: fc.option(fc.constantFrom('<x@example.com>', '<LOCAL-1.ack@example.com>', 'garbage'), { freq: 3 }),
  text: fc.string({ unit: 'grapheme', maxLength: 600 }),
  html: fc.option(fc.constantFrom('<p>hi</p>', '<script>alert(1)</script><b onclick="x()">b</b>', '<div><table><tr><td>x'), { freq: 3 }),
  attachments: fc.array(attachment, { maxLength: 3 }),
  extraHeaders: fc.array(
    fc.tuple(fc.constantFrom('Auto-Submitted', 'Precedence', 'X-Autoreply', 'Return-Path', 'References', 'Reply-To', 'Sender', 'Cc', 'Received'), anyText),
    { maxLength: 4 },
  ),
  charset: fc.constantFrom('utf-8', 'iso-8859-1', 'windows-1252', 'koi8-r', 'x-unknown'),
});

function encodeBody(body: Uint8Array, encoding: string): string {
  const buf = Buffer.from(body);
  if (encoding === 'base64') return buf.toString('base64').replace(/.{76}/g, `$&${CRLF}`);
  if (encoding === 'quoted-printable') return [...buf].map((c) => `=${c.toString(16).toUpperCase().padStart(2, '0')}`).join('').replace(/.{72}/g, `$&=${CRLF}`);
  if (encoding === 'x-uuencode') return `begin 644 file${CRLF}${buf.toString('latin1').replace(/[^\x20-\x5f]/g, '!')}${CRLF}end`;
  return buf.toString('latin1').replace(/\r?\n/g, CRLF);
}

/** A message from its parts: single part, or multipart/mixed with alternative text/HTML and attachments. */
export function buildMail(p: MailParts): Buffer {
  const h: string[] = [];
  if (p.from !== null) h.push(`From: ${p.from}`);
  if (p.to.length > 0) h.push(`To: ${p.to.join(', ')}`);
  h.push(`Subject: ${p.subject.replace(/\r?\n/g, ' ')}`);
  h.push('Date: Fri, 20 Nov 2026 10:00:00 +0000');
  if (p.messageId) h.push(`Message-ID: ${p.messageId}`);
  if (p.inReplyTo) h.push(`In-Reply-To: ${p.inReplyTo}`);
  for (const [k, v] of p.extraHeaders) h.push(`${k}: ${v.replace(/\r?\n/g, ' ')}`);
  h.push('MIME-Version: 1.0');
  const text = Buffer.from(p.text, 'utf8').toString('latin1');
  if (p.attachments.length === 0 && p.html === null) {
    h.push(`Content-Type: text/plain; charset=${p.charset}`, 'Content-Transfer-Encoding: 8bit');
    return Buffer.from(`${h.join(CRLF)}${CRLF}${CRLF}${text}${CRLF}`, 'latin1');
  }
  const b = 'b1_fuzz_boundary';
  const a = 'b2_fuzz_alt';
  h.push(`Content-Type: multipart/mixed; boundary="${b}"`);
  const parts: string[] = [];
  parts.push(
    [`Content-Type: multipart/alternative; boundary="${a}"`, '', `--${a}`, `Content-Type: text/plain; charset=${p.charset}`, '', text,
      ...(p.html !== null ? [`--${a}`, 'Content-Type: text/html; charset=utf-8', '', p.html] : []), `--${a}--`].join(CRLF),
  );
  for (const att of p.attachments) {
    parts.push(
      [`Content-Type: ${att.contentType}; name="${att.filename}"`, `Content-Disposition: attachment; filename="${att.filename}"`,
        `Content-Transfer-Encoding: ${att.encoding}`, '', encodeBody(att.body, att.encoding)].join(CRLF),
    );
  }
  const body = `${parts.map((x) => `--${b}${CRLF}${x}`).join(CRLF)}${CRLF}--${b}--${CRLF}`;
  return Buffer.from(`${h.join(CRLF)}${CRLF}${CRLF}${body}`, 'latin1');
}

export type Mutation =
  | { kind: 'none' }
  | { kind: 'truncate'; at: number }
  | { kind: 'flip'; positions: number[]; xor: number }
  | { kind: 'duplicateHeaders'; times: number }
  | { kind: 'garbleHeader'; at: number; junk: Uint8Array }
  | { kind: 'breakBoundaries'; variant: number }
  | { kind: 'hugeHeaderLine'; length: number; folded: boolean }
  | { kind: 'encodedWordFlood'; count: number; broken: boolean }
  | { kind: 'bareLf' }
  | { kind: 'nulBytes'; at: number };

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { arbitrary: fc.constant<Mutation>({ kind: 'none' }), weight: 1 },
  { arbitrary: fc.double({ min: 0, max: 1, noNaN: true }).map<Mutation>((at) => ({ kind: 'truncate', at })), weight: 2 },
  { arbitrary: fc.record({ positions: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 20 }), xor: fc.integer({ min: 1, max: 255 }) }).map<Mutation>((r) => ({ kind: 'flip', ...r })), weight: 2 },
  { arbitrary: fc.integer({ min: 2, max: 50 }).map<Mutation>((times) => ({ kind: 'duplicateHeaders', times })), weight: 1 },
  { arbitrary: fc.record({ at: fc.double({ min: 0, max: 1, noNaN: true }), junk: fc.uint8Array({ minLength: 1, maxLength: 40 }) }).map<Mutation>((r) => ({ kind: 'garbleHeader', ...r })), weight: 2 },
  { arbitrary: fc.integer({ min: 0, max: 4 }).map<Mutation>((variant) => ({ kind: 'breakBoundaries', variant })), weight: 2 },
  { arbitrary: fc.record({ length: fc.integer({ min: 1000, max: 300_000 }), folded: fc.boolean() }).map<Mutation>((r) => ({ kind: 'hugeHeaderLine', ...r })), weight: 1 },
  { arbitrary: fc.record({ count: fc.integer({ min: 100, max: 5000 }), broken: fc.boolean() }).map<Mutation>((r) => ({ kind: 'encodedWordFlood', ...r })), weight: 1 },
  { arbitrary: fc.constant<Mutation>({ kind: 'bareLf' }), weight: 1 },
  { arbitrary: fc.double({ min: 0, max: 1, noNaN: true }).map<Mutation>((at) => ({ kind: 'nulBytes', at })), weight: 1 },
);

function headerEnd(raw: Buffer): number {
  const i = raw.indexOf('\r\n\r\n');
  return i < 0 ? raw.length : i;
}

/** Applies one mutation to a raw message. */
export function mutate(raw: Buffer, m: Mutation): Buffer {
  const pos = (f: number, len = raw.length) => Math.min(len, Math.floor(f * len));
  switch (m.kind) {
    case 'none':
      return raw;
    case 'truncate':
      return raw.subarray(0, pos(m.at));
    case 'flip': {
      const out = Buffer.from(raw);
      for (const p of m.positions) if (out.length > 0) out[Math.min(out.length - 1, pos(p))] ^= m.xor;
      return out;
    }
    case 'duplicateHeaders': {
      const end = headerEnd(raw);
      const head = raw.subarray(0, end);
      return Buffer.concat([...Array.from({ length: m.times }, () => Buffer.concat([head, Buffer.from('\r\n')])), raw.subarray(end + 2)]);
    }
    case 'garbleHeader': {
      const at = pos(m.at, headerEnd(raw));
      return Buffer.concat([raw.subarray(0, at), Buffer.from(m.junk), raw.subarray(at)]);
    }
    case 'breakBoundaries': {
      const s = raw.toString('latin1');
      const variants = [
        (x: string) => x.replace(/--b1_fuzz_boundary--/g, ''), // never closed
        (x: string) => x.replace(/boundary="b1_fuzz_boundary"/, 'boundary=""'), // empty boundary
        (x: string) => x.replace(/--b2_fuzz_alt/g, '--b1_fuzz_boundary'), // nested parts share one boundary
        (x: string) => x.replace(/boundary="b1_fuzz_boundary"/, `boundary="${'x'.repeat(2000)}"`), // absurdly long
        (x: string) => x.replace(/\r\n--b1_fuzz_boundary\r\n/g, '--b1_fuzz_boundary'), // glued to content
      ];
      return Buffer.from(variants[m.variant](s), 'latin1');
    }
    case 'hugeHeaderLine': {
      const value = m.folded ? Array.from({ length: Math.ceil(m.length / 70) }, () => 'x'.repeat(69)).join('\r\n ') : 'x'.repeat(m.length);
      return Buffer.concat([Buffer.from(`X-Huge: ${value}\r\nSubject: ${value.slice(0, m.length / 2)}\r\n`), raw]);
    }
    case 'encodedWordFlood': {
      const w = m.broken ? '=?UTF-8?B?w6k' : '=?UTF-8?B?w6k=?=';
      const flood = Array.from({ length: m.count }, () => w).join(' ');
      return Buffer.concat([Buffer.from(`Subject: ${flood}\r\nFrom: ${flood} <flood@customer.example>\r\n`), raw]);
    }
    case 'bareLf':
      return Buffer.from(raw.toString('latin1').replace(/\r\n/g, '\n'), 'latin1');
    case 'nulBytes': {
      const at = pos(m.at);
      return Buffer.concat([raw.subarray(0, at), Buffer.alloc(64), raw.subarray(at)]);
    }
  }
}

export const verdicts = fc.record({
  spamVerdict: fc.constantFrom('PASS', 'FAIL', 'GRAY', 'PROCESSING_FAILED'),
  virusVerdict: fc.constantFrom('PASS', 'PASS', 'PASS', 'FAIL', 'GRAY'),
  spfVerdict: fc.constantFrom('PASS', 'FAIL', 'GRAY'),
  dkimVerdict: fc.constantFrom('PASS', 'FAIL', 'GRAY'),
  dmarcVerdict: fc.constantFrom('PASS', 'FAIL', 'GRAY'),
  dmarcPolicy: fc.constantFrom(null, 'none', 'quarantine', 'reject'),
});
