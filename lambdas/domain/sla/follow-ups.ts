import type { Ticket } from '../ticket';
import { addMs } from './calculator';
import type { Deadline } from './deadlines';
import type { SlaPolicy } from './policy';

/**
 * Follow-up deadlines: not SLA targets but the desk's own chasing of a ticket that waits.
 * While a ticket waits on the customer (`needs_clarification`) the customer is reminded every
 * N business days and, after M reminders, the ticket resolves itself; a resolved ticket
 * closes itself N days later. They join the SLA deadlines as `extra` of `nearestDeadline`,
 * so the ticket still has exactly one pending timer.
 */

/** Timer kinds handled by the follow-up function (everything else goes to sla-breach). */
export const FOLLOW_UP_KINDS = ['reminder', 'auto-resolve', 'auto-close'] as const;
export type FollowUpKind = (typeof FOLLOW_UP_KINDS)[number];

/** True for the timer kinds of {@link FOLLOW_UP_KINDS}. */
export function isFollowUpKind(kind: string): kind is FollowUpKind {
  return (FOLLOW_UP_KINDS as readonly string[]).includes(kind);
}

export interface FollowUpOptions {
  /** Business days between customer reminders (and from the last one to auto-resolve). */
  customerReminderBusinessDays: number;
  /** Reminders sent before the ticket auto-resolves. */
  maxCustomerReminders: number;
  /** Days (24 h) a resolved ticket stays resolved before it closes. */
  autoCloseDays: number;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/**
 * The follow-up deadline of a ticket, or none. Waiting on the customer since `sla.pausedAt`:
 * reminder k+1 is due (k+1) x N business days after the wait began (k = reminders sent), and
 * once M were sent the same step later resolves the ticket. Resolved at `sla.resolvedAt`: it
 * closes `autoCloseDays` days later. Counting from the start of the wait (not from the last
 * reminder) keeps the due time a pure function of the ticket, so a timer can check that the
 * deadline it was armed for still holds.
 */
export function followUpDeadlines(
  ticket: Pick<Ticket, 'status' | 'sla' | 'remindersSent' | 'updatedAt'>,
  policy: SlaPolicy,
  options: FollowUpOptions,
): Array<Omit<Deadline, 'at'>> {
  if (ticket.status === 'needs_clarification') {
    const since = new Date(ticket.sla.pausedAt ?? ticket.updatedAt);
    const stepMs = options.customerReminderBusinessDays * policy.businessDayHours * HOUR_MS;
    const sent = Math.max(0, ticket.remindersSent);
    const kind: FollowUpKind = sent < options.maxCustomerReminders ? 'reminder' : 'auto-resolve';
    return [{ kind, target: 'customer', due: addMs(policy, since, stepMs * (sent + 1), true) }];
  }
  if (ticket.status === 'resolved') {
    const since = new Date(ticket.sla.resolvedAt ?? ticket.updatedAt);
    return [{ kind: 'auto-close', target: 'resolved', due: new Date(since.getTime() + options.autoCloseDays * DAY_MS) }];
  }
  return [];
}
