import { byUrgency, overdueUntil, queueSortKey } from '../../../lambdas/domain/queue-order';
import type { Ticket, TicketStatus } from '../../../lambdas/domain/ticket';
import { sampleTicket } from '../adapters/fixtures';

/**
 * The queue key (GSI `byQueue`'s sort key) must sort tickets exactly as `sesdesk tickets` does
 * (byUrgency), and "overdue now" must be the key range up to overdueUntil(now).
 */
const H = 3_600_000;
const T0 = Date.parse('2026-11-18T10:00:00.000Z');
const at = (hours: number) => new Date(T0 + hours * H).toISOString();

function ticket(n: number, p: { status?: TicketStatus; created: number; fr?: number | null; responded?: number | null; res?: number | null; paused?: number | null }): Ticket {
  const base = sampleTicket();
  return sampleTicket({
    id: `LOCAL-${n}`,
    number: n,
    status: p.status ?? 'open',
    createdAt: at(p.created),
    sla: {
      ...base.sla,
      firstResponseDue: p.fr == null ? null : at(p.fr),
      firstRespondedAt: p.responded == null ? null : at(p.responded),
      resolutionDue: p.res == null ? null : at(p.res),
      pausedAt: p.paused == null ? null : at(p.paused),
    },
  });
}

// Deterministic pseudo-random tickets covering every case the key distinguishes.
function tickets(count: number): Ticket[] {
  let seed = 7;
  const rnd = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
  const statuses: TicketStatus[] = ['open', 'pending', 'needs_clarification', 'planned', 'in_progress', 'resolved', 'closed'];
  return Array.from({ length: count }, (_, i) => {
    const created = -Math.floor(rnd() * 200);
    const responded = rnd() < 0.5 ? created + 1 : null;
    return ticket(i + 1, {
      status: statuses[Math.floor(rnd() * statuses.length)],
      created,
      fr: rnd() < 0.9 ? created + Math.floor(rnd() * 10) : null,
      responded,
      res: rnd() < 0.9 ? created + Math.floor(rnd() * 100) : null,
      paused: rnd() < 0.2 ? created + 2 : null,
    });
  });
}

describe('queueSortKey', () => {
  it('sorts 500 varied tickets in byUrgency order (ties by ticket number)', () => {
    const all = tickets(500);
    const byKey = [...all].sort((a, b) => (queueSortKey(a) < queueSortKey(b) ? -1 : 1)).map((t) => t.id);
    // byUrgency leaves equal deadlines in input order: give it creation (number) order.
    const expected = [...all].sort((a, b) => a.number - b.number).sort(byUrgency).map((t) => t.id);
    expect(byKey).toEqual(expected);
  });

  it('puts running deadlines first, soonest first, then the rest newest first', () => {
    const soon = ticket(1, { created: -2, fr: 1 });
    const later = ticket(2, { created: -3, fr: 5 });
    const pausedNew = ticket(3, { status: 'needs_clarification', created: -1, fr: -0.5, responded: -0.7, res: 9, paused: -0.2 });
    const closedOld = ticket(4, { status: 'closed', created: -50, fr: -49 });
    const keys = [closedOld, pausedNew, later, soon].map(queueSortKey).sort();
    expect(keys).toEqual([soon, later, pausedNew, closedOld].map(queueSortKey));
    expect(queueSortKey(soon)).toBe(`1#${at(1)}#000000000001`);
    expect(queueSortKey(pausedNew).startsWith('2#')).toBe(true);
  });

  it('makes "overdue now" the key range up to overdueUntil(now), due instant excluded', () => {
    const now = new Date(T0);
    const overdue = ticket(1, { created: -5, fr: -1 });
    const dueNow = ticket(2, { created: -5, fr: 0 });
    const notYet = ticket(3, { created: -5, fr: 0.01 });
    const waiting = ticket(4, { status: 'resolved', created: -5, fr: -4 });
    const inRange = (t: Ticket) => queueSortKey(t) >= '1#' && queueSortKey(t) <= overdueUntil(now);
    expect([overdue, dueNow, notYet, waiting].map(inRange)).toEqual([true, false, false, false]);
  });

  it('ignores a due time that is not an instant instead of mis-sorting it', () => {
    const broken = ticket(9, { created: -1, fr: 1 });
    broken.sla.firstResponseDue = 'soon';
    expect(queueSortKey(broken).startsWith('2#')).toBe(true);
  });
});
