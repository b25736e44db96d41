import type { OutboundMail } from './ports';
import { headerSafe, LOOP_HEADER, ticketThread, type ConversationRecipients, type DeskSender } from './outbound';
import { replyAddress } from './reply-token';
import { formatSubjectTag } from './ticket-ref';
import type { Ticket, TicketStatus } from './ticket';

/** How each status reads in mail to the customer. */
export const STATUS_LABELS: Readonly<Record<TicketStatus, string>> = {
  open: 'Open',
  pending: 'Pending (received, waiting for an agent)',
  needs_clarification: 'Needs clarification (waiting for your answer)',
  planned: 'Planned',
  in_progress: 'In progress',
  resolved: 'Resolved',
  closed: 'Closed',
};

export interface StatusUpdateInput {
  /** The ticket after the change. */
  ticket: Ticket;
  from: TicketStatus;
  sender: DeskSender;
  recipients: ConversationRecipients;
  /** For `resolved`: the agent's resolution summary. */
  summary?: string | null;
  reopenWindowDays: number;
  /** Why the status changed when it was not an agent (e.g. "your reply reopened it"). */
  note?: string | null;
}

/**
 * The short mail every status change sends the requester (and participants): new status,
 * the planned date when there is one, and for `resolved` the resolution summary and how
 * to reopen. Automatic, so marked `Auto-Submitted: auto-generated` (RFC 3834).
 */
export function buildStatusUpdate(input: StatusUpdateInput): OutboundMail {
  const { ticket, sender } = input;
  const to = ticket.status;
  const thread = ticketThread(ticket);
  const lines = [
    `The status of ticket ${ticket.id} changed from ${STATUS_LABELS[input.from]} to ${STATUS_LABELS[to]}.`,
    ...(input.note ? [headerSafe(input.note)] : []),
    ...(to === 'planned' && ticket.plannedFor ? [`Planned for: ${ticket.plannedFor}`] : []),
  ];
  if (to === 'resolved') {
    lines.push('', 'Resolution summary:', '', (input.summary ?? '').trim() || '(no summary given)', '');
    lines.push(
      input.reopenWindowDays > 0
        ? `If the problem is not solved, reply to this message within ${input.reopenWindowDays} days and the ticket reopens.`
        : 'If the problem is not solved, reply to this message and we will open a new ticket.',
    );
  }
  if (to === 'needs_clarification') lines.push('', 'Please reply to this message with the details the agent asked for.');
  lines.push('', `Subject: ${headerSafe(ticket.subject)}`, '', '-- ', sender.supportName);
  return {
    from: { name: headerSafe(sender.supportName), address: sender.supportAddress },
    to: input.recipients.to,
    cc: input.recipients.cc,
    replyTo: [{ name: headerSafe(sender.supportName), address: replyAddress(sender.supportAddress, sender.replyToken) }],
    subject: headerSafe(`${formatSubjectTag(ticket.id, ticket.subject)} - ${to === 'resolved' ? 'resolved' : `status: ${to.replace(/_/g, ' ')}`}`),
    text: lines.join('\n'),
    inReplyTo: thread.inReplyTo,
    references: thread.references,
    headers: {
      'Auto-Submitted': 'auto-generated',
      'X-Auto-Response-Suppress': 'All',
      [LOOP_HEADER]: sender.supportAddress,
      'X-Sesdesk-Ticket': ticket.id,
    },
  };
}
