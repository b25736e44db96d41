import { randomInt } from 'node:crypto';
import libmime from 'libmime';
import addressparser from 'nodemailer/lib/addressparser';
import type { SesReceiptEventInput } from '../lambdas/handlers/ses-event-schema';
import { headerValues, parseRawHeaders, type RawHeader } from './mime-headers';

/**
 * Builds the event SES's Lambda action delivers for a received mail, so the local SMTP
 * listener can invoke the real ingest handler with a faithful input. Format: SES developer
 * guide, "Sample incoming email event" and "Contents of notifications".
 */

export type VerdictStatus = 'PASS' | 'FAIL' | 'GRAY' | 'PROCESSING_FAILED' | 'DISABLED';

export interface Verdicts {
  spam: VerdictStatus;
  virus: VerdictStatus;
  spf: VerdictStatus;
  dkim: VerdictStatus;
  dmarc: VerdictStatus;
}

export interface BuildSesReceiptEventInput {
  /** The message exactly as received (the bytes the S3 action stored). */
  readonly raw: Buffer;
  readonly sesMessageId: string;
  /** Envelope RCPT TO addresses. */
  readonly recipients: readonly string[];
  /** Envelope MAIL FROM ('' for a null reverse-path). @default the From address */
  readonly mailFrom?: string;
  /** Where the S3 action stored the raw mail; only checked (the Lambda action's event does not carry it). */
  readonly bucket?: string;
  /** Must end with `sesMessageId`: the ingest handler finds the raw mail at `<prefix><mail.messageId>`. */
  readonly objectKey?: string;
  readonly region: string;
  /** When the mail was received. */
  readonly now: Date;
  /** @default every verdict GRAY: a local listener cannot judge spam, viruses, SPF, DKIM or DMARC */
  readonly verdicts?: Partial<Verdicts>;
  /** Only used when the DMARC verdict is FAIL. @default 'none' */
  readonly dmarcPolicy?: 'none' | 'quarantine' | 'reject';
  /** @default arn:aws:lambda:<region>:000000000000:function:sesdesk-local-ingest */
  readonly functionArn?: string;
  /** @default 0 */
  readonly processingTimeMillis?: number;
}

/** SES truncates `mail.headers` (and says so) when the headers exceed 10 KB. */
const HEADERS_LIMIT = 10 * 1024;
const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** An id shaped like the ones SES gives received mail: 40 lowercase letters and digits. */
export function newSesMessageId(): string {
  let id = '';
  for (let i = 0; i < 40; i += 1) id += ID_ALPHABET[randomInt(ID_ALPHABET.length)];
  return id;
}

function decode(value: string): string {
  try {
    return libmime.decodeWords(value);
  } catch {
    return value;
  }
}

interface Mailbox {
  name: string;
  address: string;
}

function mailboxes(values: readonly string[]): Mailbox[] {
  const out: Mailbox[] = [];
  for (const value of values) {
    for (const entry of addressparser(value)) {
      const members = 'group' in entry ? entry.group : [entry];
      for (const m of members) if (m.address) out.push({ name: decode(m.name ?? ''), address: m.address });
    }
  }
  return out;
}

/** `"Doe, John" <a@b>` / `Jürgen <a@b>` / `a@b`: the commonHeaders form, names decoded. */
function formatMailbox(m: Mailbox): string {
  if (m.name === '') return m.address;
  const name = /[()<>[\]:;@\\,."]/.test(m.name) ? `"${m.name.replace(/(["\\])/g, '\\$1')}"` : m.name;
  return `${name} <${m.address}>`;
}

function stripAngles(value: string): string {
  const v = value.trim();
  return v.startsWith('<') && v.endsWith('>') ? v.slice(1, -1).trim() : v;
}

function commonHeaders(headers: readonly RawHeader[], mailFrom: string | undefined): Record<string, string | string[]> {
  const common: Record<string, string | string[]> = {};
  const returnPath = headerValues(headers, 'Return-Path')[0];
  if (returnPath !== undefined) common.returnPath = stripAngles(returnPath);
  else if (mailFrom !== undefined) common.returnPath = mailFrom;
  const lists: Array<[key: string, header: string]> = [
    ['from', 'From'],
    ['sender', 'Sender'],
    ['replyTo', 'Reply-To'],
    ['to', 'To'],
    ['cc', 'Cc'],
    ['bcc', 'Bcc'],
  ];
  for (const [key, header] of lists) {
    const values = headerValues(headers, header);
    if (values.length > 0) common[key] = mailboxes(values).map(formatMailbox);
  }
  const date = headerValues(headers, 'Date')[0];
  if (date !== undefined) common.date = date;
  const messageId = headerValues(headers, 'Message-ID')[0];
  if (messageId !== undefined) common.messageId = messageId;
  const subject = headerValues(headers, 'Subject')[0];
  if (subject !== undefined) common.subject = decode(subject);
  return common;
}

function truncate(headers: readonly RawHeader[]): { headers: RawHeader[]; truncated: boolean } {
  let size = 0;
  const kept: RawHeader[] = [];
  for (const h of headers) {
    size += h.name.length + h.value.length + 4; // "name: value\r\n"
    if (size > HEADERS_LIMIT) return { headers: kept, truncated: true };
    kept.push(h);
  }
  return { headers: kept, truncated: false };
}

/** The SES receipt event (Lambda action) for one received mail. */
export function buildSesReceiptEvent(input: BuildSesReceiptEventInput): SesReceiptEventInput {
  if (input.objectKey !== undefined && !input.objectKey.endsWith(input.sesMessageId)) {
    throw new Error(`objectKey ${input.objectKey} does not end with the SES message id ${input.sesMessageId}`);
  }
  if (input.recipients.length === 0) throw new Error('an SES receipt has at least one envelope recipient');
  const all = parseRawHeaders(input.raw);
  const { headers, truncated } = truncate(all);
  const fromAddress = mailboxes(headerValues(all, 'From'))[0]?.address;
  const source = input.mailFrom ?? fromAddress ?? '';
  const destination = mailboxes([...headerValues(all, 'To'), ...headerValues(all, 'Cc'), ...headerValues(all, 'Bcc')]).map(
    (m) => m.address,
  );
  const verdicts: Verdicts = { spam: 'GRAY', virus: 'GRAY', spf: 'GRAY', dkim: 'GRAY', dmarc: 'GRAY', ...input.verdicts };
  const timestamp = input.now.toISOString();
  return {
    Records: [
      {
        eventSource: 'aws:ses',
        eventVersion: '1.0',
        ses: {
          mail: {
            timestamp,
            source,
            messageId: input.sesMessageId,
            destination,
            headersTruncated: truncated,
            headers,
            commonHeaders: commonHeaders(all, input.mailFrom ?? fromAddress),
          },
          receipt: {
            timestamp,
            processingTimeMillis: input.processingTimeMillis ?? 0,
            recipients: [...input.recipients],
            spamVerdict: { status: verdicts.spam },
            virusVerdict: { status: verdicts.virus },
            spfVerdict: { status: verdicts.spf },
            dkimVerdict: { status: verdicts.dkim },
            dmarcVerdict: { status: verdicts.dmarc },
            ...(verdicts.dmarc === 'FAIL' ? { dmarcPolicy: input.dmarcPolicy ?? 'none' } : {}),
            action: {
              type: 'Lambda',
              functionArn: input.functionArn ?? `arn:aws:lambda:${input.region}:000000000000:function:sesdesk-local-ingest`,
              invocationType: 'Event',
            },
          },
        },
      },
    ],
  };
}
