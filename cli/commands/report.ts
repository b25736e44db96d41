import type { Command } from 'commander';
import { DateTime } from 'luxon';
import { USUAL_PRIORITY_ORDER, formatDurationMs, slaReport, type AttainmentRow, type PriorityReportRow } from '../../lambdas/domain/sla/report';
import { readClockOffset } from '../../local/local-clock';
import { DEFAULT_DATA_DIR } from '../../local/stack-info';
import { table } from '../format';
import { localTicketSource } from '../ticket-source';
import { UsageError, printJson } from '../usage-error';

/** Parses `--since` (or `--until`): an ISO-8601 date or date-time (a bare date is midnight UTC). */
export function parseSince(text: string, option = '--since'): Date {
  const dt = DateTime.fromISO(text, { zone: 'utc', setZone: true });
  if (!dt.isValid) throw new UsageError(`${option} ${JSON.stringify(text)} is not an ISO-8601 date or date-time (e.g. 2026-11-01 or 2026-11-01T00:00:00Z)`);
  return dt.toJSDate();
}

const pct = (a: AttainmentRow): string => (a.attainment === null ? '-' : `${a.attainment}% (${a.met}/${a.measured})`);

function line(r: PriorityReportRow): string[] {
  return [
    r.priority,
    String(r.tickets),
    pct(r.firstResponse),
    pct(r.resolution),
    String(r.breaches),
    formatDurationMs(r.medianFirstResponseMs),
    formatDurationMs(r.medianResolutionMs),
  ];
}

/** `sesdesk report`: SLA attainment per priority over the local stack's tickets. */
export function registerReport(program: Command): void {
  program
    .command('report')
    .description('SLA attainment per priority: tickets, first response and resolution met, breaches, median times')
    .option('--since <iso>', 'only tickets opened at or after this instant')
    .option('--until <iso>', 'only tickets opened before this instant')
    .option('--data-dir <dir>', 'data directory of the local stack', DEFAULT_DATA_DIR)
    .option('--json', 'print JSON')
    .action(async (opts: { since?: string; until?: string; dataDir: string; json?: boolean }) => {
      const since = opts.since !== undefined ? parseSince(opts.since) : null;
      const until = opts.until !== undefined ? parseSince(opts.until, '--until') : null;
      const source = localTicketSource(opts.dataDir);
      const tickets = await source.tickets.listTickets();
      // Judge open tickets by the local stack's clock, which `sesdesk clock` may have moved.
      const now = new Date(Date.now() + readClockOffset(opts.dataDir));
      const report = slaReport(tickets, { now, since, until, order: USUAL_PRIORITY_ORDER });
      if (opts.json) {
        printJson(report);
        return;
      }
      const head = ['PRIORITY', 'TICKETS', 'FIRST RESPONSE MET', 'RESOLUTION MET', 'BREACHES', 'MEDIAN FIRST RESPONSE', 'MEDIAN RESOLUTION'];
      const rows = report.priorities.map(line);
      if (rows.length > 0) rows.push(line(report.total));
      process.stdout.write(`${rows.length === 0 ? 'no tickets' : table(head, rows)}\n`);
    });
}
