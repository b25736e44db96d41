import { formatDurationMs, median, slaReport } from '../../../lambdas/domain/sla/report';
import type { SlaBreach, Ticket } from '../../../lambdas/domain/ticket';

const NOW = new Date('2026-11-20T12:00:00Z');
const min = (n: number) => n * 60_000;

let n = 0;
function ticket(priority: string, o: {
  at?: string; frDue?: string; fr?: string | null; resDue?: string; res?: string | null; status?: Ticket['status']; breaches?: SlaBreach['target'][]; pausedAt?: string;
}): Ticket {
  n += 1;
  const at = o.at ?? '2026-11-18T10:00:00.000Z';
  return {
    id: `R-${n}`, number: n, status: o.status ?? (o.res ? 'resolved' : 'open'), priority,
    requester: { name: '', address: 'a@b.io' }, participants: [], subject: 's', account: null, assignee: null, tier: 1,
    createdAt: at, updatedAt: at, version: 1, replyToken: 't', rootMessageId: null, threadIds: [], linkedTicketId: null,
    plannedFor: null, remindersSent: 0, rating: null, timer: null,
    sla: {
      policy: 'p', receivedAt: at,
      firstResponseDue: o.frDue ?? '2026-11-18T10:15:00.000Z', firstRespondedAt: o.fr ?? null,
      resolutionDue: o.resDue ?? '2026-11-18T14:00:00.000Z', resolvedAt: o.res ?? null,
      nextUpdateDue: null, pausedAt: o.pausedAt ?? null, warned: [],
      breaches: (o.breaches ?? []).map((target) => ({ target, due: at, at, tier: 2 })),
    },
  };
}

describe('median', () => {
  it.each([
    [[], null],
    [[5], 5],
    [[3, 1, 2], 2],
    [[4, 1, 3, 2], 2.5],
  ])('%j -> %p', (values, expected) => {
    expect(median(values)).toBe(expected);
  });
});

describe('slaReport', () => {
  const tickets = [
    // critical: met FR (5m) and resolution (2h); late FR (20m, breach recorded); open past both dues
    ticket('critical', { fr: '2026-11-18T10:05:00.000Z', res: '2026-11-18T12:00:00.000Z' }),
    ticket('critical', { fr: '2026-11-18T10:20:00.000Z', breaches: ['firstResponse', 'update'] }),
    ticket('critical', {}),
    // medium: still within its targets (pending: not measured)
    ticket('medium', { at: '2026-11-20T11:00:00.000Z', frDue: '2026-11-20T15:00:00.000Z', resDue: '2026-11-23T11:00:00.000Z' }),
    // low: answered on time, resolved late, closed
    ticket('low', { fr: '2026-11-18T11:00:00.000Z', frDue: '2026-11-19T10:00:00.000Z', res: '2026-11-21T10:00:00.000Z', resDue: '2026-11-20T10:00:00.000Z', status: 'closed' }),
  ];

  it('rows per priority, most urgent first, with attainment over measured tickets only', () => {
    const report = slaReport(tickets, { now: NOW, order: ['critical', 'high', 'medium', 'low'] });
    expect(report.priorities.map((r) => r.priority)).toEqual(['critical', 'medium', 'low']);
    const [critical, medium, low] = report.priorities;
    expect(critical).toEqual({
      priority: 'critical',
      tickets: 3,
      firstResponse: { measured: 3, met: 1, missed: 2, attainment: 33.3 },
      resolution: { measured: 3, met: 1, missed: 2, attainment: 33.3 },
      breaches: 2,
      medianFirstResponseMs: min(12.5),
      medianResolutionMs: min(120),
    });
    expect(medium).toMatchObject({
      tickets: 1,
      firstResponse: { measured: 0, attainment: null },
      resolution: { measured: 0, attainment: null },
      medianFirstResponseMs: null,
    });
    expect(low).toMatchObject({
      firstResponse: { met: 1, missed: 0, attainment: 100 },
      resolution: { met: 0, missed: 1, attainment: 0 },
      medianFirstResponseMs: min(60),
      medianResolutionMs: 3 * 24 * min(60),
    });
    expect(report.total).toMatchObject({ priority: 'all', tickets: 5, breaches: 2, firstResponse: { measured: 4, met: 2 } });
  });

  it('a ticket waiting on the customer is judged as of its pause: a stored due time now past is not a miss yet', () => {
    const waiting = ticket('high', { status: 'needs_clarification', fr: '2026-11-18T10:05:00.000Z', resDue: '2026-11-18T14:00:00.000Z', pausedAt: '2026-11-18T12:00:00.000Z' });
    const late = ticket('high', { status: 'needs_clarification', fr: '2026-11-18T10:05:00.000Z', resDue: '2026-11-18T14:00:00.000Z', pausedAt: '2026-11-18T15:00:00.000Z' });
    const report = slaReport([waiting, late], { now: NOW });
    expect(report.total.resolution).toEqual({ measured: 1, met: 0, missed: 1, attainment: 0 });
  });

  it('--since keeps tickets opened at or after it', () => {
    const report = slaReport(tickets, { now: NOW, since: new Date('2026-11-20T11:00:00Z') });
    expect(report.priorities.map((r) => [r.priority, r.tickets])).toEqual([['medium', 1]]);
    expect(report.since).toBe('2026-11-20T11:00:00.000Z');
  });

  it('--until keeps tickets opened before it (the desk page\'s period end)', () => {
    const report = slaReport(tickets, { now: NOW, since: new Date('2026-11-18T10:00:00Z'), until: new Date('2026-11-20T11:00:00Z') });
    expect(report.priorities.map((r) => [r.priority, r.tickets])).toEqual([['critical', 3], ['low', 1]]);
    expect(report.until).toBe('2026-11-20T11:00:00.000Z');
    expect(slaReport(tickets, { now: NOW }).until).toBeUndefined();
  });

  it('priorities outside the given order follow by name; no tickets gives an empty report', () => {
    const report = slaReport([ticket('p2', {}), ticket('p1', {}), ticket('high', {})], { now: NOW, order: ['high'] });
    expect(report.priorities.map((r) => r.priority)).toEqual(['high', 'p1', 'p2']);
    expect(slaReport([], { now: NOW }).priorities).toEqual([]);
  });

  it.each([
    [null, '-'],
    [45_000, '45s'],
    [min(15), '15m'],
    [min(65), '1h 05m'],
    [min(60 * 27), '1d 3h'],
  ])('formats %p as %p', (value, text) => {
    expect(formatDurationMs(value)).toBe(text);
  });
});
