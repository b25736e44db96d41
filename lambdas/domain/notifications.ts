import type { Address } from './inbound-message';
import { headerSafe, LOOP_HEADER, threadHeaders } from './outbound';
import type { OutboundMail } from './ports';
import { replyAddress } from './reply-token';
import type { SlaTarget, Ticket } from './ticket';
import { formatSubjectTag } from './ticket-ref';

/**
 * The mails the SLA timers send: warnings, breach escalations and update reminders to agents,
 * reminders, auto-resolution and the close-with-feedback note to customers. Pure builders: the
 * timer use case decides when, these decide what.
 */

/** Highest escalation tier (support-desks.md, the platform desk: Tier 1 -> 2 -> 3). */
export const MAX_TIER = 3;

export interface EscalationAddresses {
  tier1?: string;
  tier2?: string;
  tier3?: string;
}

/** The tier one escalation above `tier` (1 -> 2 -> 3, capped at {@link MAX_TIER}). */
export function nextTier(tier: number): number {
  return Math.min(MAX_TIER, Math.max(1, Math.floor(tier)) + 1);
}

/**
 * The escalation address of `tier`, else of the nearest tier below it that has one (a desk
 * with only a tier-1 list still hears of a tier-3 escalation), else null.
 */
export function escalationAddress(escalation: EscalationAddresses, tier: number): string | null {
  const table: Array<string | undefined> = [undefined, escalation.tier1, escalation.tier2, escalation.tier3];
  for (let t = Math.min(MAX_TIER, Math.max(1, Math.floor(tier))); t >= 1; t -= 1) {
    if (table[t]) return table[t] as string;
  }
  return null;
}

/**
 * The rating in a customer's answer to the feedback request: a lone digit 1-5 (surrounding
 * blanks and a closing `.`/`!` allowed, as people type them), else null. Anything longer is a
 * message, not a rating.
 */
export function parseRating(text: string): number | null {
  const match = /^\s*([1-5])\s*[.!]?\s*$/.exec(text);
  return match ? Number(match[1]) : null;
}

export interface SupportSender {
  address: string;
  name: string;
}

const TARGET_TEXT: Record<SlaTarget, string> = {
  firstResponse: 'first response',
  resolution: 'resolution',
  update: 'update',
};

/** Human name of an SLA target, for mail text. */
export function targetText(target: string): string {
  return (TARGET_TEXT as Record<string, string>)[target] ?? target;
}

/** Whole minutes from `now` to `due`, never negative (a late warning says 0). */
export function minutesUntil(due: Date, now: Date): number {
  return Math.max(0, Math.ceil((due.getTime() - now.getTime()) / 60_000));
}

/** The lines every agent-facing mail ends with: what the ticket is and where its clocks stand. */
export function ticketSummary(ticket: Ticket): string[] {
  const sla = ticket.sla;
  const lines = [
    `Ticket:     ${ticket.id}`,
    `Subject:    ${headerSafe(ticket.subject)}`,
    `Requester:  ${ticket.requester.name ? `${headerSafe(ticket.requester.name)} <${ticket.requester.address}>` : ticket.requester.address}`,
    `Status:     ${ticket.status}`,
    `Priority:   ${ticket.priority}`,
    `Tier:       ${ticket.tier}`,
    `Assignee:   ${ticket.assignee ?? '(none)'}`,
    `Opened:     ${ticket.createdAt}`,
    `First response due: ${sla.firstResponseDue ?? '-'}${sla.firstRespondedAt ? ` (met at ${sla.firstRespondedAt})` : ''}`,
    `Resolution due:     ${sla.resolutionDue ?? '-'}${sla.pausedAt ? ` (paused since ${sla.pausedAt})` : ''}`,
  ];
  if (sla.nextUpdateDue) lines.push(`Next update due:    ${sla.nextUpdateDue}`);
  for (const b of sla.breaches) lines.push(`Breach: ${targetText(b.target)} due ${b.due}, recorded ${b.at}, tier ${b.tier}`);
  return lines;
}

function agentMail(ticket: Ticket, from: SupportSender, to: string, subject: string, body: string[]): OutboundMail {
  return {
    from: { name: headerSafe(from.name), address: from.address },
    to: [{ name: '', address: to }],
    subject: headerSafe(formatSubjectTag(ticket.id, subject)),
    text: [...body, '', ...ticketSummary(ticket), '', '-- ', from.name].join('\n'),
    headers: {
      'Auto-Submitted': 'auto-generated',
      'X-Auto-Response-Suppress': 'All',
      [LOOP_HEADER]: from.address,
      'X-Sesdesk-Ticket': ticket.id,
    },
  };
}

function customerMail(ticket: Ticket, from: SupportSender, body: string[]): OutboundMail {
  const thread = threadHeaders(ticket.rootMessageId, ticket.threadIds.filter((id) => id !== ticket.rootMessageId));
  const to: Address[] = [{ name: headerSafe(ticket.requester.name), address: ticket.requester.address }];
  const greeting = ticket.requester.name ? `Hello ${headerSafe(ticket.requester.name)},` : 'Hello,';
  return {
    from: { name: headerSafe(from.name), address: from.address },
    to,
    cc: ticket.participants.map((p) => ({ name: headerSafe(p.name), address: p.address })),
    replyTo: [{ name: headerSafe(from.name), address: replyAddress(from.address, ticket.replyToken) }],
    subject: headerSafe(formatSubjectTag(ticket.id, ticket.subject)),
    text: [greeting, '', ...body, '', '-- ', from.name].join('\n'),
    inReplyTo: thread.inReplyTo,
    references: thread.references,
    headers: {
      'Auto-Submitted': 'auto-generated',
      'X-Auto-Response-Suppress': 'All',
      [LOOP_HEADER]: from.address,
      'X-Sesdesk-Ticket': ticket.id,
    },
  };
}

/** "breach in N minutes" to the assignee or the tier's address. */
export function warningMail(ticket: Ticket, from: SupportSender, to: string, target: string, due: Date, now: Date): OutboundMail {
  const minutes = minutesUntil(due, now);
  return agentMail(ticket, from, to, `SLA warning: ${targetText(target)} breach in ${minutes} minutes`, [
    `The ${targetText(target)} target of ticket ${ticket.id} will be breached in ${minutes} minutes (due ${due.toISOString()}).`,
  ]);
}

/** The escalation after a missed target (first response, resolution, or a missed update). */
export function breachMail(ticket: Ticket, from: SupportSender, to: string, target: string, due: Date, tier: number): OutboundMail {
  return agentMail(ticket, from, to, `SLA breach: ${targetText(target)} missed, escalated to tier ${tier}`, [
    `Ticket ${ticket.id} missed its ${targetText(target)} target (due ${due.toISOString()}) and is escalated to tier ${tier}.`,
  ]);
}

/** An update is due: the agent should tell the customer where things stand. */
export function updateReminderMail(ticket: Ticket, from: SupportSender, to: string, due: Date, nextDue: Date | null): OutboundMail {
  return agentMail(ticket, from, to, 'Update due: please update the customer', [
    `An update to the customer on ticket ${ticket.id} was due at ${due.toISOString()}.`,
    ...(nextDue ? [`Without an update by ${nextDue.toISOString()} the ticket escalates to the next tier.`] : []),
  ]);
}

/** The customer has not answered our question yet. */
export function customerReminderMail(ticket: Ticket, from: SupportSender, reminder: number, max: number): OutboundMail {
  return customerMail(ticket, from, [
    `We are still waiting for your answer on ticket ${ticket.id} so that we can continue working on it.`,
    `Please reply to this mail with the details we asked for (reminder ${reminder} of ${max}).`,
    ...(reminder >= max ? ['Without an answer we will consider the request resolved.'] : []),
  ]);
}

/** The ticket resolved itself after the reminders went unanswered. */
export function autoResolvedMail(ticket: Ticket, from: SupportSender, reminders: number): OutboundMail {
  return customerMail(ticket, from, [
    `We have not heard back from you after ${reminders} reminder${reminders === 1 ? '' : 's'}, so we have marked ticket ${ticket.id} as resolved.`,
    'If you still need help, just reply to this mail and the ticket will be reopened.',
  ]);
}

/** The ticket closed itself; the platform desk asks for a rating. */
export function closedMail(ticket: Ticket, from: SupportSender, askFeedback: boolean): OutboundMail {
  return customerMail(ticket, from, [
    `Ticket ${ticket.id} is now closed.`,
    ...(askFeedback
      ? ['', 'How did we do? Reply to this mail with a single digit from 1 (poor) to 5 (excellent).']
      : []),
  ]);
}
