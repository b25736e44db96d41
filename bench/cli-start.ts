import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..');

export interface CliStart {
  /** Median wall time of `node -e 0`, ms. */
  emptyMs: number;
  helpMs: number;
  ticketsMs: number;
  /** Median of each round's `sesdesk --help` / `node -e 0`. */
  helpRatio: number;
  /** Median of each round's `sesdesk tickets` (on the local stack) / `node -e 0`. */
  ticketsRatio: number;
  /** Tickets the listing printed (so a figure is known to come from a real listing). */
  tickets: number;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * CLI start (issue 17): wall time of a fresh `sesdesk --help` and of `sesdesk tickets` on a
 * running local stack, each over an empty `node -e 0` started just before it (rounds of the
 * three, interleaved; the ratio is the median of the rounds' own ratios, which cancels the
 * machine's drift). Every process gets a bare environment (PATH and HOME): no NODE_OPTIONS and
 * no NODE_EXTRA_CA_CERTS, which alone adds ~40 ms to each start here. The SDK's notice about
 * Node 22 is switched off so a run on Node 20 times what a supported Node runs.
 * `bin` is the CLI entry (default: this repository's bin/sesdesk.js, run as a user runs it).
 */
export function measureCliStart(opts: { dataDir: string; rounds: number; node?: string; bin?: string }): CliStart {
  const node = opts.node ?? process.execPath;
  const bin = opts.bin ?? join(ROOT, 'bin', 'sesdesk.js');
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
  const time = (args: string[]): { ms: number; stdout: string } => {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(node, args, { env, encoding: 'utf8', cwd: ROOT });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}: ${(r.stderr || r.stdout).split('\n').slice(0, 3).join(' ')}`);
    return { ms, stdout: r.stdout };
  };
  const help = [bin, '--help'];
  const tickets = [bin, 'tickets', '--data-dir', opts.dataDir];
  // One unmeasured round: a first run may build dist/cli/ or fill the file cache.
  time(['-e', '0']);
  time(help);
  const listed = time(tickets).stdout;
  const empty: number[] = [];
  const helpMs: number[] = [];
  const ticketsMs: number[] = [];
  const helpRatio: number[] = [];
  const ticketsRatio: number[] = [];
  for (let i = 0; i < opts.rounds; i += 1) {
    const e1 = time(['-e', '0']).ms;
    const h = time(help).ms;
    const e2 = time(['-e', '0']).ms;
    const t = time(tickets).ms;
    empty.push(e1, e2);
    helpMs.push(h);
    ticketsMs.push(t);
    helpRatio.push(h / e1);
    ticketsRatio.push(t / e2);
  }
  return {
    emptyMs: median(empty),
    helpMs: median(helpMs),
    ticketsMs: median(ticketsMs),
    helpRatio: median(helpRatio),
    ticketsRatio: median(ticketsRatio),
    tickets: listed.split('\n').filter((l) => /^[A-Z][A-Z0-9]{1,7}-\d+\s/.test(l)).length,
  };
}
