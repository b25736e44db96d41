import { randomUUID } from 'node:crypto';
import { domainToASCII } from 'node:url';
import type { Address } from '../domain/inbound-message';
import type { OutboundMail } from '../domain/ports';
import { InvalidInputError } from '../domain/errors';

/**
 * A text-only RFC 5322 / MIME composer for the mail sesdesk sends (acks, relays, reminders).
 *
 * Why not nodemailer's MailComposer: it pulls nodemailer's URL fetcher and with it http, https,
 * zlib and a MIME type table into every handler bundle, which made it the single largest piece
 * of a timer handler's cold load (about 40 ms of ~250 ms, see bench/). Our outbound mail is
 * always one UTF-8 text part, so the composer only needs header encoding (RFC 2047), folding,
 * and quoted-printable.
 *
 * Every output line ends in CRLF and is 7-bit ASCII, unless an address's local part is not:
 * that is written as UTF-8, which only an SMTPUTF8 path can deliver. No
 * caller-supplied string can start a header line: CR and LF are folded to spaces first.
 */

/** RFC 5322 field name: printable ASCII except ':'. */
const HEADER_NAME = /^[!-9;-~]+$/;
/** Soft line length for headers and quoted-printable (RFC 5322 2.1.1, RFC 2045 6.7). */
const LINE = 76;
/** Text that a reader would take for an encoded word if left raw. */
const LOOKS_ENCODED = /=\?/;
/** Printable ASCII plus space and tab: may appear raw in an unstructured header. */
const PLAIN = /^[\t\x20-\x7e]*$/;
/** RFC 5322 atext: a display name made only of these words needs no quotes. */
const ATOMS = /^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~]+(?: [A-Za-z0-9!#$%&'*+\-/=?^_`{|}~]+)*$/;

/** Folds CR/LF (and any run of them) to one space, so a value can never start a new header line. */
export function singleLine(value: string): string {
  return value.replace(/[\r\n]+/g, ' ');
}

/**
 * RFC 2047 "B" encoded words for `text`, each at most 75 characters, split between code points
 * so that no word ends inside a UTF-8 sequence (readers decode word by word).
 */
export function encodeWords(text: string): string[] {
  const prefix = '=?UTF-8?B?';
  const maxBytes = Math.floor((75 - prefix.length - 2) / 4) * 3; // 45 bytes -> 60 base64 chars
  const words: string[] = [];
  let chunk: Buffer[] = [];
  let size = 0;
  for (const ch of text) {
    const bytes = Buffer.from(ch, 'utf8');
    if (size + bytes.length > maxBytes && size > 0) {
      words.push(`${prefix}${Buffer.concat(chunk).toString('base64')}?=`);
      chunk = [];
      size = 0;
    }
    chunk.push(bytes);
    size += bytes.length;
  }
  if (size > 0) words.push(`${prefix}${Buffer.concat(chunk).toString('base64')}?=`);
  return words;
}

/** Longest display name written as a quoted string; longer ones become encoded words, which fold. */
const MAX_QUOTED = 60;

/** The words of `name <address>`: the display name raw, quoted or as encoded words, then the address. */
export function addressWords(a: Address): string[] {
  const address = asciiAddress(singleLine(a.address).trim());
  const name = singleLine(a.name).trim();
  if (!name) return [address];
  const raw = PLAIN.test(name) && !LOOKS_ENCODED.test(name) && name.length <= MAX_QUOTED;
  if (raw && ATOMS.test(name)) return [...name.split(' '), `<${address}>`];
  if (raw) return [`"${name.replace(/(["\\])/g, '\\$1')}"`, `<${address}>`];
  return [...encodeWords(name), `<${address}>`];
}

/** The address with an internationalised domain in its ASCII (punycode) form. */
function asciiAddress(address: string): string {
  const at = address.lastIndexOf('@');
  if (at < 0) throw new InvalidInputError(`address: ${JSON.stringify(address.slice(0, 80))} has no domain`);
  const domain = address.slice(at + 1);
  if (/^[\x21-\x7e]+$/.test(domain)) return address;
  const ascii = domainToASCII(domain);
  if (!ascii) throw new InvalidInputError(`address: ${JSON.stringify(address.slice(0, 80))} has an invalid domain`);
  return `${address.slice(0, at + 1)}${ascii}`;
}

/**
 * One header field made of groups of words: words of a group are joined by a space, groups by
 * ", ". A line break (CRLF SP) goes before any word that would pass the soft limit, so the
 * field unfolds to the same text.
 */
function field(name: string, groups: string[][]): string {
  let out = `${name}:`;
  let lineLength = out.length;
  groups.forEach((words, g) => {
    words.forEach((word, w) => {
      const lead = g > 0 && w === 0 ? ',' : '';
      if (lineLength + lead.length + 1 + word.length > LINE && lineLength > name.length + 1) {
        out += `${lead}\r\n ${word}`;
        lineLength = 1 + word.length;
      } else {
        out += `${lead} ${word}`;
        lineLength += lead.length + 1 + word.length;
      }
    });
  });
  return `${out}\r\n`;
}

/** Longest run without a space that an unstructured value may keep raw (the hard limit is 998). */
const MAX_RAW_RUN = 900;

/**
 * An unstructured value (Subject, custom headers): plain ASCII stays raw and folds only at its own
 * spaces, so unfolding restores it exactly; anything else becomes encoded words.
 */
function unstructuredField(name: string, value: string): string {
  const v = singleLine(value);
  const raw = PLAIN.test(v) && !LOOKS_ENCODED.test(v) && v.split(' ').every((run) => run.length <= MAX_RAW_RUN);
  if (!raw) return field(name, [encodeWords(v)]);
  let out = `${name}:`;
  let lineLength = out.length;
  // Each part starts with the space before it: a fold becomes CRLF + that space.
  for (const part of ` ${v}`.split(/(?= )/)) {
    if (lineLength + part.length > LINE && lineLength > name.length + 1 && part.trim() !== '') {
      out += `\r\n${part}`;
      lineLength = part.length;
    } else {
      out += part;
      lineLength += part.length;
    }
  }
  return `${out}\r\n`;
}

/** RFC 2045 quoted-printable of UTF-8 text, CRLF line breaks, lines of at most 76 characters. */
export function quotedPrintable(text: string): string {
  const lines = text.replace(/\r\n|\r|\n/g, '\n').split('\n');
  return lines.map(qpLine).join('\r\n');
}

function qpLine(line: string): string {
  const bytes = Buffer.from(line, 'utf8');
  const out: string[] = [];
  let current = '';
  for (let i = 0; i < bytes.length; i += 1) {
    const b = bytes[i];
    const last = i === bytes.length - 1;
    const literal = (b >= 33 && b <= 126 && b !== 61) || ((b === 32 || b === 9) && !last);
    const token = literal ? String.fromCharCode(b) : `=${b.toString(16).toUpperCase().padStart(2, '0')}`;
    // Room for the soft break '=' itself: 75 characters of content per soft-broken line.
    if (current.length + token.length > LINE - 1) {
      out.push(`${current}=`);
      current = '';
    }
    current += token;
  }
  out.push(current);
  return out.join('\r\n');
}

/** RFC 5322 date-time in UTC. */
function rfc5322Date(date: Date): string {
  return date.toUTCString().replace(/GMT$/, '+0000');
}

export interface ComposeOptions {
  /** Date header; defaults to now. */
  date?: Date;
  /** Message-ID header; defaults to a random id at the sender's domain (SES replaces it on send). */
  messageId?: string;
}

/** Raw MIME bytes of `mail`: one UTF-8 text/plain part, quoted-printable when it needs to be. */
export function composeMime(mail: OutboundMail, options: ComposeOptions = {}): Buffer {
  if (mail.to.length === 0) throw new InvalidInputError('to: at least one recipient is required');
  const custom: Array<[string, string]> = [];
  for (const [name, value] of Object.entries(mail.headers ?? {})) {
    if (!HEADER_NAME.test(name)) throw new InvalidInputError(`headers: invalid header name ${JSON.stringify(name)}`);
    custom.push([name, value]);
  }
  const fromAddress = asciiAddress(singleLine(mail.from.address).trim());
  const messageId = options.messageId ?? `<${randomUUID()}@${fromAddress.slice(fromAddress.lastIndexOf('@') + 1)}>`;
  let head = '';
  head += field('From', [addressWords(mail.from)]);
  if (mail.replyTo !== undefined && mail.replyTo.length > 0) head += field('Reply-To', mail.replyTo.map(addressWords));
  head += field('To', mail.to.map(addressWords));
  if (mail.cc !== undefined && mail.cc.length > 0) head += field('Cc', mail.cc.map(addressWords));
  head += unstructuredField('Subject', mail.subject);
  head += `Date: ${rfc5322Date(options.date ?? new Date())}\r\n`;
  head += field('Message-ID', [[singleLine(messageId).trim()]]);
  if (mail.inReplyTo) head += field('In-Reply-To', [[singleLine(mail.inReplyTo).trim()]]);
  const references = (mail.references ?? []).map((r) => singleLine(r).trim()).filter(Boolean);
  if (references.length > 0) head += field('References', [references.join(' ').split(/ +/)]);
  for (const [name, value] of custom) head += unstructuredField(name, value);
  head += 'MIME-Version: 1.0\r\n';
  head += 'Content-Type: text/plain; charset=utf-8\r\n';

  const normalized = mail.text.replace(/\r\n|\r|\n/g, '\n');
  const sevenBit = /^[\t\n\x20-\x7e]*$/.test(normalized) && normalized.split('\n').every((l) => l.length <= LINE && !/[ \t]$/.test(l));
  const body = sevenBit ? normalized.replace(/\n/g, '\r\n') : quotedPrintable(normalized);
  head += `Content-Transfer-Encoding: ${sevenBit ? '7bit' : 'quoted-printable'}\r\n`;
  return Buffer.from(`${head}\r\n${body}`, 'utf8');
}
