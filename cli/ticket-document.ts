import type { Ticket, TicketMessage } from '../lambdas/domain/ticket';

/**
 * A ticket as `tickets --json` and `show --json` print it (docs/cli.md): what people and scripts
 * read, never the internal fields the pipeline keeps on the item (reply token, outbox, applied
 * mail ids, thread ids, version, warning times). Times are ISO-8601 instants in UTC.
 */
export function ticketDocument(ticket: Ticket): Record<string, unknown> {
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

/** The `show --json` document: the ticket document with its messages (timeline, attachments). */
export function showDocument(ticket: Ticket, messages: TicketMessage[]): Record<string, unknown> {
  const { sla, timer, ...head } = ticketDocument(ticket);
  return {
    ...head,
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
    sla,
    timer,
  };
}
