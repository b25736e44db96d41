import type { Command } from 'commander';
import { regionOptions, type RegionOptions } from '../deploy-target';
import { deskTime } from '../format';
import { showDocument } from '../ticket-document';
import { openTicketSource } from '../ticket-source';
import { UsageError, printJson } from '../usage-error';
import { DEFAULT_DATA_DIR } from '../../local/stack-info';

export { showDocument } from '../ticket-document';

export function registerShow(program: Command): void {
  const command = program
    .command('show')
    .description('one ticket with its messages, timeline and SLA state')
    .argument('<ticket>', 'ticket id, e.g. LOCAL-1')
    .option('--data-dir <dir>', 'data directory of the local stack', DEFAULT_DATA_DIR);
  regionOptions(command, 'read the ticket from a deployed region instead of the local stack')
    .option('--json', 'print JSON (times as UTC instants)')
    .action(async (id: string, opts: RegionOptions & { dataDir: string; json?: boolean }) => {
      const ticketId = id.trim().replace(/^\[?#/, '').replace(/\]$/, '').toUpperCase();
      if (!/^[A-Z][A-Z0-9]{1,7}-\d+$/.test(ticketId)) throw new UsageError(`"${id}" is not a ticket id (like LOCAL-1)`);
      const source = await openTicketSource(opts);
      const ticket = await source.tickets.getTicket(ticketId);
      // A well-formed id that is not there is a failure while running (exit 1), not misuse.
      if (!ticket) throw new Error(`no ticket ${ticketId} in ${source.label} (\`sesdesk tickets\` lists them)`);
      const messages = await source.tickets.listMessages(ticketId);
      if (opts.json) {
        printJson(showDocument(ticket, messages));
        return;
      }
      const at = (iso: string | null | undefined) => deskTime(iso, source.timeZone);
      const lines = [
        `${ticket.id}  [${ticket.status}]  ${ticket.priority}  tier ${ticket.tier}`,
        `Subject:   ${ticket.subject}`,
        `Requester: ${ticket.requester.name ? `${ticket.requester.name} <${ticket.requester.address}>` : ticket.requester.address}`,
        `Assignee:  ${ticket.assignee ?? '-'}`,
        `SLA:       first response due ${at(ticket.sla.firstResponseDue)}${ticket.sla.firstRespondedAt ? ` (met ${at(ticket.sla.firstRespondedAt)})` : ''}; resolution due ${at(ticket.sla.resolutionDue)}`,
        ...ticket.sla.breaches.map((b) => `BREACH:    ${b.target} due ${at(b.due)}, recorded ${at(b.at)}, escalated to tier ${b.tier}`),
        `Times:     ${source.timeZone ?? 'UTC'}`,
        '',
        ...messages.flatMap((m) => [
          `--- ${at(m.at)}  ${m.direction} ${m.kind}  from ${m.from?.address ?? '(unknown)'}`,
          (m.text ?? `(body stored at ${m.textKey})`).trimEnd(),
          '',
        ]),
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}
