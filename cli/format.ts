import type { Ticket } from '../lambdas/domain/ticket';

/** The deadline that matters most now: first response until met, then resolution. */
export function urgentDue(ticket: Ticket): string | null {
  if (ticket.status === 'resolved' || ticket.status === 'closed') return null;
  if (!ticket.sla.firstRespondedAt && ticket.sla.firstResponseDue) return ticket.sla.firstResponseDue;
  // Waiting on the customer: the resolution clock is paused, its old due date does not run.
  if (ticket.sla.pausedAt) return null;
  return ticket.sla.resolutionDue;
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

/** A plain-text table with columns sized to their content. */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (c ?? '').padEnd(widths[i])).join('  ').trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
