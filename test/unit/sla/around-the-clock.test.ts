import { aroundTheClockPolicy, parsePolicy } from '../../../lambdas/domain/sla/policy';
import { startSla } from '../../../lambdas/domain/sla/deadlines';
import { defaultLocalConfig } from '../../../local/local-config';
import { eml, makeDesk } from '../conversations/support';

/**
 * support-desks.md #3: customers with a 24x7 contract get after-hours handling for urgent
 * tickets, but an emailed ticket never activates it (faxguys: email keeps the default priority).
 */
const fax = (overrides: Record<string, unknown> = {}) => {
  const base = defaultLocalConfig('faxguys');
  return {
    ...base,
    priority: {
      accounts: [
        { id: 'fax24', name: 'Fax 24', domains: ['fax24.example'], support24x7: true },
        { id: 'daytime', name: 'Daytime', domains: ['daytime.example'] },
      ],
      ...overrides,
    },
  };
};
/** Saturday 2027-01-09 03:00 in Chicago (09:00Z): outside every business hour of the desk. */
const SATURDAY_NIGHT = new Date('2027-01-09T09:00:00Z');

describe('24x7 handling', () => {
  it('counts business units round the clock: urgent 30bm / 1bd from Saturday 03:00 Central', () => {
    const parsed = parsePolicy(defaultLocalConfig('faxguys').policy, 'faxguys');
    const normal = startSla(parsed, 'urgent', SATURDAY_NIGHT);
    const allDay = startSla(aroundTheClockPolicy(parsed), 'urgent', SATURDAY_NIGHT);
    expect(normal.firstResponseDue).toBe('2027-01-11T14:30:00.000Z'); // Monday 08:30 Central
    expect(allDay.firstResponseDue).toBe('2027-01-09T09:30:00.000Z'); // Saturday 03:30 Central
    expect(allDay.resolutionDue).toBe('2027-01-09T17:00:00.000Z'); // 1bd = 8 hours later
  });

  it('an emailed urgent mail from a 24x7 account on a desk that lets email raise priority is handled round the clock', async () => {
    const desk = makeDesk(fax({ emailCanRaisePriority: true }));
    desk.clock.set(SATURDAY_NIGHT);
    const r = await desk.deliver(eml({ from: 'ops@fax24.example', subject: 'URGENT production stopped', body: 'No fax goes out.' }));
    const t = (await desk.tickets.getTicket(r.ticketId!))!;
    expect(t.priority).toBe('urgent');
    expect(t.sla.aroundTheClock).toBe(true);
    expect(new Date(t.sla.firstResponseDue!).getTime() - new Date(t.createdAt).getTime()).toBe(30 * 60_000);
    expect(desk.timers.pending.get(t.timer!.name)!.at.getTime()).toBeLessThan(new Date(t.sla.firstResponseDue!).getTime());

    const other = await desk.deliver(eml({ from: 'ops@daytime.example', subject: 'URGENT production stopped', body: 'Same.' }));
    const d = (await desk.tickets.getTicket(other.ticketId!))!;
    expect(d.priority).toBe('urgent');
    expect(d.sla.aroundTheClock).toBeUndefined();
    expect(d.sla.firstResponseDue).toBe('2027-01-11T14:30:00.000Z');
  });

  it('on the faxguys desk as shipped, email never activates it; an agent setting urgent does', async () => {
    const desk = makeDesk(fax());
    desk.clock.set(SATURDAY_NIGHT);
    const r = await desk.deliver(eml({ from: 'ops@fax24.example', subject: 'URGENT production stopped', messageId: '<fax-1@fax24.example>', body: 'No fax goes out.' }));
    const t = (await desk.tickets.getTicket(r.ticketId!))!;
    expect(t.priority).toBe('medium');
    expect(t.sla.aroundTheClock).toBeUndefined();
    expect(t.sla.firstResponseDue).toBe('2027-01-11T16:00:00.000Z'); // 2bh from Monday 08:00 Central

    desk.clock.set(new Date(SATURDAY_NIGHT.getTime() + 10 * 60_000));
    const agent = await desk.deliver(eml({ from: 'alex@example.com', subject: `Re: [#${t.id}] URGENT production stopped`, body: '#priority urgent\n#internal\nCustomer on 24x7 contract.' }));
    expect(agent.outcome).toBe('appended');
    const after = (await desk.tickets.getTicket(t.id))!;
    expect(after.priority).toBe('urgent');
    expect(after.sla.aroundTheClock).toBe(true);
    // Counted from the arrival (Saturday 03:00:01 Central), round the clock.
    expect(after.sla.firstResponseDue).toBe(new Date(Date.parse(t.createdAt) + 30 * 60_000).toISOString());

    // Lowered again by the agent: back to business hours.
    await desk.deliver(eml({ from: 'alex@example.com', subject: `Re: [#${t.id}] URGENT`, body: '#priority high\n#internal\nNot that urgent.' }));
    const lowered = (await desk.tickets.getTicket(t.id))!;
    expect(lowered.sla.aroundTheClock).toBe(false);
    expect(lowered.sla.firstResponseDue).toBe('2027-01-11T15:00:00.000Z'); // 1bh from Monday 08:00 Central
  });
});
