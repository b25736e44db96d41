import type { Command } from 'commander';
import type { Ticket, TicketMessage } from '../../lambdas/domain/ticket';
import { openTicketSource } from '../ticket-source';
import { UsageError, printJson } from '../usage-error';
import { DEFAULT_DATA_DIR } from '../../local/stack-info';

/** The `show --json` document of cli.md, plus the timeline and attachments. */
export function showDocument(ticket: Ticket, messages: TicketMessage[]): Record<string, unknown> {
  return {
    id: ticket.id,
    status: ticket.status,
    priority: ticket.priority,
    requester: ticket.requester,
    participants: ticket.participants,
    subject: ticket.subject,
    assignee: ticket.assignee,
    tier: ticket.tier,
    account: ticket.account,
    createdAt: ticket.createdAt,
    updatedAt: ticket.updatedAt,
    linkedTicketId: ticket.linkedTicketId,
    plannedFor: ticket.plannedFor,
    rating: ticket.rating,
    messages: messages.map((m) => ({
      direction: m.direction,
      kind: m.kind,
      from: m.from,
      to: m.to,
      cc: m.cc,
      subject: m.subject,
      text: m.text,
      textKey: m.textKey,
      at: m.at,
      messageId: m.messageId,
      attachments: m.attachments,
      ...(m.meta ? { meta: m.meta } : {}),
    })),
    sla: {
      policy: ticket.sla.policy,
      firstResponseDue: ticket.sla.firstResponseDue,
      resolutionDue: ticket.sla.resolutionDue,
      nextUpdateDue: ticket.sla.nextUpdateDue,
      firstRespondedAt: ticket.sla.firstRespondedAt,
      resolvedAt: ticket.sla.resolvedAt,
      pausedAt: ticket.sla.pausedAt,
      breaches: ticket.sla.breaches,
    },
    timer: ticket.timer,
  };
}

export function registerShow(program: Command): void {
  program
    .command('show')
    .description('one ticket with its messages, timeline and SLA state')
    .argument('<ticket>', 'ticket id, e.g. LOCAL-1')
    .option('--data-dir <dir>', 'data directory of the local stack', DEFAULT_DATA_DIR)
    .option('--region <region>', 'read a deployed region (its stack outputs name the table)')
    .option('--json', 'print JSON')
    .action(async (id: string, opts: { dataDir: string; region?: string; json?: boolean }) => {
      const ticketId = id.trim().replace(/^\[?#/, '').replace(/\]$/, '').toUpperCase();
      if (!/^[A-Z][A-Z0-9]{1,7}-\d+$/.test(ticketId)) throw new UsageError(`"${id}" is not a ticket id (like LOCAL-1)`);
      const source = await openTicketSource(opts);
      const ticket = await source.tickets.getTicket(ticketId);
      if (!ticket) throw new UsageError(`no ticket ${ticketId}`);
      const messages = await source.tickets.listMessages(ticketId);
      if (opts.json) {
        printJson(showDocument(ticket, messages));
        return;
      }
      const lines = [
        `${ticket.id}  [${ticket.status}]  ${ticket.priority}  tier ${ticket.tier}`,
        `Subject:   ${ticket.subject}`,
        `Requester: ${ticket.requester.name ? `${ticket.requester.name} <${ticket.requester.address}>` : ticket.requester.address}`,
        `Assignee:  ${ticket.assignee ?? '-'}`,
        `SLA:       first response due ${ticket.sla.firstResponseDue ?? '-'}${ticket.sla.firstRespondedAt ? ` (met ${ticket.sla.firstRespondedAt})` : ''}; resolution due ${ticket.sla.resolutionDue ?? '-'}`,
        ...ticket.sla.breaches.map((b) => `BREACH:    ${b.target} due ${b.due}, recorded ${b.at}, escalated to tier ${b.tier}`),
        '',
        ...messages.flatMap((m) => [
          `--- ${m.at}  ${m.direction} ${m.kind}  from ${m.from?.address ?? '(unknown)'}`,
          (m.text ?? `(body stored at ${m.textKey})`).trimEnd(),
          '',
        ]),
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}
