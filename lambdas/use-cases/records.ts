import { attachmentKey } from '../domain/safe-name';
import type { StoredAttachment, TicketMessage } from '../domain/ticket';
import type { RawMailStore } from '../domain/ports';
import type { IngestInput, ParsedMail } from './ingest-types';

/**
 * What an inbound message leaves on its ticket: the message record, and the S3 objects it
 * points at (attachments, a body too large to keep inline). Objects are stored before the
 * commit that names them when the ticket id is known, so a committed record never points at
 * nothing; every put is idempotent, so a retry stores them again at no harm.
 */

/** Bodies above this go to S3 with a pointer, keeping items far below DynamoDB's 400 KB. */
export const INLINE_TEXT_LIMIT = 64 * 1024;

/** Where the message's attachments live under the ticket's prefix. */
export function storedAttachments(ticketId: string, parsed: ParsedMail): StoredAttachment[] {
  return parsed.attachments.map((attachment, index) => ({
    filename: attachment.filename,
    contentType: attachment.contentType,
    size: attachment.size,
    sha256: attachment.sha256,
    inline: attachment.inline,
    key: attachmentKey(ticketId, index + 1, attachment.filename),
  }));
}

const bodyKey = (ticketId: string, input: IngestInput) => `tickets/${ticketId}/bodies/in-${input.sesMessageId}.txt`;
const bodyTooLarge = (parsed: ParsedMail) => Buffer.byteLength(parsed.message.text, 'utf8') > INLINE_TEXT_LIMIT;

/** Uploads what the message record points at (attachments, a large body): idempotent puts. */
export async function storeMessageObjects(rawMail: Pick<RawMailStore, 'putObject'>, ticketId: string, input: IngestInput, parsed: ParsedMail): Promise<StoredAttachment[]> {
  const stored = storedAttachments(ticketId, parsed);
  for (const [index, attachment] of parsed.attachments.entries()) {
    await rawMail.putObject(stored[index].key!, attachment.content, attachment.contentType);
  }
  if (bodyTooLarge(parsed)) await rawMail.putObject(bodyKey(ticketId, input), parsed.message.text, 'text/plain; charset=utf-8');
  return stored;
}

/** The stored record of an inbound message on `ticketId`. */
export function messageRecord(
  ticketId: string,
  input: IngestInput,
  parsed: ParsedMail,
  attachments: StoredAttachment[],
  kind: TicketMessage['kind'],
): TicketMessage {
  const message = parsed.message;
  const large = bodyTooLarge(parsed);
  return {
    ticketId,
    key: `in-${input.sesMessageId}`,
    at: input.receivedAt.toISOString(),
    direction: 'inbound',
    kind,
    from: message.from,
    to: message.to,
    cc: message.cc,
    subject: message.subject,
    text: large ? null : message.text,
    textKey: large ? bodyKey(ticketId, input) : null,
    messageId: message.messageId,
    sesMessageId: input.sesMessageId,
    rawKey: input.rawKey,
    attachments,
    meta: message.problems.length > 0 ? { problems: message.problems } : undefined,
  };
}

/** Adds facts to a record's meta (none: unchanged). */
export function withMeta(record: TicketMessage, facts: Record<string, unknown>): TicketMessage {
  const meta = { ...(record.meta ?? {}), ...facts };
  return Object.keys(meta).length > 0 ? { ...record, meta } : record;
}
