import { randomBytes } from 'node:crypto';

export interface EmlInput {
  from: string;
  to?: string;
  cc?: string;
  subject: string;
  /** Default: a fresh unique id; null: no Message-ID header at all. */
  messageId?: string | null;
  inReplyTo?: string;
  references?: string;
  headers?: string[];
  body: string;
  contentType?: string;
}

let seq = 0;
const run = randomBytes(4).toString('hex');

/** A small raw RFC 5322 message with CRLF line ends, as test mail for every tier. */
export function eml(m: EmlInput): string {
  return [
    `From: ${m.from}`,
    `To: ${m.to ?? 'Support <support@example.com>'}`,
    ...(m.cc ? [`Cc: ${m.cc}`] : []),
    `Subject: ${m.subject}`,
    'Date: Tue, 17 Nov 2026 10:00:00 -0800',
    ...(m.messageId === null ? [] : [`Message-ID: ${m.messageId ?? `<m${(seq += 1)}.${run}.${process.pid}@mail.example>`}`]),
    ...(m.inReplyTo ? [`In-Reply-To: ${m.inReplyTo}`] : []),
    ...(m.references ? [`References: ${m.references}`] : []),
    ...(m.headers ?? []),
    'MIME-Version: 1.0',
    `Content-Type: ${m.contentType ?? 'text/plain; charset=utf-8'}`,
    '',
    m.body,
    '',
  ].join('\r\n');
}
