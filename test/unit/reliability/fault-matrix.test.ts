import { failOnce, recordCalls, siteName, type CallSite, type FaultMode } from '../../support/faults';
import { deliverUntilDone, guardSends, invariants, invoke, makeDesk, outcome, ports, scenarios, type Scenario } from './world';

/**
 * Issue 7, reliability 1: every external call the ingest and timer paths make fails once, and
 * the event is redelivered as Lambda/SES would. The call sites are not listed by hand: a clean
 * run records them, so a call added to a path is covered without touching this file.
 *
 * After the retries the world must be the clean run's: one ticket, the same mail once, one
 * pending schedule per ticket (the one it names), nothing left in an outbox, no message lost,
 * every ledger record done, and one more redelivery changes nothing.
 */

interface Baseline {
  sites: CallSite[];
  expected: Awaited<ReturnType<typeof outcome>>;
}

async function baseline(scenario: Scenario): Promise<Baseline> {
  const desk = makeDesk();
  const delivery = await scenario.setup(desk);
  const before = desk.mailer.sent.length;
  const guard = guardSends(desk);
  const recorder = recordCalls(ports(desk));
  try {
    await invoke(desk, delivery);
  } finally {
    recorder.stop();
    guard.stop();
  }
  expect(guard.violations).toEqual([]);
  expect(await invariants(desk)).toEqual([]);
  return { sites: recorder.calls, expected: await outcome(desk, before) };
}

/** Runs the scenario with `site` failing once; returns what differs from the clean run. */
async function faulted(scenario: Scenario, site: CallSite, mode: FaultMode, base: Baseline): Promise<string[]> {
  const desk = makeDesk();
  const delivery = await scenario.setup(desk);
  const before = desk.mailer.sent.length;
  const guard = guardSends(desk);
  const target = ports(desk)[site.port] as Record<string, unknown>;
  const fault = failOnce(target, site.method as never, site.nth, mode);
  const problems: string[] = [];
  try {
    await deliverUntilDone(desk, delivery);
  } catch (error) {
    problems.push(`not finished after retries: ${(error as Error).message}`);
  } finally {
    fault.restore();
    guard.stop();
  }
  problems.push(...guard.violations);
  if (!fault.fired) problems.push('the fault never fired: the call sequence changed');
  const expected = structuredClone(base.expected);
  // SES has no idempotency key: when a send went out but its answer was lost, the retry sends
  // the same mail again. At least once is the honest guarantee there; everything else holds.
  if (site.port === 'mailer' && mode === 'after') {
    const dup = desk.mailer.sent[before + site.nth - 1];
    expected.mails = [...expected.mails, `${dup.subject} -> ${dup.to.map((a) => a.address).join(',')}`].sort();
  }
  const got = await outcome(desk, before);
  if (JSON.stringify(got) !== JSON.stringify(expected)) {
    problems.push(`outcome differs:\n  got      ${JSON.stringify(got)}\n  expected ${JSON.stringify(expected)}`);
  }
  problems.push(...(await invariants(desk)));
  // One more redelivery (SES or Scheduler fire at least once) changes nothing.
  const mails = desk.mailer.sent.length;
  desk.clock.advance(60_000);
  const again = await invoke(desk, delivery);
  if ('outcome' in again && again.outcome !== 'duplicate' && again.outcome !== 'skipped') problems.push(`redelivery after success: ${again.outcome}`);
  if (desk.mailer.sent.length !== mails) problems.push('redelivery after success sent mail');
  return problems.map((p) => `${siteName(site)} (${mode}): ${p}`);
}

describe.each(scenarios.map((s) => [s.name, s] as const))('%s', (_name, scenario) => {
  let base: Baseline;
  beforeAll(async () => {
    base = await baseline(scenario);
  });

  it('makes the external calls the matrix fails (S3, DynamoDB, Scheduler, SES)', () => {
    const ports = new Set(base.sites.map((s) => s.port));
    expect(ports.has('tickets')).toBe(true);
    expect(ports.has('mailer')).toBe(true);
    expect(ports.has('timers')).toBe(true);
    expect(base.expected.mails.length).toBeGreaterThan(0);
  });

  it.each<[FaultMode]>([['before'], ['after']])('each call site failing once (%s the call) is finished by the redelivery', async (mode) => {
    const problems: string[] = [];
    for (const site of base.sites) problems.push(...(await faulted(scenario, site, mode, base)));
    expect(problems).toEqual([]);
  });
});
