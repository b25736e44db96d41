import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseClockDuration } from '../../../cli/commands/clock';
import { main } from '../../../cli/main';
import { observability } from '../../../lambdas/handlers/observability';
import { makeTimerHandler } from '../../../lambdas/handlers/timer-handler';
import { localContext } from '../../../local/run-stack';
import { openTicket, pendingPayload, world } from './fixtures';

describe('clock durations', () => {
  it.each([
    ['15m', 15 * 60_000],
    ['4h', 4 * 3_600_000],
    ['2d', 2 * 86_400_000],
    ['1h30m', 90 * 60_000],
    ['90s', 90_000],
  ])('%s = %p ms', (text, ms) => {
    expect(parseClockDuration(text)).toBe(ms);
  });

  it.each(['', '4', 'h', '-1h', '1.5h', '0m', '4 hours', '4w'])('%j is misuse', (text) => {
    expect(() => parseClockDuration(text)).toThrow(/duration/);
  });
});

describe('sesdesk clock', () => {
  let out = '';
  let err = '';
  beforeEach(() => {
    out = '';
    err = '';
    jest.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
    jest.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
  });
  afterEach(() => jest.restoreAllMocks());
  const run = (...args: string[]) => main(['node', 'sesdesk', ...args]);

  it('advance adds to the offset in <data-dir>/clock.json; show reads it; reset clears it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sesdesk-clock-'));
    expect(await run('clock', 'advance', '4h', '--data-dir', dir)).toBe(0);
    expect(await run('clock', 'advance', '15m', '--data-dir', dir)).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'clock.json'), 'utf8'))).toEqual({ offsetMs: 4 * 3_600_000 + 15 * 60_000 });
    out = '';
    const before = Date.now();
    expect(await run('clock', 'show', '--json', '--data-dir', dir)).toBe(0);
    const after = Date.now();
    const shown = JSON.parse(out) as { offsetMs: number; now: string };
    expect(shown.offsetMs).toBe(15_300_000);
    // Real time plus the offset, read while the command ran (however long that took).
    expect(Date.parse(shown.now)).toBeGreaterThanOrEqual(before + 15_300_000);
    expect(Date.parse(shown.now)).toBeLessThanOrEqual(after + 15_300_000);
    expect(await run('clock', 'reset', '--data-dir', dir)).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'clock.json'), 'utf8'))).toEqual({ offsetMs: 0 });
  });

  it.each([
    [['clock']],
    [['clock', 'fly']],
    [['clock', 'advance']],
    [['clock', 'advance', 'soon']],
  ])('%j exits 2', async (args) => {
    expect(await run(...args)).toBe(2);
    expect(err).not.toBe('');
  });

  it('report --since that is not a date exits 2', async () => {
    expect(await run('report', '--since', 'yesterday', '--data-dir', mkdtempSync(join(tmpdir(), 'sesdesk-r-')))).toBe(2);
    expect(err).toMatch(/--since/);
  });
});

describe('timer handler chain', () => {
  const obs = observability('test');
  // What the function prints for CloudWatch: Powertools' JSON log lines and EMF metric documents.
  let lines: Array<Record<string, unknown>>;
  beforeEach(() => {
    lines = [];
    jest.spyOn(process.stdout, 'write').mockImplementation((s) => {
      for (const line of String(s).split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      return true;
    });
  });
  afterEach(() => jest.restoreAllMocks());
  const metrics = () => lines.filter((l) => '_aws' in l);

  it('rejects a payload that is not a timer, naming the field, and counts the rejection', async () => {
    const w = world('2026-11-18T10:00:00Z');
    const handler = makeTimerHandler(async () => w, obs);
    await expect(handler({ timer: 'x', ticketId: 'TT-1', kind: 'breach', target: 'firstResponse', due: 'soon', version: 1 }, localContext('t'))).rejects.toThrow(/due/);
    await expect(handler('hello', localContext('t'))).rejects.toThrow(/not a sesdesk timer payload/);
    // One metric per failed invocation: Powertools would otherwise warn that it had none to publish.
    expect(metrics().map((m) => m.Timer_rejected)).toEqual([1, 1]);
  });

  it('runs the use case and counts the breach metric', async () => {
    const w = world('2026-11-18T10:00:00Z');
    const handler = makeTimerHandler(async () => w, obs);
    const spy = jest.spyOn(obs.metrics, 'addMetric');
    const t = await openTicket(w);
    w.clock.set('2026-11-18T10:12:00Z');
    await handler(await pendingPayload(w, t.id), localContext('t'));
    w.clock.set('2026-11-18T10:15:00Z');
    const result = await handler(await pendingPayload(w, t.id), localContext('t'));
    expect(result).toMatchObject({ outcome: 'acted', action: 'breach' });
    expect(spy.mock.calls.filter(([name]) => name === 'SlaBreaches')).toHaveLength(1);
    expect(metrics().at(-1)).toMatchObject({ Timer_acted: 1, SlaBreaches: 1, ticketId: t.id, breachTarget: 'firstResponse' });
    expect(lines.filter((l) => l.message === 'timer')).toHaveLength(2);
  });
});
