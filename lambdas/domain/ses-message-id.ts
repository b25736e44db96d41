/**
 * The Message-ID SES writes into mail it sends. SES replaces the Message-ID header of every
 * message with one built from the id the send call returns: `<ID@email.amazonses.com>` in
 * us-east-1 and `<ID@REGION.amazonses.com>` in every other region (the SES developer guide's
 * notification examples; nodemailer's SES reply reader builds the same). A reply quotes that
 * id, and a bounce returns it, so it is the one a ticket records.
 */

/** The domain part of the Message-ID SES writes for mail sent from `region`. */
export function sesMessageIdDomain(region: string): string {
  const r = region.trim().toLowerCase();
  return r === 'us-east-1' ? 'email.amazonses.com' : `${r}.amazonses.com`;
}

/** The Message-ID recipients see on mail SES sent from `region` as `sesId`. */
export function sesMessageId(sesId: string, region: string): string {
  return `<${sesId}@${sesMessageIdDomain(region)}>`;
}

const US_EAST_1 = /^<([^<>@\s]+)@(email|us-east-1)\.amazonses\.com>$/i;

/**
 * The other spelling of a us-east-1 SES id, for lookups: sesdesk once recorded the mail it
 * sent from us-east-1 as `<ID@us-east-1.amazonses.com>`, which no reply ever quotes, so a reply
 * or bounce quoting `<ID@email.amazonses.com>` also looks for that older record (and the other
 * way round). Any other id has no alias.
 */
export function sesMessageIdAlias(id: string): string | null {
  const m = US_EAST_1.exec(id.trim());
  if (!m) return null;
  return `<${m[1]}@${m[2].toLowerCase() === 'email' ? 'us-east-1' : 'email'}.amazonses.com>`;
}
