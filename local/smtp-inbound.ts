import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import type { SesReceiptEventInput } from '../lambdas/handlers/ses-event-schema';
import { buildSesReceiptEvent, newSesMessageId } from './ses-event';
import { portError } from './ports';

/**
 * The local stand-in for SES inbound: an SMTP listener that accepts what SES would accept,
 * stores each message in S3 at `<inboundPrefix><sesMessageId>` (the S3 action) and then
 * calls `onMessage` with the SES receipt event (the Lambda action). The SMTP reply is sent
 * only after `onMessage` finished, so a client (`sesdesk send`) sees the outcome.
 */

/** SES accepts messages up to 40 MB, headers included. */
export const SES_MAX_MESSAGE_BYTES = 40 * 1024 * 1024;

export interface SmtpInboundLogger {
  error(message: string, err?: unknown): void;
}

export interface SmtpInboundOptions {
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** @default 2525; 0 picks a free port */
  readonly port?: number;
  readonly s3Client: S3Client;
  readonly bucket: string;
  /** @default 'inbound/' */
  readonly inboundPrefix?: string;
  /** Region named in the event's function ARN. @default 'local' */
  readonly region?: string;
  /** The Lambda action. A throw is logged and the mail still accepted: SES had already accepted it. */
  readonly onMessage: (event: SesReceiptEventInput) => Promise<unknown>;
  /**
   * Text of the 250 reply, from what `onMessage` returned.
   * @default `Ok: queued as <sesMessageId>`, plus the result when it is a string
   */
  readonly formatReply?: (result: unknown, sesMessageId: string) => string;
  /** @default console */
  readonly logger?: SmtpInboundLogger;
  /** @default () => new Date() */
  readonly now?: () => Date;
}

export interface SmtpInbound {
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

type ReplyError = Error & { responseCode?: number };

function replyError(message: string, responseCode: number): ReplyError {
  return Object.assign(new Error(message), { responseCode });
}

function defaultReply(result: unknown, sesMessageId: string): string {
  const base = `Ok: queued as ${sesMessageId}`;
  return typeof result === 'string' && result.trim() !== '' ? `${base} ${result}` : base;
}

async function collect(stream: SMTPServerDataStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function startSmtpInbound(options: SmtpInboundOptions): Promise<SmtpInbound> {
  const host = options.host ?? '127.0.0.1';
  const prefix = options.inboundPrefix ?? 'inbound/';
  const region = options.region ?? 'local';
  const logger = options.logger ?? console;
  const now = options.now ?? (() => new Date());
  const formatReply = options.formatReply ?? defaultReply;

  const receive = async (stream: SMTPServerDataStream, session: SMTPServerSession): Promise<string | null> => {
    const raw = await collect(stream);
    // smtp-server answers 552 itself (rejectOversized); nothing of it is stored.
    if (stream.sizeExceeded) return null;
    const receivedAt = now();
    const sesMessageId = newSesMessageId();
    const objectKey = `${prefix}${sesMessageId}`;
    try {
      await options.s3Client.send(new PutObjectCommand({ Bucket: options.bucket, Key: objectKey, Body: raw }));
    } catch (err) {
      logger.error(`smtp-inbound: could not store ${objectKey} in ${options.bucket}`, err);
      throw replyError('Temporary failure storing the message, try again later', 451);
    }
    const event = buildSesReceiptEvent({
      raw,
      sesMessageId,
      recipients: session.envelope.rcptTo.map((r) => r.address),
      mailFrom: session.envelope.mailFrom === false ? undefined : session.envelope.mailFrom.address,
      bucket: options.bucket,
      objectKey,
      region,
      now: receivedAt,
    });
    let result: unknown;
    try {
      result = await options.onMessage(event);
    } catch (err) {
      // The raw mail stays in S3 for a replay; the sender is not told, as with SES.
      logger.error(`smtp-inbound: handler failed for ${objectKey}`, err);
      result = undefined;
    }
    return formatReply(result, sesMessageId).replace(/[\r\n]+/g, ' ');
  };

  const server = new SMTPServer({
    secure: false,
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    size: SES_MAX_MESSAGE_BYTES,
    rejectOversized: true,
    disableReverseLookup: true,
    logger: false,
    banner: 'sesdesk local SES inbound',
    closeTimeout: 1000,
    onData(stream, session, callback) {
      receive(stream, session).then(
        (reply) => (reply === null ? callback(null) : callback(null, reply)),
        (err: unknown) => callback(err instanceof Error ? err : new Error(String(err))),
      );
    },
  });
  // A failure to listen is the caller's to report (it rejects below); later errors are logged.
  let listening = false;
  server.on('error', (err) => {
    if (listening) logger.error('smtp-inbound: server error', err);
  });

  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error) => reject(portError(err, host, options.port ?? 2525));
    server.server.once('error', onError);
    server.listen(options.port ?? 2525, host, () => {
      server.server.removeListener('error', onError);
      listening = true;
      resolve();
    });
  });
  const address = server.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    host,
    port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
