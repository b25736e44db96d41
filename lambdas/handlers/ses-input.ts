import { addressOfHeader } from '../domain/claim-hints';
import type { IngestInput } from '../use-cases/ingest-email';
import type { SesReceiptRecord } from './ses-event-schema';

/**
 * Maps one SES receipt (`Records[0].ses`) to the use case's input. The S3 action stored the raw
 * MIME at `<prefix><mail.messageId>`; the Lambda action runs after it in the same rule.
 */
export function sesRecordToIngestInput(ses: SesReceiptRecord, inboundPrefix: string): IngestInput {
  const { mail, receipt } = ses;
  return {
    sesMessageId: mail.messageId,
    rawKey: `${inboundPrefix}${mail.messageId}`,
    recipients: receipt.recipients ?? mail.destination,
    receivedAt: new Date(receipt.timestamp ?? mail.timestamp),
    messageId: mail.commonHeaders?.messageId ?? null,
    verdicts: {
      spamVerdict: receipt.spamVerdict?.status ?? 'GRAY',
      virusVerdict: receipt.virusVerdict?.status ?? 'GRAY',
      spfVerdict: receipt.spfVerdict?.status ?? 'GRAY',
      dkimVerdict: receipt.dkimVerdict?.status ?? 'GRAY',
      dmarcVerdict: receipt.dmarcVerdict?.status ?? 'GRAY',
      dmarcPolicy: receipt.dmarcPolicy ?? null,
    },
    hints: {
      headers: mail.headers,
      truncated: mail.headersTruncated,
      from: mail.commonHeaders?.from?.length === 1 ? addressOfHeader(mail.commonHeaders.from[0]) : null,
      subject: mail.commonHeaders?.subject ?? '',
      to: [...(mail.commonHeaders?.to ?? []), ...(mail.commonHeaders?.cc ?? [])].flatMap((v) => addressOfHeader(v) ?? []),
    },
  };
}
