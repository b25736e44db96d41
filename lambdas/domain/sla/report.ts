import type { Ticket } from '../ticket';

/**
 * The SLA review the platform desk runs (support-desks.md #5: "response and resolution times
 * are reviewed regularly"): per priority, how many tickets, how many met their first-response
 * and resolution targets, breaches, and median times. Pure: tickets and `now` in, numbers out.
 */

export interface AttainmentRow {
  /** Tickets whose outcome is known: answered/resolved, or still open past their due time. */
  measured: number;
  met: number;
  missed: number;
  /** `met / measured` in percent (one decimal), null when nothing is measured yet. */
  attainment: number | null;
}

export interface PriorityReportRow {
  priority: string;
  tickets: number;
  firstResponse: AttainmentRow;
  resolution: AttainmentRow;
  /** Breaches recorded on the tickets (any target, update escalations included). */
  breaches: number;
  /** Median real time from arrival to first agent reply, over answered tickets. */
  medianFirstResponseMs: number | null;
  /** Median real time from arrival to resolution, over resolved tickets. */
  medianResolutionMs: number | null;
}

export interface SlaReport {
  since: string | null;
  /** Additive (desk page): the end of the period, exclusive; null for "until now". */
  until?: string | null;
  generatedAt: string;
  priorities: PriorityReportRow[];
  total: PriorityReportRow;
}

export interface SlaReportOptions {
  now: Date;
  /** Only tickets opened at or after this instant. */
  since?: Date | null;
  /** Only tickets opened before this instant. */
  until?: Date | null;
  /** Priority names most urgent first (a policy's `priorityOrder`); others follow by name. */
  order?: readonly string[];
}

/** Usual priority names, most urgent first (the presets' names and common synonyms): the report's row order. */
export const USUAL_PRIORITY_ORDER: readonly string[] = ['critical', 'urgent', 'high', 'medium', 'normal', 'low'];

/** The median of `values` (mean of the middle two for an even count), null when empty. */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const ms = (iso: string | null | undefined): number | null => {
  if (!iso) return null;
  const t = Date.parse(iso);
  return Number.isFinite(t) ? t : null;
};

type Outcome = 'met' | 'missed' | 'pending' | 'none';

/**
 * Whether a target was met: done by its due time (`doneAt <= due`), missed (done late, still
 * open past due, or a breach recorded), pending (open, not yet due) or none (no target).
 */
function outcomeOf(due: number | null, doneAt: number | null, breached: boolean, now: number): Outcome {
  if (breached) return 'missed';
  if (due === null) return 'none';
  if (doneAt !== null) return doneAt <= due ? 'met' : 'missed';
  return now > due ? 'missed' : 'pending';
}

/**
 * While a ticket waits on the customer its resolution clock stands still (the due time moves out
 * when it resumes), so it is judged as of the pause, not as of now.
 */
function resolutionClockAt(sla: Ticket['sla'], now: number): number {
  return ms(sla.pausedAt) ?? now;
}

function attainment(outcomes: Outcome[]): AttainmentRow {
  const met = outcomes.filter((o) => o === 'met').length;
  const missed = outcomes.filter((o) => o === 'missed').length;
  const measured = met + missed;
  return { measured, met, missed, attainment: measured === 0 ? null : Math.round((met / measured) * 1000) / 10 };
}

function rowOf(priority: string, tickets: readonly Ticket[], now: number): PriorityReportRow {
  const fr: Outcome[] = [];
  const res: Outcome[] = [];
  const frTimes: number[] = [];
  const resTimes: number[] = [];
  let breaches = 0;
  for (const t of tickets) {
    const sla = t.sla;
    const received = ms(sla.receivedAt) ?? ms(t.createdAt);
    const responded = ms(sla.firstRespondedAt);
    // A closed ticket was resolved at the latest when it closed.
    const resolved = ms(sla.resolvedAt) ?? (t.status === 'closed' ? ms(t.updatedAt) : null);
    const breached = (target: string) => sla.breaches.some((b) => b.target === target);
    breaches += sla.breaches.length;
    fr.push(outcomeOf(ms(sla.firstResponseDue), responded, breached('firstResponse'), now));
    res.push(outcomeOf(ms(sla.resolutionDue), resolved, breached('resolution'), resolutionClockAt(sla, now)));
    if (received !== null && responded !== null) frTimes.push(Math.max(0, responded - received));
    if (received !== null && resolved !== null) resTimes.push(Math.max(0, resolved - received));
  }
  return {
    priority,
    tickets: tickets.length,
    firstResponse: attainment(fr),
    resolution: attainment(res),
    breaches,
    medianFirstResponseMs: median(frTimes),
    medianResolutionMs: median(resTimes),
  };
}

/**
 * The report over `tickets` opened since `options.since` (and before `options.until`): one row per priority present (in
 * `options.order`, then by name) and a total row. A paused resolution clock is judged by the
 * due time it has now (moved out by the waiting), as the ticket shows it.
 */
export function slaReport(tickets: readonly Ticket[], options: SlaReportOptions): SlaReport {
  const since = options.since ? options.since.getTime() : null;
  const until = options.until ? options.until.getTime() : null;
  const now = options.now.getTime();
  const chosen = tickets.filter((t) => {
    const created = ms(t.createdAt) ?? 0;
    return (since === null || created >= since) && (until === null || created < until);
  });
  const groups = new Map<string, Ticket[]>();
  for (const t of chosen) groups.set(t.priority, [...(groups.get(t.priority) ?? []), t]);
  const order = options.order ?? [];
  const rank = (p: string) => (order.includes(p) ? order.indexOf(p) : order.length);
  const names = [...groups.keys()].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  return {
    since: options.since ? options.since.toISOString() : null,
    ...(options.until ? { until: options.until.toISOString() } : {}),
    generatedAt: options.now.toISOString(),
    priorities: names.map((p) => rowOf(p, groups.get(p) ?? [], now)),
    total: rowOf('all', chosen, now),
  };
}

/** `1h 05m`, `2d 3h`, `45s` for a duration in ms; `-` for null. */
export function formatDurationMs(value: number | null): string {
  if (value === null) return '-';
  const s = Math.round(value / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h ${String(m % 60).padStart(2, '0')}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}
