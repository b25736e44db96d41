import { SendEmailCommand, type SESv2Client } from '@aws-sdk/client-sesv2';
import MailComposer from 'nodemailer/lib/mail-composer';
import type Mail from 'nodemailer/lib/mailer';
import type { Address } from '../domain/inbound-message';
import type { Mailer, OutboundMail, SentMail } from '../domain/ports';
import { InvalidInputError, TicketError } from '../domain/errors';
import { toDomainError } from './sdk-errors';

export interface SesMailerOptions {
  client: SESv2Client;
  /** Region of the SES endpoint: SES rewrites Message-ID to `<id@REGION.amazonses.com>`. */
  region: string;
  configurationSetName?: string;
}

/** RFC 5322 field name: printable ASCII except ':'. */
const HEADER_NAME = /^[!-9;-~]+$/;

/** Folds CR/LF (and any run of them) to one space, so a value can never start a new header line. */
export function singleLine(value: string): string {
  return value.replace(/[\r\n]+/g, ' ');
}

function address(a: Address): Mail.Address {
  return { name: singleLine(a.name), address: singleLine(a.address).trim() };
}

/** Nodemailer's options for `mail`, with every header-bound string made single-line. */
export function toComposerOptions(mail: OutboundMail): Mail.Options {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(mail.headers ?? {})) {
    if (!HEADER_NAME.test(name)) throw new InvalidInputError(`headers: invalid header name ${JSON.stringify(name)}`);
    headers[name] = singleLine(value);
  }
  return {
    from: address(mail.from),
    to: mail.to.map(address),
    ...(mail.cc !== undefined && mail.cc.length > 0 ? { cc: mail.cc.map(address) } : {}),
    ...(mail.replyTo !== undefined && mail.replyTo.length > 0 ? { replyTo: mail.replyTo.map(address) } : {}),
    subject: singleLine(mail.subject),
    text: mail.text,
    ...(mail.inReplyTo ? { inReplyTo: singleLine(mail.inReplyTo) } : {}),
    ...(mail.references !== undefined && mail.references.length > 0
      ? { references: mail.references.map(singleLine) }
      : {}),
    headers,
  };
}

/** Raw MIME bytes for `mail` (UTF-8, encoded words for non-ASCII headers). */
export async function composeRaw(mail: OutboundMail): Promise<Buffer> {
  return new MailComposer(toComposerOptions(mail)).compile().build();
}

/** Sends through SES v2 as raw MIME so threading headers and our own headers survive. */
export class SesMailer implements Mailer {
  private readonly client: SESv2Client;
  private readonly region: string;
  private readonly configurationSetName: string | undefined;

  public constructor(options: SesMailerOptions) {
    if (!options.region) throw new InvalidInputError('region: must not be empty');
    this.client = options.client;
    this.region = options.region;
    this.configurationSetName = options.configurationSetName;
  }

  public async send(mail: OutboundMail): Promise<SentMail> {
    if (mail.to.length === 0) throw new InvalidInputError('to: at least one recipient is required');
    const raw = await composeRaw(mail);
    const what = `ses send "${singleLine(mail.subject).slice(0, 80)}"`;
    let messageId: string | undefined;
    try {
      const out = await this.client.send(
        new SendEmailCommand({
          FromEmailAddress: mail.from.address,
          Destination: {
            ToAddresses: mail.to.map((a) => a.address),
            ...(mail.cc !== undefined && mail.cc.length > 0 ? { CcAddresses: mail.cc.map((a) => a.address) } : {}),
          },
          Content: { Raw: { Data: new Uint8Array(raw) } },
          ...(this.configurationSetName !== undefined ? { ConfigurationSetName: this.configurationSetName } : {}),
        }),
      );
      messageId = out.MessageId;
    } catch (err) {
      throw toDomainError(err, { what });
    }
    if (!messageId) throw new TicketError(`${what}: SES returned no MessageId`);
    return { sesMessageId: messageId, messageId: `<${messageId}@${this.region}.amazonses.com>` };
  }
}
