import type { Command } from 'commander';
import { TICKET_STATUSES, type TicketStatus } from '../../lambdas/domain/ticket';
import { regionOptions, type RegionOptions } from '../deploy-target';
import { byUrgency, deskTime, table, truncate, urgentDue } from '../format';
import { ticketDocument } from '../ticket-document';
import { openTicketSource } from '../ticket-source';
import { UsageError, printJson } from '../usage-error';
import { DEFAULT_DATA_DIR } from '../../local/stack-info';

export function registerTickets(program: Command): void {
  const command = program
    .command('tickets')
    .description('list tickets, most urgent SLA first')
    .option('--status <status>', `only tickets in this status (${TICKET_STATUSES.join(', ')})`)
    .option('--data-dir <dir>', 'data directory of the local stack', DEFAULT_DATA_DIR);
  regionOptions(command, 'list the tickets of a deployed region instead of the local stack')
    .option('--json', 'print JSON: the ticket documents of `show --json`, without messages')
    .action(async (opts: RegionOptions & { status?: string; dataDir: string; json?: boolean }) => {
      if (opts.status && !TICKET_STATUSES.includes(opts.status as TicketStatus)) {
        throw new UsageError(`--status: "${opts.status}" is not a status (${TICKET_STATUSES.join(', ')})`);
      }
      const source = await openTicketSource(opts);
      const tickets = (await source.tickets.listTickets({ status: opts.status as TicketStatus | undefined })).sort(byUrgency);
      if (opts.json) {
        printJson(tickets.map(ticketDocument));
        return;
      }
      if (tickets.length === 0) {
        process.stdout.write('no tickets\n');
        return;
      }
      process.stdout.write(
        `${table(
          ['ID', 'STATUS', 'PRIORITY', `DUE (${source.timeZone ?? 'UTC'})`, 'REQUESTER', 'SUBJECT'],
          tickets.map((t) => [t.id, t.status, t.priority, deskTime(urgentDue(t), source.timeZone), t.requester.address, truncate(t.subject, 60)]),
        )}\n`,
      );
    });
}
