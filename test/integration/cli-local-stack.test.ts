import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * The README's promise, through the real CLI: `sesdesk start` in the foreground, `send` a file,
 * then `tickets --json`, `show --json` and `outbox --json` see the ticket and its ack; Ctrl-C stops
 * everything and a restart on the same data dir still has the ticket.
 */
// Two stack starts (a JVM each) and a dozen CLI processes: far over the 5-minute default on a busy machine.
jest.setTimeout(600_000);

const repo = resolve(__dirname, '../..');
const cli = join(repo, 'bin/sesdesk.js');
const dataDir = mkdtempSync(join(tmpdir(), 'sesdesk-cli-'));

function run(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const out = spawnSync(process.execPath, [cli, ...args, '--data-dir', dataDir], { cwd: repo, encoding: 'utf8', timeout: 180_000 });
  return { code: out.status, stdout: out.stdout, stderr: out.stderr };
}

async function start(): Promise<{ child: ChildProcess; output: () => string }> {
  const child = spawn(process.execPath, [cli, 'start', '--data-dir', dataDir, '--smtp-port', '0'], {
    cwd: repo,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => (output += String(d)));
  child.stderr.on('data', (d) => (output += String(d)));
  // A ceiling for a start that never comes up (a JVM start on a busy machine takes a while).
  const deadline = Date.now() + 300_000;
  while (!output.includes('Ctrl-C to stop')) {
    if (child.exitCode !== null) throw new Error(`sesdesk start exited ${child.exitCode}:\n${output}`);
    if (Date.now() > deadline) throw new Error(`sesdesk start did not come up:\n${output}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return { child, output: () => output };
}

async function stop(child: ChildProcess): Promise<number | null> {
  child.kill('SIGINT');
  return new Promise((r) => child.once('exit', (code) => r(code)));
}

afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

it('start, send, tickets, show, outbox; Ctrl-C stops; data survives a restart', async () => {
  const first = await start();
  try {
    expect(first.output()).toMatch(/SMTP inbound \(plays SES\):\s+127\.0\.0\.1:\d+/);
    expect(first.output()).toMatch(/SES mail viewer:\s+http:\/\//);

    const sent = run(['send', join(repo, 'examples/first.eml')]);
    expect(sent.stderr).toBe('');
    expect(sent.code).toBe(0);
    const id = /created (LOCAL-\d+)/.exec(sent.stdout)?.[1];
    expect(id).toBeDefined();

    const tickets = JSON.parse(run(['tickets', '--json']).stdout) as Array<{ id: string; status: string; requester: { address: string } }>;
    expect(tickets.map((t) => t.id)).toContain(id);
    expect(tickets.find((t) => t.id === id)).toMatchObject({ status: 'open', requester: { address: 'ana@customer.example' } });

    const shown = JSON.parse(run(['show', id!, '--json']).stdout) as { id: string; messages: Array<{ direction: string; kind: string }>; sla: { firstResponseDue: string } };
    expect(shown.id).toBe(id);
    expect(shown.messages.map((m) => `${m.direction}:${m.kind}`)).toEqual(['inbound:customer', 'outbound:ack']);
    expect(Date.parse(shown.sla.firstResponseDue)).not.toBeNaN();

    const outbox = JSON.parse(run(['outbox', '--json']).stdout) as Array<{ subject: string; to: string[]; headers: Record<string, string> }>;
    const ack = outbox.find((m) => m.subject.startsWith(`[#${id}]`));
    expect(ack).toBeDefined();
    expect(ack!.to.join(',')).toContain('ana@customer.example');
    expect(ack!.headers['In-Reply-To']).toBe('<first-mail-0001@customer.example>');
  } finally {
    expect(await stop(first.child)).toBe(0);
  }
  expect(existsSync(join(dataDir, 'stack.json'))).toBe(false);

  const second = await start();
  try {
    const tickets = JSON.parse(run(['tickets', '--json']).stdout) as Array<{ id: string }>;
    expect(tickets).toHaveLength(1);
    const again = run(['send', join(repo, 'examples/first.eml')]);
    expect(again.stdout).toMatch(/duplicate/);
  } finally {
    await stop(second.child);
  }
});

it('misuse prints usage and exits 2; no running stack is a runtime failure (1)', () => {
  const noStack = run(['tickets']);
  expect(noStack.code).toBe(1);
  expect(noStack.stderr).toMatch(/no local stack/);
  const bad = spawnSync(process.execPath, [cli, 'tickets', '--status', 'bogus', '--data-dir', dataDir], { encoding: 'utf8' });
  expect(bad.status).toBe(2);
  expect(bad.stderr).toMatch(/--status/);
  const unknown = spawnSync(process.execPath, [cli, 'frobnicate'], { encoding: 'utf8' });
  expect(unknown.status).toBe(2);
});
