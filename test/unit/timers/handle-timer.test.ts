import { applyStatusChange, recordAgentReply } from '../../../lambdas/domain/sla/deadlines';
import { LOOP_HEADER } from '../../../lambdas/domain/outbound';
import { handleTimer } from '../../../lambdas/use-cases/handle-timer';
import { InvalidInputError } from '../../../lambdas/domain/errors';
import { change, firePending, mailsTo, openTicket, pendingPayload, ticketOf, world, type TimerWorld } from './fixtures';

// Wednesday 2026-11-18 10:00 UTC = 11:00 Berlin, inside the platform desk's business hours.
const T0 = '2026-11-18T10:00:00.000Z';
const plus = (min: number) => new Date(Date.parse(T0) + min * 60_000).toISOString();

function agentReply(w: TimerWorld, minutes: number) {
  return (t: Parameters<Parameters<typeof change>[2]>[0]) => ({
    ...t,
    sla: recordAgentReply(t.sla, w.sla.policy, t.priority, new Date(plus(minutes))),
  });
}

describe('SLA timers of a critical ticket (platform: 15m first response, 4h resolution, update every 1h)', () => {
  let w: TimerWorld;
  beforeEach(() => {
    w = world(T0);
  });

  it('warns once at 80% of the first-response target, "breach in 3 minutes", to the tier address when unassigned', async () => {
    const t = await openTicket(w);
    expect(t.timer).toMatchObject({ kind: 'warning', at: plus(12) });
    const { payload, result } = await firePending(w, t.id);
    expect(result).toMatchObject({ outcome: 'acted', action: 'warning', notified: ['tier1@example.com'] });
    const [mail] = w.mailer.sent;
    expect(mail.subject).toBe(`[#${t.id}] SLA warning: first response breach in 3 minutes`);
    expect(mail.from.address).toBe('support@example.com');
    expect(mail.headers?.[LOOP_HEADER]).toBe('support@example.com');
    const after = await ticketOf(w, t.id);
    expect(after.sla.warned).toEqual(['firstResponse']);
    expect(after.timer).toMatchObject({ kind: 'breach', at: plus(15) });
    // The same schedule delivered again (at least once): nothing more happens.
    const again = await handleTimer(w, payload);
    expect(again).toMatchObject({ outcome: 'skipped', reason: 'a newer timer is armed' });
    expect(w.mailer.sent).toHaveLength(1);
    const notes = (await w.tickets.listMessages(t.id)).filter((m) => m.kind === 'notification');
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatchObject({ direction: 'outbound', meta: { action: 'warning', timer: payload.timer } });
  });

  it('a warning fired after its target already passed mails nothing; the breach follows at once', async () => {
    const t = await openTicket(w);
    const { result } = await firePending(w, t.id, 4 * 60_000); // 16 minutes: stack was down
    expect(result).toMatchObject({ outcome: 'acted', action: 'warning', notified: [] });
    expect(w.mailer.sent).toHaveLength(0);
    expect((await ticketOf(w, t.id)).timer).toMatchObject({ kind: 'breach', at: plus(16) });
    const breach = await firePending(w, t.id);
    expect(breach.result).toMatchObject({ action: 'breach', notified: ['tier2@example.com'] });
  });

  it('warns the assignee when there is one', async () => {
    const t = await openTicket(w, { assignee: 'olga@example.com' });
    const { result } = await firePending(w, t.id, 30_000);
    expect(result.notified).toEqual(['olga@example.com']);
  });

  it('breach at 15 minutes records it, escalates to tier 2 once and mails tier 2 with the summary', async () => {
    const t = await openTicket(w);
    await firePending(w, t.id); // warning
    const { payload, result } = await firePending(w, t.id, 45_000); // breach, fired late
    expect(result).toMatchObject({ outcome: 'acted', action: 'breach', notified: ['tier2@example.com'] });
    expect(result.breach).toEqual({ target: 'firstResponse', due: plus(15), at: new Date(Date.parse(plus(15)) + 45_000).toISOString(), tier: 2 });
    const after = await ticketOf(w, t.id);
    expect(after.tier).toBe(2);
    expect(after.sla.breaches).toEqual([result.breach]);
    const mail = mailsTo(w, 'tier2@example.com')[0];
    expect(mail.subject).toBe(`[#${t.id}] SLA breach: first response missed, escalated to tier 2`);
    expect(mail.text).toContain('Requester:  Ana <ana@customer.example>');
    expect(mail.text).toContain(`Breach: first response due ${plus(15)}`);
    // The next deadline is the first hourly update.
    expect(after.timer).toMatchObject({ kind: 'update', at: plus(60) });
    const again = await handleTimer(w, payload);
    expect(again.outcome).toBe('skipped');
    expect((await ticketOf(w, t.id)).tier).toBe(2);
    expect(mailsTo(w, 'tier2@example.com')).toHaveLength(1);
  });

  it('two deliveries racing: one acts, the other loses the version race, re-reads and does nothing', async () => {
    const t = await openTicket(w);
    await firePending(w, t.id);
    const payload = await pendingPayload(w, t.id);
    w.clock.set(plus(15));
    // All three read the ticket before any of them writes: the version decides.
    const read = w.tickets.getTicket.bind(w.tickets);
    let waiting = 0;
    let release: () => void = () => undefined;
    const allRead = new Promise<void>((resolve) => (release = resolve));
    w.tickets.getTicket = async (id) => {
      const ticket = await read(id);
      if (waiting < 3) {
        waiting += 1;
        if (waiting === 3) release();
        await allRead;
      }
      return ticket;
    };
    const commit = w.tickets.commit.bind(w.tickets);
    const conflicts: string[] = [];
    w.tickets.commit = async (c) => {
      const result = await commit(c);
      if (!result.ok) conflicts.push(result.conflict);
      return result;
    };
    const results = await Promise.all([handleTimer(w, payload), handleTimer(w, payload), handleTimer(w, payload)]);
    // Two lost claims (and maybe lost re-arm races, which re-read and stop).
    expect(conflicts.length).toBeGreaterThanOrEqual(2);
    expect(new Set(conflicts)).toEqual(new Set(['version']));
    expect(results.filter((r) => r.outcome === 'acted')).toHaveLength(1);
    const after = await ticketOf(w, t.id);
    expect(after.tier).toBe(2);
    expect(after.sla.breaches).toHaveLength(1);
    expect(mailsTo(w, 'tier2@example.com')).toHaveLength(1);
    expect(after.timer).toMatchObject({ kind: 'update', at: plus(60) });
    expect(w.timers.pending.has(after.timer!.name)).toBe(true);
  });

  it('an agent reply before the deadline makes the armed breach a no-op (re-armed by the writer)', async () => {
    const t = await openTicket(w);
    const stalePayload = await pendingPayload(w, t.id);
    w.clock.set(plus(5));
    await change(w, t.id, agentReply(w, 5));
    w.clock.set(plus(15));
    const result = await handleTimer(w, stalePayload);
    expect(result).toMatchObject({ outcome: 'skipped', reason: 'a newer timer is armed' });
    expect(w.mailer.sent).toHaveLength(0);
    // The first-response clock stopped: next is the update due one hour after the reply.
    expect((await ticketOf(w, t.id)).timer).toMatchObject({ kind: 'update', at: plus(65) });
  });

  it('a deadline met without re-arming: the fired timer does nothing but points the ticket at what is due', async () => {
    const t = await openTicket(w);
    await firePending(w, t.id); // warning; breach armed for 15m
    const payload = await pendingPayload(w, t.id);
    w.clock.set(plus(14));
    await change(w, t.id, agentReply(w, 14), false);
    w.clock.set(plus(15));
    const result = await handleTimer(w, payload);
    expect(result.outcome).toBe('skipped');
    expect(result.reason).toMatch(/deadline no longer holds/);
    expect(mailsTo(w, 'tier2@example.com')).toHaveLength(0);
    const after = await ticketOf(w, t.id);
    expect(after.sla.breaches).toEqual([]);
    expect(after.timer).toMatchObject({ kind: 'update', at: plus(74) });
    expect(result.nextTimer).toBe(after.timer!.name);
  });

  it('does nothing for a closed ticket or a missing one', async () => {
    const t = await openTicket(w);
    const payload = await pendingPayload(w, t.id);
    await change(w, t.id, (x) => ({ ...x, status: 'closed' }), false);
    w.clock.set(plus(12));
    expect(await handleTimer(w, payload)).toMatchObject({ outcome: 'skipped', reason: 'ticket closed' });
    expect(await handleTimer(w, { ...payload, ticketId: 'TT-999999' })).toMatchObject({ outcome: 'skipped', reason: 'ticket not found' });
    expect(w.mailer.sent).toHaveLength(0);
  });

  it('update due: reminds first, escalates when the agent did not update by the next due, caps at tier 3', async () => {
    const t = await openTicket(w, { assignee: 'olga@example.com' });
    w.clock.set(plus(5));
    await change(w, t.id, agentReply(w, 5)); // first response met; update due at 65m
    const first = await firePending(w, t.id);
    expect(first.result).toMatchObject({ action: 'update-reminder', notified: ['olga@example.com'] });
    expect(mailsTo(w, 'olga@example.com')[0].subject).toBe(`[#${t.id}] Update due: please update the customer`);
    expect((await ticketOf(w, t.id)).sla.nextUpdateDue).toBe(plus(125));
    const second = await firePending(w, t.id);
    expect(second.result).toMatchObject({ action: 'update-escalation', notified: ['tier2@example.com'] });
    expect(second.result.breach).toMatchObject({ target: 'update', due: plus(125), tier: 2 });
    const third = await firePending(w, t.id);
    expect(third.result).toMatchObject({ action: 'update-escalation', notified: ['tier3@example.com'] });
    // The resolution warning (3h12m) comes before the next update (4h05m).
    const fourth = await firePending(w, t.id);
    expect(fourth.result).toMatchObject({ action: 'warning' });
    expect(fourth.payload).toMatchObject({ target: 'resolution', due: plus(192) });
    const fifth = await firePending(w, t.id); // 4h: resolution breach, already at tier 3
    expect(fifth.result).toMatchObject({ action: 'breach', notified: ['tier3@example.com'] });
    expect(fifth.result.breach).toMatchObject({ target: 'resolution', tier: 3 });
    expect((await ticketOf(w, t.id)).tier).toBe(3);
  });

  it('an agent update after a reminder restarts the cycle: the next miss reminds again, not escalates', async () => {
    const t = await openTicket(w, { assignee: 'olga@example.com' });
    w.clock.set(plus(5));
    await change(w, t.id, agentReply(w, 5));
    await firePending(w, t.id); // reminder at 65m, next due 125m
    w.clock.set(plus(100));
    await change(w, t.id, agentReply(w, 100)); // update given; next due 160m
    const next = await firePending(w, t.id);
    expect(next.payload.due).toBe(plus(160));
    expect(next.result).toMatchObject({ action: 'update-reminder' });
    expect((await ticketOf(w, t.id)).tier).toBe(1);
  });
});

describe('follow-ups: waiting on the customer, then resolved', () => {
  // Wed 2026-11-18 11:00 Berlin; platform business days are 9 h (09:00-18:00 Mon-Fri).
  const start = '2026-11-18T10:00:00.000Z';

  it('reminds the customer every 2 business days, auto-resolves after 2 reminders, closes 3 days later asking for feedback', async () => {
    const w = world(start);
    const t = await openTicket(w, { priority: 'medium', subject: 'Question about exports' });
    await change(w, t.id, (x) => ({
      ...x,
      status: 'needs_clarification',
      sla: applyStatusChange(recordAgentReply(x.sla, w.sla.policy, x.priority, new Date(start)), w.sla.policy, x.priority, x.status, 'needs_clarification', new Date(start)),
    }));
    const paused = await ticketOf(w, t.id);
    // The resolution clock is paused: the only pending deadline is the customer reminder.
    expect(paused.timer).toMatchObject({ kind: 'reminder', at: '2026-11-20T10:00:00.000Z' }); // Fri 11:00 Berlin
    const r1 = await firePending(w, t.id);
    expect(r1.result).toMatchObject({ action: 'reminder', notified: ['ana@customer.example'] });
    const mail = w.mailer.sent[0];
    expect(mail.subject).toBe(`[#${t.id}] Question about exports`);
    expect(mail.text).toContain('reminder 1 of 2');
    expect(mail.replyTo?.[0].address).toBe(`support+${t.replyToken}@example.com`);
    expect(mail.inReplyTo).toBe(t.rootMessageId);
    expect(await w.tickets.findTicketByMessageIds([mail.messageId])).toBe(t.id);
    expect((await ticketOf(w, t.id)).timer).toMatchObject({ kind: 'reminder', at: '2026-11-24T10:00:00.000Z' }); // Tue
    const r2 = await firePending(w, t.id);
    expect(r2.result).toMatchObject({ action: 'reminder' });
    expect(w.mailer.sent[1].text).toContain('reminder 2 of 2');
    expect((await ticketOf(w, t.id)).timer).toMatchObject({ kind: 'auto-resolve', at: '2026-11-26T10:00:00.000Z' }); // Thu
    const resolved = await firePending(w, t.id);
    expect(resolved.result).toMatchObject({ action: 'auto-resolve', notified: ['ana@customer.example'] });
    expect(w.mailer.sent[2].text).toContain('after 2 reminders, so we have marked ticket');
    const after = await ticketOf(w, t.id);
    expect(after).toMatchObject({ status: 'resolved', remindersSent: 0 });
    expect(after.sla.resolvedAt).toBe('2026-11-26T10:00:00.000Z');
    expect(after.timer).toMatchObject({ kind: 'auto-close', at: '2026-11-29T10:00:00.000Z' });
    const closed = await firePending(w, t.id, 20_000);
    expect(closed.result).toMatchObject({ action: 'auto-close', nextTimer: null });
    expect(w.mailer.sent[3].text).toContain('Reply to this mail with a single digit from 1 (poor) to 5 (excellent)');
    const final = await ticketOf(w, t.id);
    expect(final.status).toBe('closed');
    expect(final.timer).toBeNull();
    expect(w.timers.pending.size).toBe(0);
    const kinds = (await w.tickets.listMessages(t.id)).map((m) => m.meta?.action);
    expect(kinds).toEqual(['reminder', 'reminder', 'auto-resolve', 'auto-close']);
  });

  it('a customer answer (status back to in_progress) makes the armed reminder a no-op', async () => {
    const w = world(start);
    const t = await openTicket(w, { priority: 'medium' });
    await change(w, t.id, (x) => ({
      ...x,
      status: 'needs_clarification',
      sla: applyStatusChange(recordAgentReply(x.sla, w.sla.policy, x.priority, new Date(start)), w.sla.policy, x.priority, x.status, 'needs_clarification', new Date(start)),
    }));
    const payload = await pendingPayload(w, t.id);
    await change(w, t.id, (x) => ({ ...x, status: 'in_progress', sla: applyStatusChange(x.sla, w.sla.policy, x.priority, x.status, 'in_progress', new Date(start)) }), false);
    w.clock.set('2026-11-20T10:00:00.000Z');
    const result = await handleTimer(w, payload);
    expect(result.outcome).toBe('skipped');
    expect(w.mailer.sent).toHaveLength(0);
    expect((await ticketOf(w, t.id)).timer?.kind).not.toBe('reminder');
  });

  it('without feedbackOnClose the close mail asks for nothing', async () => {
    const w = world(start, { feedbackOnClose: false, autoCloseDays: 1 });
    const t = await openTicket(w, { priority: 'medium' });
    await change(w, t.id, (x) => ({ ...x, status: 'resolved', sla: applyStatusChange(x.sla, w.sla.policy, x.priority, x.status, 'resolved', new Date(start)) }));
    expect((await ticketOf(w, t.id)).timer).toMatchObject({ kind: 'auto-close', at: '2026-11-19T10:00:00.000Z' });
    await firePending(w, t.id);
    expect(w.mailer.sent[0].text).toContain('is now closed');
    expect(w.mailer.sent[0].text).not.toContain('How did we do');
  });
});

describe('a mail that cannot be sent', () => {
  it('is stored on the ticket with its error; the act stands and the next deadline is armed', async () => {
    const w = world(T0);
    const t = await openTicket(w);
    // What SesMailer makes of SES's MessageRejected: a refusal, final for this mail.
    w.mailer.send = async () => {
      throw new InvalidInputError('ses send: MessageRejected: SES said no');
    };
    const { result } = await firePending(w, t.id);
    expect(result).toMatchObject({ outcome: 'acted', action: 'warning', notified: [], failed: ['tier1@example.com'] });
    const [note] = await w.tickets.listMessages(t.id);
    expect(note.meta).toMatchObject({ action: 'warning', sendError: 'InvalidInputError: ses send: MessageRejected: SES said no' });
    expect((await ticketOf(w, t.id)).timer?.kind).toBe('breach');
  });
});
