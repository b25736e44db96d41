import type { Address } from './inbound-message';
import type { OutboundMail } from './ports';
import { replyAddress } from './reply-token';
import { formatSubjectTag } from './ticket-ref';
import type { Ticket } from './ticket';

/** Header every mail we send carries, so our own mail coming back is recognised as a loop. */
export const LOOP_HEADER = 'X-Sesdesk-Loop';

/** Folds CR/LF and other control characters out of a value that ends up in a header. */
export function headerSafe(value: string): string {
  // eslint-disable-next-line no-control-regex
  return value.replace(/[\u0000-\u001f\u007f]+/g, ' ').replace(/\s{2,}/g, ' ').trim();
}

function safeAddress(address: Address): Address {
  return { name: headerSafe(address.name), address: headerSafe(address.address) };
}

/** The thread headers of a reply to `messageId` with `references` before it (RFC 5322 3.6.4). */
export function threadHeaders(
  messageId: string | null,
  references: readonly string[],
): { inReplyTo: string | null; references: string[] } {
  const refs = [...references];
  if (messageId && !refs.includes(messageId)) refs.push(messageId);
  // Long threads: keep the root and the most recent ids, as mail clients do.
  const trimmed = refs.length > 20 ? [refs[0], ...refs.slice(-19)] : refs;
  return { inReplyTo: messageId, references: trimmed };
}

function formatInstant(iso: string | null, timezone: string): string | null {
  if (!iso) return null;
  const date = new Date(iso);
  try {
    return `${new Intl.DateTimeFormat('en-GB', {
      timeZone: timezone,
      dateStyle: 'medium',
      timeStyle: 'short',
    }).format(date)} (${timezone})`;
  } catch {
    return date.toISOString();
  }
}

export interface AcknowledgementInput {
  ticket: Ticket;
  supportAddress: string;
  supportName: string;
  replyAddressToken: string;
  customerMessageId: string | null;
  customerReferences: readonly string[];
  timezone: string;
}

/**
 * The acknowledgement for a new ticket: ticket number in subject and body, threaded onto the
 * customer's message, marked `Auto-Submitted: auto-replied` (RFC 3834) so well-behaved
 * responders do not answer it.
 */
export function buildAcknowledgement(input: AcknowledgementInput): OutboundMail {
  const { ticket } = input;
  const thread = threadHeaders(input.customerMessageId, input.customerReferences);
  const greeting = ticket.requester.name ? `Hello ${headerSafe(ticket.requester.name)},` : 'Hello,';
  const due = formatInstant(ticket.sla.firstResponseDue, input.timezone);
  const lines = [
    greeting,
    '',
    `Thank you for contacting us. We have received your request and opened ticket ${ticket.id}.`,
    `Please keep [#${ticket.id}] in the subject line of any further message about it.`,
    '',
    `Priority: ${ticket.priority}`,
    ...(due ? [`You will hear from an agent by: ${due}`] : []),
    '',
    `Subject: ${headerSafe(ticket.subject)}`,
    '',
    `-- `,
    input.supportName,
  ];
  return {
    from: { name: headerSafe(input.supportName), address: input.supportAddress },
    to: [safeAddress(ticket.requester)],
    replyTo: [{ name: headerSafe(input.supportName), address: replyAddress(input.supportAddress, input.replyAddressToken) }],
    subject: headerSafe(formatSubjectTag(ticket.id, ticket.subject)),
    text: lines.join('\n'),
    inReplyTo: thread.inReplyTo,
    references: thread.references,
    headers: {
      'Auto-Submitted': 'auto-replied',
      'X-Auto-Response-Suppress': 'All',
      [LOOP_HEADER]: input.supportAddress,
      'X-Sesdesk-Ticket': ticket.id,
    },
  };
}
