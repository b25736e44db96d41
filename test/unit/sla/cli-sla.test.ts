import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Command, CommanderError } from 'commander';
import { registerSla } from '../../../cli/commands/sla';
import { UsageError } from '../../../cli/usage-error';

/** Runs `sesdesk sla ...` the way cli/main.ts wires commands (exitOverride, errors thrown). */
async function run(args: string[]): Promise<{ out: string; err: string; error: unknown }> {
  let out = '';
  let err = '';
  const program = new Command().name('sesdesk').exitOverride().configureOutput({ writeErr: (s) => (err += s), writeOut: (s) => (out += s) });
  registerSla(program);
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  let error: unknown = null;
  try {
    await program.parseAsync(['node', 'sesdesk', 'sla', ...args]);
  } catch (e) {
    error = e;
  } finally {
    spy.mockRestore();
  }
  return { out, err, error };
}

describe('sesdesk sla', () => {
  it('prints the cli.md JSON document with a preset', async () => {
    const r = await run(['--policy', 'facs', '--priority', 'high', '--received', '2026-11-20T17:00:00-08:00', '--json']);
    expect(r.error).toBeNull();
    expect(JSON.parse(r.out)).toEqual({
      priority: 'high',
      firstResponseDue: '2026-11-23T17:00:00.000Z',
      resolutionDue: '2026-11-25T01:00:00.000Z',
    });
  });

  it('reads a policy file', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sesdesk-cli-sla-'));
    try {
      const file = path.join(dir, 'p.json');
      fs.writeFileSync(file, JSON.stringify({ name: 'p', timezone: 'UTC', businessHours: {}, defaultPriority: 'a', priorities: { a: { firstResponse: '15m', resolution: '2d' } } }));
      const r = await run(['--policy', file, '--priority', 'a', '--received', '2026-11-20T17:00:00Z', '--json']);
      expect(JSON.parse(r.out)).toEqual({ priority: 'a', firstResponseDue: '2026-11-20T17:15:00.000Z', resolutionDue: '2026-11-22T17:00:00.000Z' });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('prints a human summary without --json', async () => {
    const r = await run(['--policy', 'platform', '--priority', 'critical', '--received', '2026-11-22T03:00:00+01:00']);
    expect(r.error).toBeNull();
    expect(r.out).toContain('first response due  2026-11-22T02:15:00.000Z  Sun 2026-11-22 03:15 +01:00  (15m)');
    expect(r.out).toContain('outside business hours');
    expect(r.out).toContain('update every        1h');
  });

  it.each([
    [['--policy', 'facs', '--priority', 'urgent', '--received', '2026-11-20T17:00:00Z'], '--priority "urgent" is not a priority of policy facs (critical, high, medium, low)'],
    [['--policy', 'facs', '--priority', 'high', '--received', 'yesterday'], '--received "yesterday" is not an ISO-8601 date-time'],
    [['--policy', 'facs', '--priority', 'high', '--received', '2026-11-20T17:00:00'], 'has no UTC offset'],
    [['--policy', 'nowhere.json', '--priority', 'high', '--received', '2026-11-20T17:00:00Z'], '--policy nowhere.json: no such file, and not a preset'],
  ])('refuses misuse with a UsageError (exit 2): %j', async (args, message) => {
    const r = await run(args);
    expect(r.error).toBeInstanceOf(UsageError);
    expect((r.error as Error).message).toContain(message);
    expect(r.out).toBe('');
  });

  it('names the bad field of an invalid policy file', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sesdesk-cli-sla-'));
    try {
      const file = path.join(dir, 'bad.json');
      fs.writeFileSync(file, JSON.stringify({ name: 'b', timezone: 'UTC', businessHours: {}, defaultPriority: 'a', priorities: { a: { firstResponse: '4x', resolution: '2d' } } }));
      const r = await run(['--policy', file, '--priority', 'a', '--received', '2026-11-20T17:00:00Z']);
      expect(r.error).toBeInstanceOf(UsageError);
      expect((r.error as Error).message).toContain('priorities.a.firstResponse: "4x" is not a duration');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('leaves a missing option to commander, which names it', async () => {
    const r = await run(['--policy', 'facs', '--received', '2026-11-20T17:00:00Z']);
    expect(r.error).toBeInstanceOf(CommanderError);
    expect(r.err).toContain("required option '--priority <p>' not specified");
  });
});
