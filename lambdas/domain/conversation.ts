import { customerParticipants, MAX_PARTICIPANTS, type AgentDirectory } from './agents';
import type { InboundMessage } from './inbound-message';
import type { ConversationRecipients, DeskSender } from './outbound';
import type { OutboundMail, TimerRequest } from './ports';
import type { PriorityDecision } from './priority';
import { parseRating } from './notifications';
import { applyStatusChange } from './sla/deadlines';
import type { SlaPolicy } from './sla/policy';
import { buildStatusUpdate } from './status-mail';
import { customerReplyAction } from './threading';
import type { MessageKind, PendingMail, Ticket, TicketSla } from './ticket';

/**
 * The conversation decisions, pure: what a message does to a ticket (open, append, bounce,
 * rate) and which mail that change causes. The use cases look things up, call these, and hand
 * the result to the exactly-once machinery (`use-cases/deliver.ts`); nothing here reads a
 * clock, the network or the environment.
 */

/** What a message does to the ticket it joins, decided purely from the ticket as stored. */
export interface TicketChange {
  ticket: Ticket;
  /** Mail the change causes, saved on the ticket with it and sent after. */
  mails: Array<{ kind: MessageKind; mail: OutboundMail }>;
  /** Kind and facts of the stored inbound message. */
  kind: MessageKind;
  meta?: Record<string, unknown>;
}

/** What the decisions need to know about the desk and the moment. */
export interface ConversationContext {
  now: Date;
  supportAddresses: readonly string[];
  agents: AgentDirectory;
  reopenWindowDays: number;
  warningFraction?: number;
  /** The policy as it applies to an account (and its 24x7 handling). */
  policyFor(accountId: string | null, aroundTheClock?: boolean): SlaPolicy;
  /** Who mail about the ticket goes to (requester and participants, less agents and bounced). */
  recipients(ticket: Ticket): ConversationRecipients;
  /** The support address writing about the ticket, with its reply token. */
  sender(ticket: Pick<Ticket, 'id'>): DeskSender;
}

/** Inbound ledger keys a ticket remembers as applied (a retry must not apply twice). */
export const APPLIED_KEPT = 25;
/** Message-IDs a ticket keeps for the References of its outbound mail. */
export const THREAD_IDS_KEPT = 50;

/** The kind a stored inbound message has before any change decides otherwise. */
export function messageKind(m: Pick<InboundMessage, 'bounce' | 'autoReply'>, trustedAgent: boolean): MessageKind {
  if (m.bounce) return 'bounce';
  if (trustedAgent) return 'agent';
  return m.autoReply ? 'auto-reply' : 'customer';
}

/** The 1-5 rating a customer's reply gives a resolved or closed ticket, else null. */
export function ratingOf(ticket: Pick<Ticket, 'status'>, m: Pick<InboundMessage, 'reply' | 'text'>): number | null {
  if (ticket.status !== 'resolved' && ticket.status !== 'closed') return null;
  return parseRating(m.reply || m.text);
}

/**
 * Where a customer's message that matched `ticket` goes: onto it, or (a closed ticket, or one
 * resolved longer ago than the reopen window) into a new ticket linking it. Automatic mail and
 * a rating always join the ticket they answer.
 */
export function replyRoute(ticket: Ticket, m: InboundMessage, now: Date, reopenWindowDays: number): 'append' | 'new-linked' {
  if (m.autoReply || ratingOf(ticket, m) !== null) return 'append';
  return customerReplyAction(ticket, now, reopenWindowDays) === 'new-linked' ? 'new-linked' : 'append';
}

/**
 * A customer's message on a ticket: new people in From/To/Cc become participants, the thread
 * ids move on, a resolved ticket within the reopen window reopens, and an answer to a
 * clarification request puts the ticket back in progress (both mail a status update).
 * An out-of-office answer is only stored; a lone digit on a resolved or closed ticket rates it.
 */
export function customerChange(ctx: ConversationContext, ticket: Ticket, m: InboundMessage): TicketChange {
  if (m.autoReply) return { ticket, mails: [], kind: 'auto-reply', meta: { autoReply: true } };
  const rating = ratingOf(ticket, m);
  if (rating !== null) return { ticket: { ...ticket, rating }, mails: [], kind: 'customer', meta: { rating } };
  const known = [ticket.requester.address, ...ticket.participants.map((p) => p.address)];
  const newcomers = customerParticipants([...(m.from ? [m.from] : []), ...m.to, ...m.cc], {
    supportAddresses: ctx.supportAddresses,
    agents: ctx.agents,
    exclude: known,
    limit: Math.max(0, MAX_PARTICIPANTS - ticket.participants.length),
  });
  let t: Ticket = {
    ...ticket,
    participants: [...ticket.participants, ...newcomers],
    ...(m.messageId
      ? { lastCustomerMessageId: m.messageId, threadIds: [...ticket.threadIds.filter((id) => id !== m.messageId), m.messageId].slice(-THREAD_IDS_KEPT) }
      : {}),
  };
  let to: Ticket['status'] | null = null;
  let note: string | null = null;
  if (t.status === 'resolved' && customerReplyAction(t, ctx.now, ctx.reopenWindowDays) === 'reopen') {
    to = 'open';
    note = 'Your reply reopened it; an agent will get back to you.';
  } else if (t.status === 'needs_clarification') {
    to = 'in_progress';
    note = 'Thank you for the details; an agent is working on it again.';
  }
  const mails: TicketChange['mails'] = [];
  const meta: Record<string, unknown> = {};
  if (newcomers.length > 0) meta.participantsAdded = newcomers.map((p) => p.address);
  if (to) {
    const from = t.status;
    const policy = ctx.policyFor(t.account, t.sla.aroundTheClock);
    t = { ...t, status: to, sla: applyStatusChange(t.sla, policy, t.priority, from, to, ctx.now, { warningFraction: ctx.warningFraction }) };
    meta.status = { from, to };
    const recipients = ctx.recipients(t);
    if (recipients.to.length > 0) {
      mails.push({
        kind: 'notification',
        mail: buildStatusUpdate({ ticket: t, from, sender: ctx.sender(t), recipients, reopenWindowDays: ctx.reopenWindowDays, note }),
      });
    }
  }
  return { ticket: t, mails, kind: 'customer', ...(Object.keys(meta).length > 0 ? { meta } : {}) };
}

/**
 * A bounce marks the recipients of this ticket whose mail failed, so later mail leaves them
 * out; nothing is sent. Only addresses the ticket writes to can be marked: a forged bounce
 * listing thousands of recipients cannot grow the ticket.
 */
export function bounceChange(ticket: Ticket, m: Pick<InboundMessage, 'failedRecipients' | 'bouncedMessageId'>): TicketChange {
  const failed = (m.failedRecipients ?? []).map((a) => a.toLowerCase());
  const ours = new Set([ticket.requester.address, ...ticket.participants.map((p) => p.address)].map((a) => a.toLowerCase()));
  const marked = [...new Set(failed.filter((a) => ours.has(a)))];
  const bounced = [...new Set([...(ticket.bouncedRecipients ?? []), ...marked])];
  return {
    ticket: { ...ticket, bouncedRecipients: bounced },
    mails: [],
    kind: 'bounce',
    meta: { failedRecipients: failed.slice(0, MAX_PARTICIPANTS + 1), ...(failed.length > MAX_PARTICIPANTS + 1 ? { failedRecipientsOmitted: failed.length - MAX_PARTICIPANTS - 1 } : {}), bouncedMessageId: m.bouncedMessageId ?? null },
  };
}

/** Mail decided with a change, as outbox entries owned by the delivery `key` (`<key>#<n>`). */
export function queueMails(key: string, mails: TicketChange['mails'], offset = 0): PendingMail[] {
  return mails.map((m, i) => ({ id: `${key}#${offset + i}`, kind: m.kind, mail: m.mail }));
}

/**
 * The ticket as the commit of `change` saves it: version + 1, the delivery `key` remembered as
 * applied, the change's mail queued in the outbox.
 */
export function applyChange(base: Ticket, change: TicketChange, key: string, now: Date): Ticket {
  return {
    ...change.ticket,
    version: base.version + 1,
    updatedAt: now.toISOString(),
    applied: [...(base.applied ?? []), key].slice(-APPLIED_KEPT),
    outbox: [...(base.outbox ?? []), ...queueMails(key, change.mails)],
  };
}

/** The schedule a saved ticket needs, against the one it names now. */
export interface TimerPlan {
  /** What the saved ticket names as its pending schedule. */
  timer: Ticket['timer'];
  /** The schedule to create before the commit that names it, when the nearest deadline moved. */
  arm: TimerRequest | null;
  /** The schedule to delete after the commit. */
  replaced: string | null;
}

/**
 * The schedule `next` asks for, given the ticket's `current` one. A schedule's name carries
 * the ticket version, but a new name alone is no reason to re-arm: when the nearest deadline
 * keeps its kind and instant, the pending schedule stays (the timer handler checks that the
 * ticket still names it and that its deadline still is the nearest, both of which hold).
 */
export function planTimer(current: Ticket['timer'], next: TimerRequest | null): TimerPlan {
  if (!next) return { timer: null, arm: null, replaced: current?.name ?? null };
  if (current && current.kind === next.kind && current.at === next.at.toISOString()) return { timer: current, arm: null, replaced: null };
  return { timer: { name: next.name, at: next.at.toISOString(), kind: next.kind }, arm: next, replaced: current?.name ?? null };
}

/** What opening a ticket needs besides the message: its number, id, priority decision and deadlines. */
export interface OpeningInput {
  id: string;
  number: number;
  message: InboundMessage;
  decision: Pick<PriorityDecision, 'priority' | 'assignee' | 'account'>;
  sla: TicketSla;
  replyToken: string;
  receivedAt: Date;
  supportAddresses: readonly string[];
  agents: AgentDirectory;
  /** The ticket this one follows up (a reply after that one was closed). */
  linkedTicketId: string | null;
  /** The delivery that opens it (remembered as applied). */
  key: string;
}

/** A new ticket (version 1) opened by `input.message`; its outbox and timer are set by the caller. */
export function openingTicket(input: OpeningInput): Ticket {
  const { message } = input;
  const at = input.receivedAt.toISOString();
  return {
    id: input.id,
    number: input.number,
    status: 'open',
    priority: input.decision.priority,
    requester: message.from ?? { name: '', address: '' },
    participants: customerParticipants([...message.to, ...message.cc], {
      supportAddresses: input.supportAddresses,
      agents: input.agents,
      exclude: message.from ? [message.from.address] : [],
    }),
    subject: message.subject || '(no subject)',
    account: input.decision.account?.id ?? null,
    assignee: input.decision.assignee,
    tier: 1,
    createdAt: at,
    updatedAt: at,
    version: 1,
    replyToken: input.replyToken,
    rootMessageId: message.messageId,
    threadIds: message.messageId ? [message.messageId] : [],
    lastCustomerMessageId: message.messageId,
    linkedTicketId: input.linkedTicketId,
    plannedFor: null,
    sla: input.sla,
    remindersSent: 0,
    rating: null,
    timer: null,
    applied: [input.key],
    outbox: [],
  };
}

/** Whether the message that opens a ticket gets an acknowledgement, and if not, why not. */
export function ackDecision(m: InboundMessage, throttled: boolean): { ack: true } | { ack: false; reason: string } {
  if (m.bounce) return { ack: false, reason: 'bounce' };
  if (m.autoReply) return { ack: false, reason: 'automatic message' };
  if (!m.from?.address) return { ack: false, reason: 'no sender address' };
  if (throttled) return { ack: false, reason: 'throttled' };
  return { ack: true };
}
