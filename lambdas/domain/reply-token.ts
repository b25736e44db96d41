import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Reply tokens let a reply find its ticket even when the mail client drops In-Reply-To and the
 * subject tag: outbound mail carries `Reply-To: support+<token>@domain`. The token holds the
 * ticket id and an HMAC over it, so a stranger cannot guess or alter one to reach another ticket.
 */
const MAC_LENGTH = 12;

function mac(secret: string, ticketId: string): string {
  return createHmac('sha256', secret).update(`ticket:${ticketId}`).digest('hex').slice(0, MAC_LENGTH);
}

/** The token for `ticketId` (lower-case, safe in an email local part). */
export function makeReplyToken(secret: string, ticketId: string): string {
  return `t-${ticketId.toLowerCase()}-${mac(secret, ticketId.toUpperCase())}`;
}

/** The ticket id a token names, or null when the token is malformed or its MAC does not verify. */
export function verifyReplyToken(secret: string, token: string): string | null {
  const match = /^t-([a-z][a-z0-9]{1,7}-\d{1,12})-([0-9a-f]{12})$/.exec(token.trim().toLowerCase());
  if (!match) return null;
  const ticketId = match[1].toUpperCase();
  const expected = Buffer.from(mac(secret, ticketId));
  const given = Buffer.from(match[2]);
  return expected.length === given.length && timingSafeEqual(expected, given) ? ticketId : null;
}

/** `support@example.com` + token -> `support+<token>@example.com`. */
export function replyAddress(supportAddress: string, token: string): string {
  const at = supportAddress.lastIndexOf('@');
  return `${supportAddress.slice(0, at)}+${token}${supportAddress.slice(at)}`;
}

/**
 * Splits a recipient into its base address and plus-tag:
 * `support+t-x@example.com` -> `{ base: 'support@example.com', tag: 't-x' }`.
 */
export function splitPlusAddress(address: string): { base: string; tag: string | null } {
  const lower = address.trim().toLowerCase();
  const at = lower.lastIndexOf('@');
  if (at < 0) return { base: lower, tag: null };
  const local = lower.slice(0, at);
  const plus = local.indexOf('+');
  if (plus < 0) return { base: lower, tag: null };
  return { base: `${local.slice(0, plus)}${lower.slice(at)}`, tag: local.slice(plus + 1) || null };
}
