import type { Address } from './inbound-message';
import { InvalidTransitionError } from './errors';
import type { OutboundMail } from './ports';

export const TICKET_STATUSES = [
  'open',
  'pending',
  'needs_clarification',
  'planned',
  'in_progress',
  'resolved',
  'closed',
] as const;
export type TicketStatus = (typeof TICKET_STATUSES)[number];

/**
 * Allowed status changes (the platform team's desk: Open -> Pending -> Needs Clarification
 * <-> In Progress, Planned, Resolved -> Closed). Resolved may go back to open: a customer
 * reply within the reopen window, or an agent reopening. Closed is terminal: later mail opens
 * a new ticket that links the old one.
 */
const TRANSITIONS: Readonly<Record<TicketStatus, readonly TicketStatus[]>> = {
  open: ['pending', 'needs_clarification', 'planned', 'in_progress', 'resolved', 'closed'],
  pending: ['needs_clarification', 'planned', 'in_progress', 'resolved', 'closed'],
  needs_clarification: ['pending', 'in_progress', 'planned', 'resolved', 'closed'],
  planned: ['in_progress', 'needs_clarification', 'resolved', 'closed'],
  in_progress: ['needs_clarification', 'planned', 'resolved', 'closed'],
  resolved: ['open', 'in_progress', 'closed'],
  closed: [],
};

/** True when a ticket may move from `from` to `to` (a no-op change is not a transition). */
export function canTransition(from: TicketStatus, to: TicketStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

/** Throws {@link InvalidTransitionError} unless `from -> to` is allowed. */
export function assertTransition(from: TicketStatus, to: TicketStatus): void {
  if (!canTransition(from, to)) {
    throw new InvalidTransitionError(`a ticket cannot go from ${from} to ${to}`);
  }
}

export type SlaTarget = 'firstResponse' | 'resolution' | 'update';

export interface SlaBreach {
  target: SlaTarget;
  /** The deadline that was missed (ISO). */
  due: string;
  /** When the breach was recorded (ISO). */
  at: string;
  /** Tier the ticket escalated to. */
  tier: number;
}

export interface TicketSla {
  policy: string;
  firstResponseDue: string | null;
  resolutionDue: string | null;
  nextUpdateDue: string | null;
  firstRespondedAt: string | null;
  resolvedAt: string | null;
  /** Set while the resolution clock is paused (status needs_clarification). */
  pausedAt: string | null;
  breaches: SlaBreach[];
  /** Warnings already sent, by target, so a late second firing does not repeat them. */
  warned: SlaTarget[];
  /**
   * Additive (sla/deadlines.ts), optional so older items still read: the arrival the targets
   * count from (kept across priority changes; `createdAt` when absent) ...
   */
  receivedAt?: string;
  /** ... when to warn that each target is near (null when met, paused or none) ... */
  firstResponseWarningAt?: string | null;
  resolutionWarningAt?: string | null;
  /** ... and the waiting-on-customer time so far, real and business ms, re-added on recompute. */
  waited?: { elapsedMs: number; businessMs: number };
  /**
   * Additive: 24x7 handling (the account's 24x7 contract on the most urgent priority, not
   * activated by the customer's email where the desk forbids it): every target counts round
   * the clock, business units included.
   */
  aroundTheClock?: boolean;
}

export interface Ticket {
  id: string;
  /** Sequential number within the region; `id` is `<prefix>-<number>`. */
  number: number;
  status: TicketStatus;
  priority: string;
  requester: Address;
  /** Customers who are copied on the conversation (not the requester, not agents, not us). */
  participants: Address[];
  subject: string;
  account: string | null;
  assignee: string | null;
  tier: number;
  createdAt: string;
  updatedAt: string;
  /** Optimistic-concurrency version; every write bumps it. */
  version: number;
  /** Secret-derived token used in the plus-address Reply-To. */
  replyToken: string;
  /** Message-ID of the message that opened the ticket (threading anchor for outbound mail). */
  rootMessageId: string | null;
  /** Ids (customer and SES-rewritten outbound) to put in References of outbound mail. */
  threadIds: string[];
  /** Ticket this one follows (a reply after close opens a new linked ticket). */
  linkedTicketId: string | null;
  plannedFor: string | null;
  sla: TicketSla;
  /** Customer reminders sent while waiting on the customer. */
  remindersSent: number;
  rating: number | null;
  /** Name of the pending timer schedule, if any. */
  timer: { name: string; at: string; kind: string } | null;
  /**
   * Additive (conversations), optional so older items still read: recipients whose mail
   * bounced; outbound mail leaves them out ...
   */
  bouncedRecipients?: string[];
  /** ... Message-ID of the customer's latest message (In-Reply-To of what we send next) ... */
  lastCustomerMessageId?: string | null;
  /** ... agents who answered by email, first first ... */
  agents?: string[];
  /** ... inbound ledger keys already applied to this ticket (the latest few), so a retry does not apply twice ... */
  applied?: string[];
  /** ... and mail decided together with the change that caused it, not yet sent (transactional outbox). */
  outbox?: PendingMail[];
}

/** An outbound mail saved on the ticket in the same write as the change it reports. */
export interface PendingMail {
  /** `<ledger key>#<n>`: unique, and tells which inbound message caused it. */
  id: string;
  kind: MessageKind;
  mail: OutboundMail;
  /** Additive (reliability, timer notices): facts stored on the outbound message once it is sent. */
  meta?: Record<string, unknown>;
  /**
   * Additive (reliability, timer notices): until then the invocation that queued the mail owns
   * it; a redelivery after this instant (a crashed attempt) sends what is still queued.
   */
  leaseUntil?: string;
  /** Additive (bounded records): the body lives in S3 under this key (`mail.text` is then empty). */
  textKey?: string;
}

export type MessageDirection = 'inbound' | 'outbound';
export type MessageKind =
  | 'customer'
  | 'agent'
  | 'note'
  | 'system'
  | 'bounce'
  | 'auto-reply'
  | 'ack'
  | 'relay'
  | 'notification';

export interface StoredAttachment {
  filename: string;
  contentType: string;
  size: number;
  sha256: string;
  inline: boolean;
  /** S3 key under the ticket's prefix; absent when not linked (quarantine). */
  key: string | null;
}

export interface TicketMessage {
  ticketId: string;
  /** Sort key suffix: `<iso>#<key>`, unique per message. */
  key: string;
  at: string;
  direction: MessageDirection;
  kind: MessageKind;
  from: Address | null;
  to: Address[];
  cc: Address[];
  subject: string;
  /** Body text; null when it lives in S3 (`textKey`). */
  text: string | null;
  textKey: string | null;
  messageId: string | null;
  /** SES message id: inbound receipt id, or the id SES gave an outbound send. */
  sesMessageId: string | null;
  /** Raw MIME in the raw-mail bucket. */
  rawKey: string | null;
  attachments: StoredAttachment[];
  /** Free-form facts (throttled, commands applied, problems ...). */
  meta?: Record<string, unknown>;
}
