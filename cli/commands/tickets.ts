import type { Command } from 'commander';
import { TICKET_STATUSES, type TicketStatus } from '../../lambdas/domain/ticket';
import { byUrgency, table, truncate, urgentDue } from '../format';
import { openTicketSource } from '../ticket-source';
import { UsageError, printJson } from '../usage-error';
import { DEFAULT_DATA_DIR } from '../../local/stack-info';

export function registerTickets(program: Command): void {
  program
    .command('tickets')
    .description('list tickets, most urgent SLA first')
    .option('--status <status>', `only tickets in this status (${TICKET_STATUSES.join(', ')})`)
    .option('--data-dir <dir>', 'data directory of the local stack', DEFAULT_DATA_DIR)
    .option('--region <region>', 'read a deployed region (its stack outputs name the table)')
    .option('--json', 'print JSON')
    .action(async (opts: { status?: string; dataDir: string; region?: string; json?: boolean }) => {
      if (opts.status && !TICKET_STATUSES.includes(opts.status as TicketStatus)) {
        throw new UsageError(`--status: "${opts.status}" is not a status (${TICKET_STATUSES.join(', ')})`);
      }
      const source = await openTicketSource(opts);
      const tickets = (await source.tickets.listTickets({ status: opts.status as TicketStatus | undefined })).sort(byUrgency);
      if (opts.json) {
        printJson(tickets);
        return;
      }
      if (tickets.length === 0) {
        process.stdout.write('no tickets\n');
        return;
      }
      process.stdout.write(
        `${table(
          ['ID', 'STATUS', 'PRIORITY', 'DUE', 'REQUESTER', 'SUBJECT'],
          tickets.map((t) => [t.id, t.status, t.priority, urgentDue(t) ?? '-', t.requester.address, truncate(t.subject, 60)]),
        )}\n`,
      );
    });
}
