import * as z from './zod';

/** A decoded mailbox: display name (may be empty) and lower-cased address. */
export const AddressSchema = z.object({
  name: z.string(),
  address: z.string(),
});
export type Address = z.infer<typeof AddressSchema>;

export const AttachmentInfoSchema = z.object({
  filename: z.string(),
  contentType: z.string(),
  /** Decoded size in bytes. */
  size: z.int().check(z.nonnegative()),
  sha256: z.string(),
  inline: z.boolean(),
  contentId: z.optional(z.string()),
});
export type AttachmentInfo = z.infer<typeof AttachmentInfoSchema>;

/**
 * The normalized inbound message every later step uses: the contract of
 * `sesdesk parse --json` (see shared/spec/cli.md). Header values are decoded to UTF-8.
 */
export const InboundMessageSchema = z.object({
  messageId: z.nullable(z.string()),
  from: z.nullable(AddressSchema),
  to: z.array(AddressSchema),
  cc: z.array(AddressSchema),
  replyTo: z.array(AddressSchema),
  subject: z.string(),
  /** ISO-8601 instant from the Date header, null when missing or unreadable. */
  date: z.nullable(z.string()),
  inReplyTo: z.nullable(z.string()),
  references: z.array(z.string()),
  /** Whole plain-text body (text/plain, else derived from HTML). */
  text: z.string(),
  /** Only the new text: quoted history and signature removed. */
  reply: z.string(),
  /**
   * The message had an HTML body. Its readable text is in `text` (derived from the HTML when no
   * text/plain part has any); the markup itself is not kept, so nothing downstream can render it.
   */
  hasHtml: z.optional(z.boolean()),
  attachments: z.array(AttachmentInfoSchema),
  autoReply: z.boolean(),
  bounce: z.boolean(),
  /** For a bounce: the Message-ID of the message that bounced, when it could be found. */
  bouncedMessageId: z.optional(z.nullable(z.string())),
  /** For a bounce: recipients that failed. */
  failedRecipients: z.optional(z.array(z.string())),
  /** Our own ticket id found in the subject tag `[#ID]` (other systems' tags ignored). */
  ticketRef: z.nullable(z.string()),
  /** Anything the parser had to guess or could not read. */
  problems: z.array(z.string()),
});
export type InboundMessage = z.infer<typeof InboundMessageSchema>;
