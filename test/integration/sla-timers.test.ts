import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { sendFiles } from '../../cli/commands/send';
import { main } from '../../cli/main';
import { FixedClock } from '../../lambdas/domain/clock';
import type { Ticket } from '../../lambdas/domain/ticket';
import { defaultLocalConfig, runLocalStack, type RunningLocalStack } from '../../local/run-stack';
import { localStack, sesStore, uniqueName, type SesStoredEmail } from './local-stack';

/**
 * SLA timers on the local stack: real SMTP in, DynamoDB Local timers, the sla-breach and
 * follow-up handler chains fired by the local timer runner, mail in the local SES store. The
 * clock is a FixedClock the test moves, and `runner.tick()` replaces waiting.
 */

const tag = randomBytes(4).toString('hex');
const dir = mkdtempSync(join(tmpdir(), 'sesdesk-timers-'));
const dataDir = join(dir, 'data');
// Wednesday 2026-11-18 10:00 UTC = 11:00 Berlin: inside the platform desk's business hours.
const clock = new FixedClock('2026-11-18T10:00:00.000Z');
const tier = (n: number) => `tier${n}-${tag}@example.com`;
const customer = `cust-${tag}@customer.example`;
const MIN = 60_000;
let stack: RunningLocalStack;
let fileNo = 0;

async function send(lines: string[]): Promise<string> {
  fileNo += 1;
  const file = join(dir, `m${fileNo}.eml`);
  writeFileSync(file, `${[...lines, ''].join('\r\n')}\r\n`);
  const [outcome] = await sendFiles([file], { host: stack.info.smtp.host, port: stack.info.smtp.port, to: 'support@example.com' });
  expect(outcome.accepted).toBe(true);
  return outcome.response;
}

async function customerMail(subject: string, body: string): Promise<string> {
  const response = await send([
    `From: Cora <${customer}>`,
    'To: support@example.com',
    `Subject: ${subject}`,
    `Message-ID: <c${fileNo}-${tag}@customer.example>`,
    'Content-Type: text/plain; charset=utf-8',
    '',
    body,
  ]);
  const match = /created (LOCAL-\d+)/.exec(response);
  if (!match) throw new Error(`no ticket created: ${response}`);
  return match[1];
}

async function agentMail(id: string, body: string[]): Promise<string> {
  return send([
    'From: Sam <someone@example.com>',
    'To: support@example.com',
    `Subject: Re: [#${id}] reply`,
    `Message-ID: <a${fileNo}-${tag}@example.com>`,
    'Content-Type: text/plain; charset=utf-8',
    '',
    ...body,
  ]);
}

async function ticket(id: string): Promise<Ticket> {
  return (await stack.deps.tickets.getTicket(id))!;
}

async function mailTo(address: string, id?: string): Promise<SesStoredEmail[]> {
  const store = await sesStore();
  return store.emails.filter((e) => e.destination.to.some((t) => t.includes(address)) && (!id || e.subject.includes(`[#${id}]`)));
}

/** Moves the local clock and lets the runner fire what fell due. */
async function advance(ms: number): Promise<void> {
  clock.advance(ms);
  await stack.runner.tick();
}

async function advanceTo(at: string | Date): Promise<void> {
  clock.set(at);
  await stack.runner.tick();
}

beforeAll(async () => {
  const ls = localStack();
  stack = await runLocalStack({
    existing: { dynamodb: ls.dynamodb.endpoint, s3: ls.s3.endpoint, ses: ls.ses.endpoint, viewerUrl: ls.ses.viewerUrl },
    dataDir,
    tableName: uniqueName('timers'),
    bucket: uniqueName('timers-raw'),
    smtpPort: 0,
    config: { ...defaultLocalConfig('platform'), escalation: { tier1: tier(1), tier2: tier(2), tier3: tier(3) } },
    clock,
    // Only the test's ticks fire timers.
    timerIntervalMs: 3_600_000,
    logger: { info: () => undefined, error: (...args: unknown[]) => console.error(...args) },
  });
});

afterAll(async () => {
  await stack?.stop();
});

describe('a critical ticket under the platform preset', () => {
  let id: string;
  const t0 = clock.now().getTime();

  it('is critical with a 15-minute first response and its warning timer armed in DynamoDB Local', async () => {
    id = await customerMail(`URGENT: the dashboard is down ${tag}`, 'Nothing loads since 10:55.');
    const t = await ticket(id);
    expect(t.priority).toBe('critical');
    expect(t.sla.firstResponseDue).toBe(new Date(t0 + 15 * MIN).toISOString());
    expect(t.timer).toMatchObject({ kind: 'warning', at: new Date(t0 + 12 * MIN).toISOString() });
    expect((await stack.timers.pending()).map((p) => p.name)).toContain(t.timer!.name);
  });

  it('warns at 12 minutes, breaches at 15, escalates to tier 2 with a mail, once', async () => {
    await advance(11 * MIN);
    expect(await mailTo(tier(1), id)).toHaveLength(0);
    await advance(1 * MIN);
    const warnings = await mailTo(tier(1), id);
    expect(warnings.map((m) => m.subject)).toEqual([`[#${id}] SLA warning: first response breach in 3 minutes`]);
    await advance(3 * MIN);
    const t = await ticket(id);
    expect(t.tier).toBe(2);
    expect(t.sla.breaches).toEqual([
      { target: 'firstResponse', due: new Date(t0 + 15 * MIN).toISOString(), at: new Date(t0 + 15 * MIN).toISOString(), tier: 2 },
    ]);
    const escalations = await mailTo(tier(2), id);
    expect(escalations).toHaveLength(1);
    expect(escalations[0].from).toContain('support@example.com');
    expect(escalations[0].subject).toBe(`[#${id}] SLA breach: first response missed, escalated to tier 2`);
    expect(escalations[0].body.text).toContain(`URGENT: the dashboard is down ${tag}`);
    // Ticking again at the same instant (a duplicate pass) changes nothing.
    await stack.runner.tick();
    expect(await mailTo(tier(2), id)).toHaveLength(1);
    const notes = (await stack.deps.tickets.listMessages(id)).filter((m) => m.kind === 'notification' && m.direction === 'outbound');
    expect(notes.map((m) => m.meta?.action)).toEqual(['warning', 'breach']);
  });

  it('gets the hourly update reminder at 60 minutes (to the tier-2 address: no assignee)', async () => {
    await advanceTo(new Date(t0 + 60 * MIN));
    const reminders = (await mailTo(tier(2), id)).filter((m) => m.subject.includes('Update due'));
    expect(reminders).toHaveLength(1);
    expect((await ticket(id)).sla.nextUpdateDue).toBe(new Date(t0 + 120 * MIN).toISOString());
  });
});

describe('an agent reply', () => {
  it('stops the first-response clock: no breach at 15 minutes', async () => {
    const t0 = clock.now().getTime();
    const id = await customerMail(`urgent: ingestion down ${tag}`, 'Jobs fail.');
    expect((await ticket(id)).timer?.kind).toBe('warning');
    await advance(5 * MIN);
    const response = await agentMail(id, ['We are looking into it.']);
    expect(response).toMatch(/appended/);
    const t = await ticket(id);
    expect(t.sla.firstRespondedAt).toBe(new Date(t0 + 5 * MIN).toISOString());
    expect(t.timer).toMatchObject({ kind: 'update', at: new Date(t0 + 65 * MIN).toISOString() });
    await advance(10 * MIN);
    await advance(1 * MIN);
    const after = await ticket(id);
    expect(after.sla.breaches).toEqual([]);
    expect(after.tier).toBe(1);
    expect(await mailTo(tier(2), id)).toHaveLength(0);
  });
});

describe('a ticket waiting on the customer', () => {
  it('pauses its resolution clock, reminds the customer twice, auto-resolves, then closes asking for feedback', async () => {
    const id = await customerMail(`Question about CSV exports ${tag}`, 'Which columns are included?');
    const opened = await ticket(id);
    expect(opened.priority).toBe('medium');
    await advance(10 * MIN);
    expect(await agentMail(id, ['#status needs_clarification', '', 'Which export do you mean?'])).toMatch(/appended/);
    const waiting = await ticket(id);
    expect(waiting.status).toBe('needs_clarification');
    expect(waiting.sla.pausedAt).toBe(clock.now().toISOString());
    expect(waiting.timer?.kind).toBe('reminder');
    const resolutionDue = waiting.sla.resolutionDue!;
    // Past the resolution due time: paused, so no warning and no breach.
    await advanceTo(new Date(Date.parse(resolutionDue) + 30 * MIN));
    expect((await ticket(id)).sla.breaches).toEqual([]);

    const customerMails = async () => (await mailTo(customer, id)).filter((m) => !m.subject.includes('SLA'));
    const before = (await customerMails()).length;
    await advanceTo((await ticket(id)).timer!.at);
    expect((await ticket(id)).remindersSent).toBe(1);
    await advanceTo((await ticket(id)).timer!.at);
    expect((await ticket(id)).timer?.kind).toBe('auto-resolve');
    await advanceTo((await ticket(id)).timer!.at);
    const resolved = await ticket(id);
    expect(resolved.status).toBe('resolved');
    expect(resolved.sla.breaches).toEqual([]);
    const sent = (await customerMails()).slice(before);
    expect(sent.map((m) => m.body.text ?? '')).toEqual([
      expect.stringContaining('reminder 1 of 2'),
      expect.stringContaining('reminder 2 of 2'),
      expect.stringContaining('so we have marked ticket'),
    ]);
    expect(resolved.timer?.kind).toBe('auto-close');
    await advance(3 * 24 * 60 * MIN);
    const closed = await ticket(id);
    expect(closed.status).toBe('closed');
    expect(closed.timer).toBeNull();
    const last = (await customerMails()).at(-1)!;
    expect(last.body.text).toContain('single digit from 1 (poor) to 5 (excellent)');
  });
});

describe('sesdesk report on the same stack', () => {
  it('counts tickets, attainment and breaches per priority', async () => {
    let out = '';
    const write = jest.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
    try {
      expect(await main(['node', 'sesdesk', 'report', '--json', '--data-dir', dataDir])).toBe(0);
    } finally {
      write.mockRestore();
    }
    const report = JSON.parse(out) as { priorities: Array<{ priority: string; tickets: number; breaches: number; firstResponse: { met: number; missed: number } }> };
    const critical = report.priorities.find((p) => p.priority === 'critical')!;
    expect(critical.tickets).toBe(2);
    expect(critical.firstResponse).toMatchObject({ met: 1, missed: 1 });
    expect(critical.breaches).toBeGreaterThanOrEqual(1);
    expect(report.priorities.find((p) => p.priority === 'medium')).toMatchObject({ tickets: 1, firstResponse: { met: 1, missed: 0 } });
  });
});
