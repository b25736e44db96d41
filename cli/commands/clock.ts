import type { Command } from 'commander';
import { readClockOffset, writeClockOffset } from '../../local/local-clock';
import { DEFAULT_DATA_DIR } from '../../local/stack-info';
import { UsageError, printJson } from '../usage-error';

const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * A clock step: one or more `<n><unit>` parts, unit s, m, h or d (`15m`, `4h`, `2d`, `1h30m`).
 * {@link UsageError} for anything else, including zero.
 */
export function parseClockDuration(text: string): number {
  const trimmed = text.trim().toLowerCase();
  if (!/^(\d+[smhd])+$/.test(trimmed)) {
    throw new UsageError(`duration ${JSON.stringify(text)}: use a number and a unit s, m, h or d, e.g. 15m, 4h, 2d, 1h30m`);
  }
  let ms = 0;
  for (const [, n, unit] of trimmed.matchAll(/(\d+)([smhd])/g)) ms += Number(n) * UNIT_MS[unit];
  if (ms <= 0) throw new UsageError(`duration ${JSON.stringify(text)}: must be more than zero`);
  return ms;
}

/** `1d 2h 30m` for an offset in ms (negative offsets keep their sign). */
export function formatOffset(ms: number): string {
  if (ms === 0) return '0';
  const sign = ms < 0 ? '-' : '+';
  let rest = Math.abs(ms);
  const parts: string[] = [];
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1_000]] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) parts.push(`${n}${unit}`);
    rest -= n * size;
  }
  if (rest > 0 || parts.length === 0) parts.push(`${rest}ms`);
  return `${sign}${parts.join(' ')}`;
}

function report(dataDir: string, json: boolean | undefined): void {
  const offsetMs = readClockOffset(dataDir);
  const now = new Date(Date.now() + offsetMs).toISOString();
  if (json) {
    printJson({ offsetMs, now });
    return;
  }
  process.stdout.write(`local clock ${now} (offset ${formatOffset(offsetMs)})\n`);
}

/**
 * `sesdesk clock advance|show|reset`: moves the local stack's clock (`<data-dir>/clock.json`)
 * for demos and tests; a running `sesdesk start` fires whatever timers fall due.
 */
export function registerClock(program: Command): void {
  const clock = program
    .command('clock')
    .description('move the local stack clock: advance <duration>, show, reset')
    .argument('[subcommand]')
    .action((sub?: string) => {
      throw new UsageError(
        sub ? `clock: unknown subcommand "${sub}" (advance <duration>, show, reset)` : 'clock needs a subcommand: advance <duration>, show, reset',
      );
    });
  clock
    .command('advance')
    .description('move the local clock forward, e.g. 15m, 4h, 2d')
    .argument('<duration>', 'how far: <n>s|m|h|d, parts may combine (1h30m)')
    .option('--data-dir <dir>', 'data directory of the local stack', DEFAULT_DATA_DIR)
    .option('--json', 'print { offsetMs, now }')
    .action((duration: string, opts: { dataDir: string; json?: boolean }) => {
      const step = parseClockDuration(duration);
      writeClockOffset(opts.dataDir, readClockOffset(opts.dataDir) + step);
      report(opts.dataDir, opts.json);
    });
  clock
    .command('show')
    .description('print the local clock and its offset from real time')
    .option('--data-dir <dir>', 'data directory of the local stack', DEFAULT_DATA_DIR)
    .option('--json', 'print { offsetMs, now }')
    .action((opts: { dataDir: string; json?: boolean }) => report(opts.dataDir, opts.json));
  clock
    .command('reset')
    .description('put the local clock back to real time')
    .option('--data-dir <dir>', 'data directory of the local stack', DEFAULT_DATA_DIR)
    .option('--json', 'print { offsetMs, now }')
    .action((opts: { dataDir: string; json?: boolean }) => {
      writeClockOffset(opts.dataDir, 0);
      report(opts.dataDir, opts.json);
    });
  for (const sub of clock.commands) sub.exitOverride();
}
