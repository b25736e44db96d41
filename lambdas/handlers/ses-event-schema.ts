import * as z from '../domain/zod';

/**
 * The event an SES receipt rule's Lambda action delivers (see the SES developer guide,
 * "Contents of notifications for Amazon SES email receiving"). Strict about what the
 * ingest path relies on (`mail.messageId`: the S3 object key suffix, `mail.destination`,
 * `receipt`); tolerant of everything SES may leave out or add (commonHeaders only carry
 * the headers the mail had, `dmarcPolicy` only appears when DMARC failed).
 */

export const SesVerdictSchema = z.looseObject({
  status: z.enum(['PASS', 'FAIL', 'GRAY', 'PROCESSING_FAILED', 'DISABLED']),
});
export type SesVerdict = z.infer<typeof SesVerdictSchema>;

export const SesHeaderSchema = z.object({ name: z.string(), value: z.string() });

/** Decoded values of the common headers; each present only when the mail had that header. */
export const SesCommonHeadersSchema = z.looseObject({
  returnPath: z.optional(z.string()),
  from: z.optional(z.array(z.string())),
  sender: z.optional(z.array(z.string())),
  replyTo: z.optional(z.array(z.string())),
  /** Some SES payloads spell it this way; accepted, never produced locally. */
  'reply-to': z.optional(z.array(z.string())),
  to: z.optional(z.array(z.string())),
  cc: z.optional(z.array(z.string())),
  bcc: z.optional(z.array(z.string())),
  date: z.optional(z.string()),
  messageId: z.optional(z.string()),
  subject: z.optional(z.string()),
});

export const SesMailSchema = z.looseObject({
  timestamp: z.string(),
  /** Envelope MAIL FROM; empty for a null reverse-path (bounces). */
  source: z.string(),
  /** SES's id of the received mail; also the S3 object key after the action's prefix. */
  messageId: z.string().check(z.regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'an SES message id (letters, digits, . _ -)')),
  /** Recipients named in the To/Cc headers (may be empty; see receipt.recipients for the envelope). */
  destination: z.array(z.string()),
  headersTruncated: z.boolean(),
  /** Header values as in the message: not decoded, unfolded. */
  headers: z._default(z.array(SesHeaderSchema), []),
  commonHeaders: z._default(SesCommonHeadersSchema, {}),
});
export type SesMail = z.infer<typeof SesMailSchema>;

export const SesReceiptActionSchema = z.looseObject({
  type: z.enum(['S3', 'SNS', 'Bounce', 'Lambda', 'Stop', 'WorkMail', 'AddHeader', 'Connect']),
  functionArn: z.optional(z.string()),
  invocationType: z.optional(z.string()),
  topicArn: z.optional(z.string()),
  bucketName: z.optional(z.string()),
  objectKey: z.optional(z.string()),
});

export const SesReceiptSchema = z.looseObject({
  timestamp: z.string(),
  processingTimeMillis: z.number(),
  /** Envelope RCPT TO addresses matched by the receipt rule. */
  recipients: z.array(z.string()).check(z.minLength(1)),
  spamVerdict: SesVerdictSchema,
  virusVerdict: SesVerdictSchema,
  spfVerdict: SesVerdictSchema,
  dkimVerdict: SesVerdictSchema,
  dmarcVerdict: SesVerdictSchema,
  /** Only present when DMARC failed. */
  dmarcPolicy: z.optional(z.enum(['none', 'quarantine', 'reject'])),
  action: SesReceiptActionSchema,
});
export type SesReceipt = z.infer<typeof SesReceiptSchema>;

/** `Records[n].ses`: one received mail and what SES did with it. */
export const SesReceiptRecordSchema = z.object({ mail: SesMailSchema, receipt: SesReceiptSchema });
export type SesReceiptRecord = z.infer<typeof SesReceiptRecordSchema>;

/** `Records[n]`: the Lambda event record around it. */
export const SesEventRecordSchema = z.looseObject({
  eventSource: z.literal('aws:ses'),
  eventVersion: z.string(),
  ses: SesReceiptRecordSchema,
});
export type SesEventRecord = z.infer<typeof SesEventRecordSchema>;

export const SesReceiptEventSchema = z.object({
  Records: z.array(SesEventRecordSchema).check(z.minLength(1)),
});
export type SesReceiptEvent = z.infer<typeof SesReceiptEventSchema>;
/** What producers (the local SMTP listener, tests) build: defaults not yet applied. */
export type SesReceiptEventInput = z.input<typeof SesReceiptEventSchema>;
