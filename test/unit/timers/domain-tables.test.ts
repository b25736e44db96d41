import { escalationAddress, minutesUntil, nextTier, parseRating } from '../../../lambdas/domain/notifications';
import { followUpDeadlines, isFollowUpKind } from '../../../lambdas/domain/sla/follow-ups';
import { startSla } from '../../../lambdas/domain/sla/deadlines';
import type { Ticket, TicketStatus } from '../../../lambdas/domain/ticket';
import { loadPreset } from '../../../policies';

describe('parseRating: a lone digit 1-5', () => {
  it.each([
    ['5', 5],
    ['1', 1],
    ['  3  ', 3],
    ['4\n', 4],
    ['\r\n2\r\n', 2],
    ['5.', 5],
    ['5!', 5],
    ['0', null],
    ['6', null],
    ['10', null],
    ['5 stars', null],
    ['I would say 4', null],
    ['4/5', null],
    ['', null],
    ['-3', null],
    ['٣', null],
  ])('%j -> %p', (text, expected) => {
    expect(parseRating(text)).toBe(expected);
  });
});

describe('escalation tiers', () => {
  it.each([
    [1, 2],
    [2, 3],
    [3, 3],
    [7, 3],
    [0, 2],
  ])('tier %p escalates to %p', (from, to) => {
    expect(nextTier(from)).toBe(to);
  });

  it.each([
    [{ tier1: 'a@x.io', tier2: 'b@x.io', tier3: 'c@x.io' }, 2, 'b@x.io'],
    [{ tier1: 'a@x.io', tier2: 'b@x.io', tier3: 'c@x.io' }, 3, 'c@x.io'],
    [{ tier1: 'a@x.io' }, 3, 'a@x.io'],
    [{ tier1: 'a@x.io', tier2: 'b@x.io' }, 3, 'b@x.io'],
    [{ tier2: 'b@x.io' }, 1, null],
    [{}, 2, null],
  ])('%j tier %p -> %p', (escalation, tier, expected) => {
    expect(escalationAddress(escalation, tier)).toBe(expected);
  });

  it.each([
    ['2026-11-18T10:15:00Z', '2026-11-18T10:12:00Z', 3],
    ['2026-11-18T10:15:00Z', '2026-11-18T10:12:30Z', 3],
    ['2026-11-18T10:15:00Z', '2026-11-18T10:16:00Z', 0],
  ])('minutes until %s from %s: %p', (due, now, n) => {
    expect(minutesUntil(new Date(due), new Date(now))).toBe(n);
  });
});

describe('followUpDeadlines', () => {
  const platform = loadPreset('platform');
  const options = { customerReminderBusinessDays: 2, maxCustomerReminders: 2, autoCloseDays: 3 };
  const base = startSla(platform, 'medium', new Date('2026-11-18T10:00:00Z'));
  const view = (status: TicketStatus, patch: Partial<Ticket['sla']>, remindersSent = 0): Pick<Ticket, 'status' | 'sla' | 'remindersSent' | 'updatedAt'> => ({
    status,
    sla: { ...base, ...patch },
    remindersSent,
    updatedAt: '2026-11-18T10:00:00.000Z',
  });
  const brief = (d: ReturnType<typeof followUpDeadlines>) => d.map((x) => `${x.kind} ${x.target} ${x.due.toISOString()}`);

  it.each([
    // Waiting since Wed 11:00 Berlin; 2 bd = 18 business hours of 09:00-18:00 Mon-Fri.
    ['first reminder: Fri 11:00 Berlin', view('needs_clarification', { pausedAt: '2026-11-18T10:00:00.000Z' }, 0), ['reminder customer 2026-11-20T10:00:00.000Z']],
    ['second reminder: Tue 11:00', view('needs_clarification', { pausedAt: '2026-11-18T10:00:00.000Z' }, 1), ['reminder customer 2026-11-24T10:00:00.000Z']],
    ['after 2 reminders: auto-resolve Thu 11:00', view('needs_clarification', { pausedAt: '2026-11-18T10:00:00.000Z' }, 2), ['auto-resolve customer 2026-11-26T10:00:00.000Z']],
    // Waiting since Fri 17:00 Berlin: 1 h Fri, 9 h Mon, 8 h Tue -> Tue 17:00.
    ['a wait that starts late on Friday skips the weekend', view('needs_clarification', { pausedAt: '2026-11-20T16:00:00.000Z' }, 0), ['reminder customer 2026-11-24T16:00:00.000Z']],
    // Before opening time counting starts at 09:00.
    ['a wait that starts at night counts from the opening', view('needs_clarification', { pausedAt: '2026-11-18T02:00:00.000Z' }, 0), ['reminder customer 2026-11-19T17:00:00.000Z']],
    ['resolved: close 3 days (72 h) later', view('resolved', { resolvedAt: '2026-11-26T10:00:00.000Z' }), ['auto-close resolved 2026-11-29T10:00:00.000Z']],
    ['open: nothing', view('open', {}), []],
    ['in progress: nothing', view('in_progress', {}), []],
    ['closed: nothing', view('closed', { resolvedAt: '2026-11-26T10:00:00.000Z' }), []],
  ])('%s', (_name, ticket, expected) => {
    expect(brief(followUpDeadlines(ticket, platform, options))).toEqual(expected);
  });

  it('maxCustomerReminders 0 resolves after one wait without reminding', () => {
    const t = view('needs_clarification', { pausedAt: '2026-11-18T10:00:00.000Z' }, 0);
    expect(brief(followUpDeadlines(t, platform, { ...options, maxCustomerReminders: 0 }))).toEqual(['auto-resolve customer 2026-11-20T10:00:00.000Z']);
  });

  it.each([
    ['reminder', true],
    ['auto-resolve', true],
    ['auto-close', true],
    ['breach', false],
    ['warning', false],
    ['update', false],
  ])('%s is a follow-up kind: %p', (kind, expected) => {
    expect(isFollowUpKind(kind)).toBe(expected);
  });
});
