import { isSupportAddress } from './agents';
import type { InboundMessage } from './inbound-message';
import { splitPlusAddress, verifyReplyToken } from './reply-token';
import { sesMessageIdAlias } from './ses-message-id';
import type { Ticket } from './ticket';

/**
 * Which ticket an inbound message belongs to, in order of trust: a Message-ID it answers
 * (In-Reply-To / References, including the ids SES gave our outbound mail), a signed reply
 * token in a recipient, then the subject tag, which anyone can type and so only counts when
 * the sender is already on the ticket.
 */
export type ThreadMatch = 'references' | 'reply-token' | 'subject-tag';

/**
 * Ids to look up, most specific first: `first` (a bounce's returned Message-ID), In-Reply-To,
 * then References from the newest back; each us-east-1 SES id followed by its other spelling
 * (`sesMessageIdAlias`), so records written before the id form was corrected still match.
 */
export function threadIdCandidates(message: Pick<InboundMessage, 'inReplyTo' | 'references'>, first?: string | null): string[] {
  const ids = [first, message.inReplyTo, ...[...message.references].reverse()].filter((id): id is string => !!id && !!id.trim());
  const out = new Set<string>();
  for (const raw of ids) {
    const id = raw.trim();
    out.add(id);
    const alias = sesMessageIdAlias(id);
    if (alias) out.add(alias);
  }
  return [...out];
}

/**
 * The ticket named by a verified reply token among `addresses` (envelope recipients, To, Cc),
 * or null. A token on an address that is not one of ours, or whose HMAC does not verify, is
 * ignored.
 */
export function ticketFromReplyToken(
  secret: string,
  supportAddresses: readonly string[],
  addresses: readonly string[],
): string | null {
  for (const address of addresses) {
    const { base, tag } = splitPlusAddress(address);
    if (!tag || !isSupportAddress(supportAddresses, base)) continue;
    const id = verifyReplyToken(secret, tag);
    if (id) return id;
  }
  return null;
}

/** True when `address` is the requester or a participant of `ticket` (case-insensitive). */
export function isOnTicket(ticket: Pick<Ticket, 'requester' | 'participants'>, address: string | null): boolean {
  if (!address) return false;
  const a = address.trim().toLowerCase();
  return ticket.requester.address.toLowerCase() === a || ticket.participants.some((p) => p.address.toLowerCase() === a);
}

/**
 * Whether a subject-tag-only match may join the ticket: the sender must be on the ticket
 * already (or a trusted agent); anyone else gets a new ticket, so a stranger cannot inject
 * mail into someone else's conversation by typing its number.
 */
export function subjectTagAccepted(
  ticket: Pick<Ticket, 'requester' | 'participants'>,
  from: string | null,
  trustedAgent: boolean,
): boolean {
  return trustedAgent || isOnTicket(ticket, from);
}

export type CustomerReplyAction = 'append' | 'reopen' | 'new-linked';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * What a customer's reply does to its ticket: a resolved ticket reopens within the reopen
 * window (counted from resolution) and otherwise, like a closed one, stays as it is while the
 * reply opens a new ticket linked to it.
 */
export function customerReplyAction(
  ticket: Pick<Ticket, 'status' | 'sla' | 'updatedAt'>,
  now: Date,
  reopenWindowDays: number,
): CustomerReplyAction {
  if (ticket.status === 'closed') return 'new-linked';
  if (ticket.status !== 'resolved') return 'append';
  const resolvedAt = Date.parse(ticket.sla.resolvedAt ?? ticket.updatedAt);
  return now.getTime() - resolvedAt <= reopenWindowDays * DAY_MS ? 'reopen' : 'new-linked';
}
