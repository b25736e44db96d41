import type { Ticket, TicketSla, TicketStatus } from '../../../lambdas/domain/ticket';
import {
  applyStatusChange,
  changePriority,
  nearestDeadline,
  pauseSla,
  recordAgentReply,
  recordBreach,
  recordWarning,
  resolveSla,
  resumeSla,
  scheduleNextUpdate,
  startSla,
  timerName,
  timerRequestFor,
} from '../../../lambdas/domain/sla/deadlines';
import { loadPreset } from '../../../policies';

const platform = loadPreset('platform');
const facs = loadPreset('facs');
const at = (s: string) => new Date(s);
const view = (status: TicketStatus, sla: TicketSla): Pick<Ticket, 'status' | 'sla'> => ({ status, sla });
const brief = (d: ReturnType<typeof nearestDeadline>) =>
  d && { kind: d.kind, target: d.target, due: d.due.toISOString(), at: d.at.toISOString() };

describe('startSla', () => {
  it('sets due times, warnings at 80% and the first update for platform critical', () => {
    const sla = startSla(platform, 'critical', at('2026-11-23T09:00:00Z'));
    expect(sla).toMatchObject({
      policy: 'platform',
      receivedAt: '2026-11-23T09:00:00.000Z',
      firstResponseDue: '2026-11-23T09:15:00.000Z',
      firstResponseWarningAt: '2026-11-23T09:12:00.000Z',
      resolutionDue: '2026-11-23T13:00:00.000Z',
      resolutionWarningAt: '2026-11-23T12:12:00.000Z',
      nextUpdateDue: '2026-11-23T10:00:00.000Z',
      firstRespondedAt: null,
      resolvedAt: null,
      pausedAt: null,
      breaches: [],
      warned: [],
    });
  });

  it('puts a business-time warning at 80% of business time, not of the real span', () => {
    // facs medium, Mon 08:00 PST: 1bd = 12bh -> Tue 08:00 PST; 9.6bh -> Mon 17:36 PST.
    const sla = startSla(facs, 'medium', at('2026-11-23T08:00:00-08:00'));
    expect(sla.firstResponseDue).toBe('2026-11-24T16:00:00.000Z');
    expect(sla.firstResponseWarningAt).toBe('2026-11-24T01:36:00.000Z');
    expect(sla.nextUpdateDue).toBeNull();
  });

  it('takes a configurable warning fraction and rejects a meaningless one', () => {
    const sla = startSla(platform, 'critical', at('2026-11-23T09:00:00Z'), { warningFraction: 0.5 });
    expect(sla.resolutionWarningAt).toBe('2026-11-23T11:00:00.000Z');
    expect(() => startSla(platform, 'critical', at('2026-11-23T09:00:00Z'), { warningFraction: 1.5 })).toThrow(
      'warningFraction: 1.5 is not between 0 and 1',
    );
  });

  it('rejects an unknown priority', () => {
    expect(() => startSla(platform, 'urgent', at('2026-11-23T09:00:00Z'))).toThrow(/unknown priority "urgent"/);
  });
});

describe('first response and updates', () => {
  const start = startSla(platform, 'critical', at('2026-11-23T09:00:00Z'));

  it('arms the warning, then the breach, then (after a reply) the update', () => {
    const now = at('2026-11-23T09:00:00Z');
    expect(brief(nearestDeadline(view('open', start), now))).toEqual({
      kind: 'warning',
      target: 'firstResponse',
      due: '2026-11-23T09:12:00.000Z',
      at: '2026-11-23T09:12:00.000Z',
    });
    const warned = recordWarning(start, 'firstResponse');
    expect(recordWarning(warned, 'firstResponse').warned).toEqual(['firstResponse']);
    expect(brief(nearestDeadline(view('open', warned), now))).toMatchObject({ kind: 'breach', target: 'firstResponse', due: '2026-11-23T09:15:00.000Z' });
    const replied = recordAgentReply(warned, platform, 'critical', at('2026-11-23T09:10:00Z'));
    expect(replied.firstRespondedAt).toBe('2026-11-23T09:10:00.000Z');
    expect(replied.firstResponseWarningAt).toBeNull();
    expect(replied.nextUpdateDue).toBe('2026-11-23T10:10:00.000Z');
    expect(brief(nearestDeadline(view('in_progress', replied), now))).toMatchObject({ kind: 'update', target: 'update', due: '2026-11-23T10:10:00.000Z' });
  });

  it('keeps the first reply as the first response', () => {
    const a = recordAgentReply(start, platform, 'critical', at('2026-11-23T09:10:00Z'));
    const b = recordAgentReply(a, platform, 'critical', at('2026-11-23T09:40:00Z'));
    expect(b.firstRespondedAt).toBe('2026-11-23T09:10:00.000Z');
    expect(b.nextUpdateDue).toBe('2026-11-23T10:40:00.000Z');
  });

  it('moves the next update after a reminder', () => {
    expect(scheduleNextUpdate(start, platform, 'critical', at('2026-11-23T10:00:30Z')).nextUpdateDue).toBe('2026-11-23T11:00:30.000Z');
    expect(scheduleNextUpdate(start, platform, 'medium', at('2026-11-23T10:00:30Z')).nextUpdateDue).toBeNull();
  });

  it('fires a missed deadline now, not in the past', () => {
    expect(brief(nearestDeadline(view('open', start), at('2026-11-23T09:30:00Z')))).toEqual({
      kind: 'warning',
      target: 'firstResponse',
      due: '2026-11-23T09:12:00.000Z',
      at: '2026-11-23T09:30:00.000Z',
    });
  });

  it('does not arm a breach already recorded for that target', () => {
    const breached = recordBreach(recordWarning(start, 'firstResponse'), {
      target: 'firstResponse',
      due: '2026-11-23T09:15:00.000Z',
      at: '2026-11-23T09:15:20.000Z',
      tier: 2,
    });
    expect(brief(nearestDeadline(view('open', breached), at('2026-11-23T09:16:00Z')))).toMatchObject({ kind: 'update', due: '2026-11-23T10:00:00.000Z' });
  });

  it('prefers a breach to a warning due at the same instant', () => {
    const sla: TicketSla = { ...start, firstResponseDue: '2026-11-23T12:12:00.000Z', firstResponseWarningAt: '2026-11-23T12:00:00.000Z', warned: ['firstResponse'], nextUpdateDue: null };
    expect(brief(nearestDeadline(view('open', sla), at('2026-11-23T09:00:00Z')))).toMatchObject({ kind: 'breach', target: 'firstResponse' });
  });

  it('considers extra follow-up deadlines', () => {
    const resolved = resolveSla(start, at('2026-11-23T09:20:00Z'));
    expect(nearestDeadline(view('resolved', resolved), at('2026-11-23T09:20:00Z'))).toBeNull();
    const extra = [{ kind: 'auto-close', target: 'closure', due: at('2026-11-30T09:20:00Z') }];
    expect(brief(nearestDeadline(view('resolved', resolved), at('2026-11-23T09:20:00Z'), extra))).toMatchObject({ kind: 'auto-close', due: '2026-11-30T09:20:00.000Z' });
  });

  it('has nothing pending once closed', () => {
    expect(nearestDeadline(view('closed', start), at('2026-11-23T09:00:00Z'))).toBeNull();
  });
});

describe('waiting on the customer', () => {
  // facs high, Mon 08:00 PST: 4bh -> Mon 12:00 PST; 2bd = 24bh -> Wed 08:00 PST.
  const received = at('2026-11-23T08:00:00-08:00');
  const base = recordAgentReply(startSla(facs, 'high', received), facs, 'high', at('2026-11-23T11:00:00-08:00'));

  it('starts with the plain targets', () => {
    expect(base.firstResponseDue).toBe('2026-11-23T20:00:00.000Z');
    expect(base.resolutionDue).toBe('2026-11-25T16:00:00.000Z');
  });

  it('pauses the resolution clock and resumes with the business time waited added', () => {
    const paused = applyStatusChange(base, facs, 'high', 'in_progress', 'needs_clarification', at('2026-11-23T12:00:00-08:00'));
    expect(paused.pausedAt).toBe('2026-11-23T20:00:00.000Z');
    expect(nearestDeadline(view('needs_clarification', paused), at('2026-11-23T12:00:00-08:00'))).toBeNull();
    // Waited Mon 12-18 + Tue 06-12 = 12 business hours (24 real): Wed 08:00 + 12bh skips
    // Thanksgiving (Thu 26th) -> Fri 08:00 PST.
    const resumed = applyStatusChange(paused, facs, 'high', 'needs_clarification', 'in_progress', at('2026-11-24T12:00:00-08:00'));
    expect(resumed.pausedAt).toBeNull();
    expect(resumed.waited).toEqual({ elapsedMs: 24 * 3_600_000, businessMs: 12 * 3_600_000 });
    expect(resumed.resolutionDue).toBe('2026-11-27T16:00:00.000Z');
    // Warning: 19.2bh + 12bh = 31.2bh from arrival -> Wed 15:12 PST.
    expect(resumed.resolutionWarningAt).toBe('2026-11-25T23:12:00.000Z');
    expect(brief(nearestDeadline(view('in_progress', resumed), at('2026-11-24T12:00:00-08:00')))).toMatchObject({
      kind: 'warning',
      target: 'resolution',
      due: '2026-11-25T23:12:00.000Z',
    });
  });

  it('moves an elapsed resolution target by the real time waited', () => {
    const s = startSla(platform, 'critical', at('2026-11-23T09:00:00Z'));
    const paused = pauseSla(s, at('2026-11-23T10:00:00Z'));
    expect(pauseSla(paused, at('2026-11-23T11:00:00Z'))).toBe(paused);
    const resumed = resumeSla(paused, platform, 'critical', at('2026-11-23T12:30:00Z'));
    expect(resumed.resolutionDue).toBe('2026-11-23T15:30:00.000Z');
    expect(resumed.nextUpdateDue).toBe('2026-11-23T13:30:00.000Z');
  });

  it('still runs the first-response clock while paused', () => {
    const s = startSla(platform, 'critical', at('2026-11-23T09:00:00Z'));
    const paused = pauseSla(recordWarning(s, 'firstResponse'), at('2026-11-23T09:01:00Z'));
    expect(brief(nearestDeadline(view('needs_clarification', paused), at('2026-11-23T09:01:00Z')))).toMatchObject({ kind: 'breach', target: 'firstResponse' });
  });

  it('resuming a ticket that is not paused changes nothing', () => {
    expect(resumeSla(base, facs, 'high', at('2026-11-24T12:00:00-08:00'))).toBe(base);
  });
});

describe('priority change', () => {
  const received = at('2026-11-23T08:00:00-08:00');

  it('recomputes from the original arrival and keeps a met first response', () => {
    const medium = startSla(facs, 'medium', received);
    const high = changePriority(medium, facs, 'high', at('2026-11-23T09:00:00-08:00'));
    expect(high.receivedAt).toBe('2026-11-23T16:00:00.000Z');
    expect(high.firstResponseDue).toBe('2026-11-23T20:00:00.000Z');
    expect(high.resolutionDue).toBe('2026-11-25T16:00:00.000Z');

    const replied = recordAgentReply(medium, facs, 'medium', at('2026-11-23T09:00:00-08:00'));
    const raised = changePriority(replied, facs, 'critical', at('2026-11-23T10:00:00-08:00'));
    expect(raised.firstResponseDue).toBe(replied.firstResponseDue);
    expect(raised.firstRespondedAt).toBe('2026-11-23T17:00:00.000Z');
    // critical 1bd = 12bh from Mon 08:00 -> Tue 08:00 PST.
    expect(raised.resolutionDue).toBe('2026-11-24T16:00:00.000Z');
  });

  it('keeps the time already waited on the customer', () => {
    let s = startSla(facs, 'medium', received);
    s = pauseSla(s, at('2026-11-23T12:00:00-08:00'));
    s = resumeSla(s, facs, 'medium', at('2026-11-24T12:00:00-08:00'));
    s = changePriority(s, facs, 'high', at('2026-11-24T13:00:00-08:00'));
    expect(s.resolutionDue).toBe('2026-11-27T16:00:00.000Z');
  });

  it('lets a moved target warn again', () => {
    const s = recordWarning(startSla(facs, 'medium', received), 'firstResponse');
    expect(changePriority(s, facs, 'high', at('2026-11-23T09:00:00-08:00')).warned).toEqual([]);
    expect(changePriority(s, facs, 'medium', at('2026-11-23T09:00:00-08:00')).warned).toEqual(['firstResponse']);
  });

  it('starts and stops update reminders', () => {
    const medium = startSla(platform, 'medium', at('2026-11-23T09:00:00Z'));
    const critical = changePriority(medium, platform, 'critical', at('2026-11-23T09:30:00Z'));
    expect(critical.nextUpdateDue).toBe('2026-11-23T10:30:00.000Z');
    expect(critical.firstResponseDue).toBe('2026-11-23T09:15:00.000Z');
    expect(changePriority(critical, platform, 'low', at('2026-11-23T09:40:00Z')).nextUpdateDue).toBeNull();
  });
});

describe('timerName', () => {
  const allowed = /^[0-9a-zA-Z\-_.]{1,64}$/;

  it('is <ticket>-<kind>-<version>', () => {
    expect(timerName('USE1-1042', 'breach', 7)).toBe('USE1-1042-breach-7');
  });

  it('replaces characters Scheduler does not allow', () => {
    expect(timerName('LOCAL-3', 'auto close/1', 2)).toBe('LOCAL-3-auto_close_1-2');
  });

  it('fits 64 characters, keeps kind and version, and stays distinct', () => {
    const a = timerName(`USE1-${'9'.repeat(70)}1`, 'warning', 12);
    const b = timerName(`USE1-${'9'.repeat(70)}2`, 'warning', 12);
    expect(a).toHaveLength(64);
    expect(a).toMatch(allowed);
    expect(a.endsWith('-warning-12')).toBe(true);
    expect(a).not.toBe(b);
    expect(timerName(`USE1-${'9'.repeat(70)}1`, 'warning', 12)).toBe(a);
  });
});

describe('timerRequestFor', () => {
  it('names the timer by ticket, kind and version and carries what the handler re-checks', () => {
    const sla = startSla(platform, 'critical', at('2026-11-23T09:00:00Z'));
    const deadline = nearestDeadline(view('open', sla), at('2026-11-23T09:00:00Z'));
    expect(deadline).not.toBeNull();
    const req = timerRequestFor({ id: 'EUW1-7', version: 3 }, deadline!);
    expect(req).toEqual({
      name: 'EUW1-7-warning-3',
      ticketId: 'EUW1-7',
      kind: 'warning',
      at: at('2026-11-23T09:12:00Z'),
      payload: { timer: 'EUW1-7-warning-3', ticketId: 'EUW1-7', kind: 'warning', target: 'firstResponse', due: '2026-11-23T09:12:00.000Z', version: 3 },
    });
  });
});
