import { SendEmailCommand, type SESv2Client } from '@aws-sdk/client-sesv2';
import type { Mailer, OutboundMail, SentMail } from '../domain/ports';
import { InvalidInputError, TicketError } from '../domain/errors';
import { toDomainError } from './sdk-errors';
import { composeMime, singleLine } from './mime-composer';
import { sesMessageId } from '../domain/ses-message-id';

export { composeMime as composeRaw, singleLine } from './mime-composer';

export interface SesMailerOptions {
  client: SESv2Client;
  /**
   * Region of the SES endpoint: SES rewrites Message-ID to `<id@email.amazonses.com>` in us-east-1
   * and `<id@REGION.amazonses.com>` elsewhere (`sesMessageId`).
   */
  region: string;
  configurationSetName?: string;
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
    // Throws InvalidInputError for a mail SES cannot take (no recipient, bad header name).
    const raw = composeMime(mail);
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
    return { sesMessageId: messageId, messageId: sesMessageId(messageId, this.region) };
  }
}
