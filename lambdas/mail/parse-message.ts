import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { Attachment, ParsedMail } from 'mailparser';
// Requires, not imports: the bundler then takes the CommonJS builds of mailparser and libmime,
// the ones mailsplit (inside mailparser) requires. Importing would add their ES builds beside
// them: a second libmime, with its 70 KB MIME type table, loaded at every cold start.
import mailparser = require('mailparser');
import libmime = require('libmime');

const { simpleParser } = mailparser;
import {
  InboundMessageSchema,
  type AttachmentInfo,
  type InboundMessage,
} from '../domain/inbound-message';
import { classifyAutoReply, classifyBounce, type BouncePart, type HeaderLookup } from '../domain/classify';
import { findTicketRef, findTicketRefInAddresses } from '../domain/ticket-ref';
import { extractReply } from '../domain/reply-text';
import { normalizeRaw } from './raw-normalize';
import { addressList, headerAddress, pickFrom } from './addresses';
import { isBlankText, textOfHtml } from './html-text';

/** An attachment with its decoded bytes, ready to be stored. */
export type ParsedAttachment = AttachmentInfo & { content: Buffer };

export interface ParsedMessage {
  message: InboundMessage;
  attachments: ParsedAttachment[];
  /** Lower-cased header lookup over the top-level header block (decoded, unfolded values). */
  headers: HeaderMap;
  /**
   * The HTML body as the sender wrote it (decoded to UTF-8, markup untouched), or null. Like an
   * attachment's bytes it is data from a stranger: it is not part of the message model, nothing
   * stores it, and it must never reach a page; its readable text is in `message.text`.
   */
  html: string | null;
}

export interface ParseOptions {
  /** Bytes beyond this are not parsed (the raw mail is kept elsewhere); a problem is recorded. */
  maxBytes?: number;
}

/** Case-insensitive header lookup over header lines; values unfolded and encoded words decoded. */
export class HeaderMap implements HeaderLookup {
  private readonly values = new Map<string, string[]>();
  private readonly rawValues = new Map<string, string[]>();

  public constructor(lines: ReadonlyArray<{ key: string; line: string }>) {
    for (const { key, line } of lines) {
      const k = key.toLowerCase();
      const colon = line.indexOf(':');
      // mailparser keeps header lines as binary strings; the pre-pass made 8-bit bytes UTF-8.
      const text = /[\u0080-\u00ff]/.test(line) ? Buffer.from(line, 'latin1').toString('utf8') : line;
      const raw = colon >= 0 ? text.slice(colon + 1) : '';
      const unfolded = raw.replace(/\r?\n/g, '');
      push(this.rawValues, k, unfolded);
      push(this.values, k, safeDecodeWords(unfolded.trim()));
    }
  }

  public get(name: string): string | undefined {
    return this.values.get(name.toLowerCase())?.[0];
  }

  public getAll(name: string): string[] {
    return [...(this.values.get(name.toLowerCase()) ?? [])];
  }

  public has(name: string): boolean {
    return this.values.has(name.toLowerCase());
  }

  /** The unfolded but undecoded value (leading whitespace after the colon kept). */
  public getRaw(name: string): string | undefined {
    return this.rawValues.get(name.toLowerCase())?.[0];
  }

  /** Every unfolded, undecoded value of a header that occurs more than once, in order. */
  public getAllRaw(name: string): string[] {
    return [...(this.rawValues.get(name.toLowerCase()) ?? [])];
  }

  public keys(): string[] {
    return [...this.values.keys()];
  }
}

function push(map: Map<string, string[]>, k: string, v: string): void {
  const list = map.get(k);
  if (list) list.push(v);
  else map.set(k, [v]);
}

function safeDecodeWords(value: string): string {
  try {
    return libmime.decodeWords(value);
  } catch {
    return value;
  }
}

/**
 * Messages above this are fed to the parser in slices through a stream. Given one Buffer,
 * mailparser splits and decodes the whole message in one synchronous pass, so every decoded
 * attachment chunk is queued at once before it is collected: for a 40 MB message that is
 * ~150 MB above the raw bytes. Piped slices let backpressure free each chunk as it goes.
 */
const STREAM_ABOVE_BYTES = 1024 * 1024;
const STREAM_SLICE_BYTES = 64 * 1024;

function* slices(raw: Buffer): Generator<Buffer> {
  for (let at = 0; at < raw.length; at += STREAM_SLICE_BYTES) yield raw.subarray(at, at + STREAM_SLICE_BYTES);
}

const errText = (e: unknown): string => (e instanceof Error ? e.message : String(e)).slice(0, 200);

/** Media types whose parts feed bounce analysis. */
const BOUNCE_PART = /^(?:message\/(?:rfc822|global|delivery-status|global-delivery-status)|text\/rfc822-headers)/i;

const EXTENSIONS: Record<string, string> = {
  'message/rfc822': 'eml',
  'message/delivery-status': 'txt',
  'text/rfc822-headers': 'txt',
  'text/plain': 'txt',
  'text/html': 'html',
  'text/calendar': 'ics',
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/gif': 'gif',
  'application/pdf': 'pdf',
};

/**
 * Parses one raw RFC 5322 message into the normalized {@link InboundMessage}.
 *
 * Never throws: unreadable input yields a model with whatever could be read and a
 * `problems` entry for each guess or failure (the caller keeps the raw mail).
 */
export async function parseMessage(raw: Buffer, opts: ParseOptions = {}): Promise<ParsedMessage> {
  const problems: string[] = [];
  try {
    return await parseUnsafe(raw, opts, problems);
  } catch (e) {
    problems.push(`parser failed: ${errText(e)}`);
    return fallbackModel(raw, problems);
  }
}

async function parseUnsafe(input: Buffer, opts: ParseOptions, problems: string[]): Promise<ParsedMessage> {
  let raw = input;
  if (opts.maxBytes !== undefined && raw.length > opts.maxBytes) {
    problems.push(`message is ${raw.length} bytes; only the first ${opts.maxBytes} were parsed`);
    raw = raw.subarray(0, opts.maxBytes);
  }
  if (raw.length === 0) problems.push('empty message');
  let normalized = raw;
  try {
    const n = normalizeRaw(raw);
    normalized = n.raw;
    problems.push(...n.problems);
  } catch (e) {
    problems.push(`raw pre-pass failed: ${errText(e)}`);
  }

  let mail: ParsedMail;
  try {
    const input = normalized.length > STREAM_ABOVE_BYTES ? Readable.from(slices(normalized)) : normalized;
    mail = await simpleParser(input, {
      keepDeliveryStatus: true,
      skipImageLinks: true,
      skipTextLinks: true,
      skipTextToHtml: true,
    });
  } catch (e) {
    problems.push(`MIME parse failed: ${errText(e)}`);
    return fallbackModel(normalized, problems);
  }
  if (mail.textConversionError) problems.push(`HTML to text conversion failed: ${errText(mail.textConversionError)}`);

  const headers = new HeaderMap(mail.headerLines);
  const replyTo = addressList(mail.replyTo);
  const sender = addressList(headerAddress(mail, 'sender'));
  const from = pickFrom(headers.getAllRaw('from'), replyTo, sender, problems);
  const to = addressList(mail.to);
  const cc = addressList(mail.cc);
  const subject = decodeSubject(headers.getRaw('subject'));

  let date: string | null = null;
  // mailparser substitutes the current time for an unreadable Date: that would make the
  // fallback dedupe key (which includes the date) differ on every delivery.
  const dateReadable = !headers.has('date') || !Number.isNaN(new Date(headers.get('date') ?? '').getTime());
  if (dateReadable && mail.date instanceof Date && !Number.isNaN(mail.date.getTime())) date = mail.date.toISOString();
  else if (headers.has('date')) problems.push(`unreadable Date header: ${JSON.stringify((headers.get('date') ?? '').slice(0, 80))}`);

  const attachments: ParsedAttachment[] = [];
  const bounceParts: BouncePart[] = [];
  const dsnTexts: string[] = [];
  mail.attachments.forEach((a, i) => {
    const info = attachmentInfo(a, i + 1);
    attachments.push(info);
    if (BOUNCE_PART.test(info.contentType)) {
      const text = a.content.subarray(0, 64 * 1024).toString('utf8');
      bounceParts.push({ contentType: info.contentType, text });
      if (/delivery-status/i.test(info.contentType)) dsnTexts.push(text.trim());
    }
  });

  const html = typeof mail.html === 'string' && mail.html.trim() !== '' ? mail.html : null;
  let text = (mail.text ?? '').replace(/\r\n?/g, '\n');
  // mailparser converts HTML only when it is the message's single part (or beside text in
  // multipart/mixed): an HTML-only multipart/alternative or multipart/related (Outlook, web
  // clients, a signature logo), or one whose text/plain alternative is blank, would read empty.
  if (html !== null && isBlankText(text)) {
    try {
      text = textOfHtml(html);
    } catch (e) {
      problems.push(`HTML to text conversion failed: ${errText(e)}`);
    }
  }
  // The DSN fields (Status, Diagnostic-Code) are what an agent needs to read a bounce.
  if (dsnTexts.length > 0) text = [text.trimEnd(), ...dsnTexts].filter((t) => t !== '').join('\n\n');
  if (text.includes('\u0000')) {
    text = text.replaceAll('\u0000', '');
    problems.push('NUL characters removed from body');
  }

  let reply = text;
  try {
    reply = extractReply(text);
  } catch (e) {
    problems.push(`reply extraction failed: ${errText(e)}`);
  }

  const fromAddress = from?.address || null;
  const auto = classifyAutoReply(headers, fromAddress, subject);
  const bounce = classifyBounce({
    headers,
    from: fromAddress,
    subject,
    contentType: headers.get('content-type') ?? '',
    parts: bounceParts,
  });

  // RFC 5322 allows one References field; later copies are mailer noise.
  const references = messageIds(headers.get('references') ?? '');
  const inReplyTo = messageIds(headers.get('in-reply-to') ?? '')[0] ?? null;
  const messageId = normalizeMessageId(mail.messageId ?? headers.get('message-id'));
  if (!messageId) problems.push('no Message-ID');

  const candidate: InboundMessage = {
    messageId,
    from,
    to,
    cc,
    replyTo,
    subject,
    date,
    inReplyTo,
    references,
    text,
    reply,
    hasHtml: html !== null,
    attachments: attachments.map(({ content: _content, ...info }) => info),
    autoReply: auto.autoReply || bounce.bounce || bounce.report,
    bounce: bounce.bounce,
    bouncedMessageId: bounce.bouncedMessageId,
    failedRecipients: bounce.failedRecipients,
    ticketRef: findTicketRef(subject) ?? findTicketRefInAddresses([...to, ...cc].map((a) => a.address)),
    problems,
  };
  const checked = InboundMessageSchema.safeParse(candidate);
  if (!checked.success) problems.push(`model check failed: ${checked.error.issues.map((i) => i.path.join('.')).join(', ')}`);
  return { message: candidate, attachments, headers, html };
}

/**
 * Decodes the Subject from its raw header line. Unfolding only removes the line breaks
 * (RFC 5322 2.2.3): the folding whitespace, tabs included, stays part of the value.
 */
function decodeSubject(raw: string | undefined): string {
  if (raw === undefined) return '';
  const value = raw.replace(/^[ \t]+/, '');
  return safeDecodeWords(value).replaceAll('\u0000', '');
}

const ID_RE = /<([^<>\s]+@[^<>\s]+)>/g;

function messageIds(value: string): string[] {
  const out: string[] = [];
  for (const m of value.matchAll(ID_RE)) {
    const id = `<${m[1]}>`;
    if (!out.includes(id)) out.push(id);
  }
  return out;
}

function normalizeMessageId(v: string | undefined): string | null {
  const s = (v ?? '').trim();
  if (!s) return null;
  return s.startsWith('<') ? s : `<${s.replace(/^<|>$/g, '')}>`;
}

function attachmentInfo(a: Attachment, n: number): ParsedAttachment {
  // mailparser guesses a type from the file name for application/octet-stream; keep what was declared.
  const declared = a.headers?.get('content-type');
  const declaredType = declared && typeof declared === 'object' && 'value' in declared && typeof declared.value === 'string' ? declared.value : '';
  const contentType = (declaredType || a.contentType || 'application/octet-stream').toLowerCase();
  const content = a.content ?? Buffer.alloc(0);
  const filename =
    a.filename && a.filename.trim() !== ''
      // eslint-disable-next-line no-control-regex -- CR, LF and NUL in a name would break the header or the page that shows it
      ? a.filename.replace(/[\r\n\u0000]+/g, ' ')
      : `attachment-${n}.${EXTENSIONS[contentType] ?? 'bin'}`;
  const info: ParsedAttachment = {
    filename,
    contentType,
    size: content.length,
    sha256: createHash('sha256').update(content).digest('hex'),
    inline: a.contentDisposition === 'inline' || (a.related === true && a.contentDisposition !== 'attachment'),
    content,
  };
  const cid = a.contentId?.replace(/^<|>$/g, '').trim();
  if (cid) info.contentId = cid;
  return info;
}

/** When MIME parsing failed entirely: headers up to the first blank line, the rest as text. */
function fallbackModel(raw: Buffer, problems: string[]): ParsedMessage {
  let headers = new HeaderMap([]);
  let text = '';
  try {
    const s = raw.subarray(0, 1024 * 1024).toString('utf8');
    const split = /\r?\n\r?\n/.exec(s);
    const head = split ? s.slice(0, split.index) : s;
    const lines: Array<{ key: string; line: string }> = [];
    for (const line of head.split(/\r?\n/)) {
      if (/^[ \t]/.test(line) && lines.length > 0) lines[lines.length - 1].line += `\n${line}`;
      else if (/^[!-9;-~]+:/.test(line)) lines.push({ key: line.slice(0, line.indexOf(':')).trim().toLowerCase(), line });
    }
    headers = new HeaderMap(lines);
    text = lines.length > 0 && split ? s.slice(split.index + split[0].length) : s;
    text = text.replaceAll('\u0000', '');
  } catch (e) {
    problems.push(`fallback header read failed: ${errText(e)}`);
  }
  const subject = decodeSubject(headers.getRaw('subject'));
  const message: InboundMessage = {
    messageId: normalizeMessageId(headers.get('message-id')),
    from: null,
    to: [],
    cc: [],
    replyTo: [],
    subject,
    date: null,
    inReplyTo: null,
    references: [],
    text,
    reply: text,
    hasHtml: false,
    attachments: [],
    autoReply: false,
    bounce: false,
    bouncedMessageId: null,
    failedRecipients: [],
    ticketRef: findTicketRef(subject),
    problems,
  };
  return { message, attachments: [], headers, html: null };
}
