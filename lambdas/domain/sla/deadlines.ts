import { InvalidInputError } from '../errors';
import type { TimerRequest } from '../ports';
import type { SlaBreach, SlaTarget, Ticket, TicketSla, TicketStatus } from '../ticket';
import { addMs, businessTimeBetween, computeDue, pickTarget, targetsOf } from './calculator';
import { durationMs, type SlaDuration } from './duration';
import type { SlaPolicy } from './policy';

/**
 * The SLA state of a ticket (the `sla` field of {@link Ticket}): deadlines set at creation,
 * met by the first agent reply, paused while waiting on the customer, recomputed when the
 * priority changes, and the single nearest deadline the ticket's one timer is armed for.
 * Every function returns a new object; none reads the clock.
 */

export const DEFAULT_WARNING_FRACTION = 0.8;

export interface SlaOptions {
  /** Share of each target after which a warning is due (0 < f < 1). Default 0.8. */
  warningFraction?: number;
}

function fractionOf(options: SlaOptions | undefined): number {
  const f = options?.warningFraction ?? DEFAULT_WARNING_FRACTION;
  if (!(f > 0 && f < 1)) throw new InvalidInputError(`warningFraction: ${f} is not between 0 and 1`);
  return f;
}

const iso = (d: Date): string => d.toISOString();

function receivedOf(sla: TicketSla, fallback?: string): Date {
  const at = sla.receivedAt ?? fallback;
  if (!at) throw new InvalidInputError('sla.receivedAt: the ticket has no arrival time to count from');
  return new Date(at);
}

function waitedIn(sla: TicketSla, d: SlaDuration): number {
  const w = sla.waited;
  if (!w) return 0;
  return d.business ? w.businessMs : w.elapsedMs;
}

/**
 * Due and warning instant of a target counted from `received`, extended by `extraMs` of the
 * target's own clock (time spent waiting on the customer).
 */
function dueAndWarning(
  policy: SlaPolicy,
  received: Date,
  d: SlaDuration,
  extraMs: number,
  fraction: number,
): { due: Date; warning: Date } {
  const total = durationMs(d, policy.businessDayHours);
  return {
    due: addMs(policy, received, total + extraMs, d.business),
    warning: addMs(policy, received, Math.round(total * fraction) + extraMs, d.business),
  };
}

/** Recomputes due times and warnings from the arrival time (kept) for `priority`. */
function recompute(
  policy: SlaPolicy,
  priority: string,
  sla: TicketSla,
  options: SlaOptions | undefined,
  resetWarned: boolean,
): TicketSla {
  const fraction = fractionOf(options);
  const received = receivedOf(sla);
  const due = computeDue(policy, priority, received);
  const next: TicketSla = { ...sla, policy: policy.name };
  if (sla.firstRespondedAt === null) {
    const fr = dueAndWarning(policy, received, due.firstResponse, 0, fraction);
    next.firstResponseDue = iso(fr.due);
    next.firstResponseWarningAt = iso(fr.warning);
  } else {
    next.firstResponseWarningAt = null;
  }
  if (sla.resolvedAt === null) {
    const res = dueAndWarning(policy, received, due.resolution, waitedIn(sla, due.resolution), fraction);
    next.resolutionDue = iso(res.due);
    next.resolutionWarningAt = iso(res.warning);
  } else {
    next.resolutionWarningAt = null;
  }
  // After a priority change a target whose due moved may warn again (a resumed clock does
  // not repeat a warning already sent); a recorded breach stays recorded either way.
  if (!resetWarned) return next;
  next.warned = sla.warned.filter(
    (t) =>
      (t !== 'firstResponse' || next.firstResponseDue === sla.firstResponseDue) &&
      (t !== 'resolution' || next.resolutionDue === sla.resolutionDue),
  );
  return next;
}

/** The update interval that applies from `at`, if the priority requires updates. */
function updateInterval(policy: SlaPolicy, priority: string, at: Date): SlaDuration | null {
  const spec = targetsOf(policy, priority).updateEvery;
  return spec ? pickTarget(policy, spec, at) : null;
}

function addInterval(policy: SlaPolicy, at: Date, d: SlaDuration): Date {
  return addMs(policy, at, durationMs(d, policy.businessDayHours), d.business);
}

/**
 * SLA state of a new ticket: first-response and resolution due (and their warnings) counted
 * from `receivedAt`, the first update due one interval after arrival for priorities with
 * `updateEvery`.
 *
 * @throws {@link InvalidInputError} for an unknown priority or a warning fraction outside (0, 1)
 */
export function startSla(policy: SlaPolicy, priority: string, receivedAt: Date, options?: SlaOptions): TicketSla {
  const blank: TicketSla = {
    policy: policy.name,
    firstResponseDue: null,
    resolutionDue: null,
    nextUpdateDue: null,
    firstRespondedAt: null,
    resolvedAt: null,
    pausedAt: null,
    breaches: [],
    warned: [],
    receivedAt: iso(receivedAt),
    firstResponseWarningAt: null,
    resolutionWarningAt: null,
    waited: { elapsedMs: 0, businessMs: 0 },
  };
  const sla = recompute(policy, priority, blank, options, false);
  const every = updateInterval(policy, priority, receivedAt);
  return { ...sla, nextUpdateDue: every ? iso(addInterval(policy, receivedAt, every)) : null };
}

/**
 * An agent replied to the customer at `at`: the first one meets the first-response target;
 * every one restarts the update interval.
 */
export function recordAgentReply(sla: TicketSla, policy: SlaPolicy, priority: string, at: Date): TicketSla {
  const next: TicketSla = { ...sla };
  if (sla.firstRespondedAt === null) {
    next.firstRespondedAt = iso(at);
    next.firstResponseWarningAt = null;
  }
  if (sla.resolvedAt === null) {
    const every = updateInterval(policy, priority, at);
    next.nextUpdateDue = every ? iso(addInterval(policy, at, every)) : null;
  }
  return next;
}

/** The update reminder at `at` was handled: the next update is due one interval later. */
export function scheduleNextUpdate(sla: TicketSla, policy: SlaPolicy, priority: string, at: Date): TicketSla {
  const every = sla.resolvedAt === null ? updateInterval(policy, priority, at) : null;
  return { ...sla, nextUpdateDue: every ? iso(addInterval(policy, at, every)) : null };
}

/** Stops the resolution clock (status `needs_clarification`); no-op when already paused or resolved. */
export function pauseSla(sla: TicketSla, at: Date): TicketSla {
  if (sla.pausedAt !== null || sla.resolvedAt !== null) return sla;
  return { ...sla, pausedAt: iso(at) };
}

function addWaited(policy: SlaPolicy, sla: TicketSla, from: Date, to: Date): TicketSla {
  const w = sla.waited ?? { elapsedMs: 0, businessMs: 0 };
  return {
    ...sla,
    waited: {
      elapsedMs: w.elapsedMs + Math.max(0, to.getTime() - from.getTime()),
      businessMs: w.businessMs + businessTimeBetween(policy, from, to),
    },
  };
}

/**
 * Restarts the resolution clock at `at`: the time spent waiting, as the resolution target's
 * clock counts it (business time for business targets, real time for elapsed ones), moves
 * the resolution due time out. The update interval restarts at `at`.
 */
export function resumeSla(
  sla: TicketSla,
  policy: SlaPolicy,
  priority: string,
  at: Date,
  options?: SlaOptions,
): TicketSla {
  if (sla.pausedAt === null) return sla;
  return restartAfterStop(policy, priority, sla, sla.pausedAt, { pausedAt: null }, at, options);
}

/**
 * The priority changed at `at`: targets are recomputed from the original arrival (waiting
 * time still counted out); a met first response stays met; updates start or stop.
 */
export function changePriority(
  sla: TicketSla,
  policy: SlaPolicy,
  newPriority: string,
  at: Date,
  options?: SlaOptions,
): TicketSla {
  const next = recompute(policy, newPriority, sla, options, true);
  if (next.resolvedAt !== null) return { ...next, nextUpdateDue: null };
  const every = updateInterval(policy, newPriority, at);
  if (!every) return { ...next, nextUpdateDue: null };
  const fresh = addInterval(policy, at, every);
  const kept = sla.nextUpdateDue ? new Date(sla.nextUpdateDue) : null;
  return { ...next, nextUpdateDue: iso(kept && kept < fresh ? kept : fresh) };
}

/** Marks the ticket resolved at `at`: no SLA clock runs any more. */
export function resolveSla(sla: TicketSla, at: Date): TicketSla {
  if (sla.resolvedAt !== null) return sla;
  return {
    ...sla,
    resolvedAt: iso(at),
    pausedAt: null,
    nextUpdateDue: null,
    firstResponseWarningAt: null,
    resolutionWarningAt: null,
  };
}

/**
 * Reopens a resolved ticket at `at`: the time it sat resolved counts like waiting on the
 * customer, so resolution resumes with what was left.
 */
export function reopenSla(
  sla: TicketSla,
  policy: SlaPolicy,
  priority: string,
  at: Date,
  options?: SlaOptions,
): TicketSla {
  if (sla.resolvedAt === null) return sla;
  return restartAfterStop(policy, priority, sla, sla.resolvedAt, { resolvedAt: null }, at, options);
}

/**
 * The clocks after a stop (a pause, or a resolution) that began at `stoppedAt`: the time
 * stopped counts as waited, deadlines are recomputed, and the update interval restarts at `at`.
 */
function restartAfterStop(
  policy: SlaPolicy,
  priority: string,
  sla: TicketSla,
  stoppedAt: string,
  cleared: Partial<Pick<TicketSla, 'pausedAt' | 'resolvedAt'>>,
  at: Date,
  options: SlaOptions | undefined,
): TicketSla {
  const waited = addWaited(policy, sla, new Date(stoppedAt), at);
  const next = recompute(policy, priority, { ...waited, ...cleared }, options, false);
  const every = next.resolvedAt === null ? updateInterval(policy, priority, at) : null;
  return { ...next, nextUpdateDue: every ? iso(addInterval(policy, at, every)) : null };
}

/**
 * Applies a status change to the SLA state: entering `needs_clarification` pauses, leaving it
 * resumes, `resolved`/`closed` stop the clocks, leaving `resolved` for an open status reopens.
 */
export function applyStatusChange(
  sla: TicketSla,
  policy: SlaPolicy,
  priority: string,
  from: TicketStatus,
  to: TicketStatus,
  at: Date,
  options?: SlaOptions,
): TicketSla {
  if (from === to) return sla;
  let next = sla;
  if (from === 'needs_clarification') next = resumeSla(next, policy, priority, at, options);
  if (from === 'resolved' && to !== 'closed') next = reopenSla(next, policy, priority, at, options);
  if (to === 'needs_clarification') next = pauseSla(next, at);
  if (to === 'resolved' || to === 'closed') next = resolveSla(next, at);
  return next;
}

/** Records that the warning for `target` was sent (a late second firing will not repeat it). */
export function recordWarning(sla: TicketSla, target: SlaTarget): TicketSla {
  return sla.warned.includes(target) ? sla : { ...sla, warned: [...sla.warned, target] };
}

/** Records a missed deadline. */
export function recordBreach(sla: TicketSla, breach: SlaBreach): TicketSla {
  return { ...sla, breaches: [...sla.breaches, breach] };
}

export type DeadlineKind = 'warning' | 'breach' | 'update' | (string & {});

export interface Deadline {
  kind: DeadlineKind;
  target: SlaTarget | (string & {});
  /** The deadline itself. */
  due: Date;
  /** When to fire: `due`, or `now` when the deadline has already passed unhandled. */
  at: Date;
}

const KIND_RANK: Record<string, number> = { breach: 0, update: 1, warning: 2 };

/**
 * The one deadline the ticket's single timer should be armed for: the earliest pending
 * warning, breach or update reminder (plus any `extra` follow-up deadlines a caller adds),
 * or null when nothing is pending. Resolution deadlines and update reminders wait while the
 * ticket waits on the customer; nothing is pending once it is resolved or closed.
 */
export function nearestDeadline(
  ticket: Pick<Ticket, 'status' | 'sla'>,
  now: Date,
  extra: ReadonlyArray<Omit<Deadline, 'at'>> = [],
): Deadline | null {
  const { sla, status } = ticket;
  const candidates: Array<Omit<Deadline, 'at'>> = [...extra];
  const done = status === 'closed' || status === 'resolved' || sla.resolvedAt !== null;
  const paused = status === 'needs_clarification' || sla.pausedAt !== null;
  const breached = (t: SlaTarget) => sla.breaches.some((b) => b.target === t);
  const addTarget = (target: SlaTarget, due: string | null, warning: string | null | undefined) => {
    if (!due || breached(target)) return;
    if (warning && !sla.warned.includes(target) && Date.parse(warning) < Date.parse(due)) {
      candidates.push({ kind: 'warning', target, due: new Date(warning) });
    }
    candidates.push({ kind: 'breach', target, due: new Date(due) });
  };
  if (!done) {
    if (sla.firstRespondedAt === null) addTarget('firstResponse', sla.firstResponseDue, sla.firstResponseWarningAt);
    if (!paused) {
      addTarget('resolution', sla.resolutionDue, sla.resolutionWarningAt);
      if (sla.nextUpdateDue) candidates.push({ kind: 'update', target: 'update', due: new Date(sla.nextUpdateDue) });
    }
  }
  if (candidates.length === 0) return null;
  candidates.sort(
    (a, b) => a.due.getTime() - b.due.getTime() || (KIND_RANK[a.kind] ?? 3) - (KIND_RANK[b.kind] ?? 3),
  );
  const first = candidates[0];
  return { ...first, at: first.due < now ? new Date(now.getTime()) : first.due };
}

const NAME_MAX = 64;
const sanitize = (s: string): string => s.replace(/[^0-9A-Za-z\-_.]/g, '_');

/** FNV-1a 32-bit: a short stable hash that keeps truncated names distinct. */
function fnv1a(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i += 1) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

/**
 * Deterministic schedule name `<ticket>-<kind>-<version>` (a retried arm reuses it), made to
 * fit EventBridge Scheduler's 64 characters of `[0-9a-zA-Z-_.]`: other characters become `_`;
 * a name too long keeps its `-<kind>-<version>` end and replaces the cut with a hash.
 */
export function timerName(ticketId: string, kind: string, version: number | string): string {
  const head = sanitize(ticketId);
  const tail = sanitize(`-${kind}-${version}`);
  if (head.length + tail.length <= NAME_MAX) return head + tail;
  const hash = fnv1a(`${ticketId}\u0000${kind}\u0000${version}`);
  const room = NAME_MAX - tail.length - hash.length - 1;
  if (room >= 1) return `${head.slice(0, room)}.${hash}${tail}`;
  return `${(head + tail).slice(0, NAME_MAX - hash.length - 1)}.${hash}`;
}

/**
 * The timer request for a ticket's nearest deadline: named by ticket, kind and the ticket
 * version, with a payload that lets the handler check the deadline still holds.
 */
export function timerRequestFor(ticket: Pick<Ticket, 'id' | 'version'>, deadline: Deadline): TimerRequest {
  const name = timerName(ticket.id, deadline.kind, ticket.version);
  return {
    name,
    ticketId: ticket.id,
    kind: deadline.kind,
    at: deadline.at,
    payload: {
      timer: name,
      ticketId: ticket.id,
      kind: deadline.kind,
      target: deadline.target,
      due: deadline.due.toISOString(),
      version: ticket.version,
    },
  };
}
