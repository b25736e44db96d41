import type { Ticket } from './ticket';

/**
 * The order of the queue ("most urgent SLA first", cli.md) as a sortable string, so the desk
 * page can read the queue from an index in that order instead of sorting every ticket.
 * Pure: the key depends on the ticket alone, never on the time, so it only changes when the
 * ticket is saved, and "overdue now" is a key range (every running deadline before now).
 */

export type QueueOrderFields = Pick<Ticket, 'number' | 'status' | 'createdAt' | 'sla'>;

/** The deadline that matters most now: first response until met, then resolution. */
export function urgentDue(ticket: Pick<Ticket, 'status' | 'sla'>): string | null {
  if (ticket.status === 'resolved' || ticket.status === 'closed') return null;
  if (!ticket.sla.firstRespondedAt && ticket.sla.firstResponseDue) return ticket.sla.firstResponseDue;
  // Waiting on the customer: the resolution clock is paused, its old due date does not run.
  if (ticket.sla.pausedAt) return null;
  return ticket.sla.resolutionDue;
}

/** Key prefix of tickets with a running deadline (ordered by it, soonest first). */
export const RUNNING_PREFIX = '1#';
/** Key prefix of tickets without one (resolved, closed, paused, no target): newest first. */
export const WAITING_PREFIX = '2#';

/** Largest epoch millisecond with 13 digits (year 2286): `createdAt` is inverted against it. */
const MAX_MS = 9_999_999_999_999;

const pad = (n: number, width: number): string => String(Math.max(0, Math.trunc(n))).padStart(width, '0');

/** A fixed-width ISO instant (lexical order is time order), or null when `iso` is no instant. */
function instant(iso: string): string | null {
  const ms = Date.parse(iso);
  return Number.isFinite(ms) && ms >= 0 && ms <= MAX_MS ? new Date(ms).toISOString() : null;
}

/**
 * `1#<due>#<number>` for a running deadline, `2#<inverted createdAt>#<number>` otherwise, so a
 * lexical sort gives {@link byUrgency}'s order (ties by ticket number, i.e. creation order).
 */
export function queueSortKey(ticket: QueueOrderFields): string {
  const due = urgentDue(ticket);
  const at = due === null ? null : instant(due);
  if (at !== null) return `${RUNNING_PREFIX}${at}#${pad(ticket.number, 12)}`;
  const created = Date.parse(ticket.createdAt);
  return `${WAITING_PREFIX}${pad(MAX_MS - (Number.isFinite(created) ? created : 0), 13)}#${pad(ticket.number, 12)}`;
}

/** The last key of a ticket whose running deadline is before `now`: overdue is `[RUNNING_PREFIX, overdueUntil(now)]`. */
export function overdueUntil(now: Date): string {
  return `${RUNNING_PREFIX}${now.toISOString()}`;
}

/** Most urgent SLA first; tickets without a running deadline (resolved, closed, paused) last, newest first. */
export function byUrgency(a: Ticket, b: Ticket): number {
  const da = urgentDue(a);
  const db = urgentDue(b);
  if (da && db) return da.localeCompare(db);
  if (da) return -1;
  if (db) return 1;
  return b.createdAt.localeCompare(a.createdAt);
}
