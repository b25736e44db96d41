import type { Address } from './inbound-message';
import type { OutboundMail } from './ports';
import { replyAddress } from './reply-token';
import { formatSubjectTag } from './ticket-ref';
import type { Ticket } from './ticket';

/** Header every mail we send carries, so our own mail coming back is recognised as a loop. */
export const LOOP_HEADER = 'X-Sesdesk-Loop';

/** Folds CR/LF and other control characters out of a value that ends up in a header. */
export function headerSafe(value: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are what must not reach a header
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
  /** The earlier ticket this one follows up (a reply after that one was closed). */
  followsUp?: string | null;
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
    ...(input.followsUp ? [`It follows up ticket ${input.followsUp}, which is closed.`] : []),
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

/** Who writes on the desk's behalf: the support address, its display name, and the ticket's reply token. */
export interface DeskSender {
  supportAddress: string;
  supportName: string;
  replyToken: string;
}

/** Recipients of conversation mail: the requester in To, participants in Cc. */
export interface ConversationRecipients {
  to: Address[];
  cc: Address[];
}

/**
 * Who mail about `ticket` goes to: requester and participants, each once, never one of our
 * support addresses, never an agent (agents read the ticket, not copies of their own words),
 * never an address that bounced. When the requester is left out, the first participant
 * moves to To; both lists empty means there is nobody to tell.
 */
export function conversationRecipients(
  ticket: Pick<Ticket, 'requester' | 'participants' | 'bouncedRecipients'>,
  opts: { supportAddresses: readonly string[]; isAgent: (address: string) => boolean },
): ConversationRecipients {
  const bounced = new Set((ticket.bouncedRecipients ?? []).map((a) => a.toLowerCase()));
  const seen = new Set<string>();
  const keep = (a: Address): boolean => {
    const address = a.address.trim().toLowerCase();
    if (!address.includes('@') || seen.has(address) || bounced.has(address)) return false;
    if (opts.isAgent(address)) return false;
    const at = address.lastIndexOf('@');
    const local = address.slice(0, at);
    const plus = local.indexOf('+');
    const base = plus < 0 ? address : `${local.slice(0, plus)}${address.slice(at)}`;
    if (opts.supportAddresses.includes(base)) return false;
    seen.add(address);
    return true;
  };
  const requester = keep(ticket.requester) ? [safeAddress(ticket.requester)] : [];
  const cc = ticket.participants.filter(keep).map(safeAddress);
  if (requester.length === 0 && cc.length > 0) return { to: [cc[0]], cc: cc.slice(1) };
  return { to: requester, cc };
}

/** Thread headers of our next mail on the ticket: answering the customer's latest message. */
export function ticketThread(ticket: Pick<Ticket, 'lastCustomerMessageId' | 'rootMessageId' | 'threadIds'>): {
  inReplyTo: string | null;
  references: string[];
} {
  const last = ticket.lastCustomerMessageId ?? ticket.rootMessageId;
  return threadHeaders(last, ticket.threadIds.filter((id) => id !== last));
}

function deskHeaders(ticketId: string | null, supportAddress: string, auto: boolean): Record<string, string> {
  return {
    ...(auto ? { 'Auto-Submitted': 'auto-replied', 'X-Auto-Response-Suppress': 'All' } : {}),
    [LOOP_HEADER]: supportAddress,
    ...(ticketId ? { 'X-Sesdesk-Ticket': ticketId } : {}),
  };
}

function deskReplyTo(sender: DeskSender): Address[] {
  return [{ name: headerSafe(sender.supportName), address: replyAddress(sender.supportAddress, sender.replyToken) }];
}

export interface AgentRelayInput {
  ticket: Ticket;
  sender: DeskSender;
  recipients: ConversationRecipients;
  /** The agent's display name, shown as "<name> (Support)"; empty for the desk name alone. */
  agentName: string;
  /** Only the agent's new text, commands removed. */
  text: string;
}

/**
 * An agent's reply as the customer sees it: from the support address (the agent's own
 * address stays private and replies come back to the desk), subject tag, threaded onto the
 * customer's latest message, reply token in Reply-To. Written by a person, so not marked
 * Auto-Submitted: the customer's out-of-office may answer it, and that answer is caught on
 * the way in.
 */
export function buildAgentRelay(input: AgentRelayInput): OutboundMail {
  const { ticket, sender } = input;
  const thread = ticketThread(ticket);
  const name = input.agentName ? `${headerSafe(input.agentName)} (${headerSafe(sender.supportName)})` : headerSafe(sender.supportName);
  return {
    from: { name, address: sender.supportAddress },
    to: input.recipients.to,
    cc: input.recipients.cc,
    replyTo: deskReplyTo(sender),
    subject: headerSafe(formatSubjectTag(ticket.id, ticket.subject)),
    text: `${input.text.trimEnd()}\n\n-- \n${sender.supportName}\nTicket ${ticket.id}: reply to this message to add to it.\n`,
    inReplyTo: thread.inReplyTo,
    references: thread.references,
    headers: deskHeaders(ticket.id, sender.supportAddress, false),
  };
}

export interface CommandErrorInput {
  ticket: Ticket;
  sender: DeskSender;
  agent: Address;
  errors: readonly string[];
  /** The agent's message, to thread the answer onto it. */
  agentMessageId: string | null;
  agentReferences: readonly string[];
}

/** Tells an agent that their message changed nothing and why (unknown command, invalid transition ...). */
export function buildCommandError(input: CommandErrorInput): OutboundMail {
  const { ticket, sender } = input;
  const thread = threadHeaders(input.agentMessageId, input.agentReferences);
  const lines = [
    `Your message to ticket ${ticket.id} was NOT applied and nothing was sent to the customer:`,
    '',
    ...input.errors.map((e) => `  - ${headerSafe(e)}`),
    '',
    `The ticket is unchanged (status ${ticket.status}, priority ${ticket.priority}).`,
    'Commands go at the top of the message, one per line:',
    '  #status <open|pending|needs_clarification|planned|in_progress|resolved|closed>',
    '  #priority <name>   #assign <agent address>   #due <YYYY-MM-DD>',
    '  #internal (note, not sent to the customer)   #resolve (the text is the resolution summary)',
    'Fix the command and send your message again.',
    '',
    '-- ',
    sender.supportName,
  ];
  return {
    from: { name: headerSafe(sender.supportName), address: sender.supportAddress },
    to: [safeAddress(input.agent)],
    replyTo: deskReplyTo(sender),
    subject: headerSafe(`${formatSubjectTag(ticket.id, ticket.subject)} - command not applied`),
    text: lines.join('\n'),
    inReplyTo: thread.inReplyTo,
    references: thread.references,
    headers: deskHeaders(ticket.id, sender.supportAddress, true),
  };
}

export interface UnauthorizedReplyInput {
  to: Address;
  subject: string;
  supportAddress: string;
  supportName: string;
  accountName: string | null;
  /** The account's primary contact, who can add senders; null when not known. */
  primaryContact: string | null;
  messageId: string | null;
  references: readonly string[];
}

/**
 * The polite answer to a sender whose account only lets listed people open tickets: no
 * ticket was opened, and who can get them added.
 */
export function buildUnauthorizedReply(input: UnauthorizedReplyInput): OutboundMail {
  const thread = threadHeaders(input.messageId, input.references);
  const greeting = input.to.name ? `Hello ${headerSafe(input.to.name)},` : 'Hello,';
  const account = input.accountName ? ` for ${headerSafe(input.accountName)}` : '';
  const contact = input.primaryContact
    ? `Please ask your account's primary contact, ${headerSafe(input.primaryContact)}, to add you to the authorized senders, or to open the ticket for you.`
    : "Please ask your account's primary contact to add you to the authorized senders, or to open the ticket for you.";
  const subject = headerSafe(input.subject) || '(no subject)';
  return {
    from: { name: headerSafe(input.supportName), address: input.supportAddress },
    to: [safeAddress(input.to)],
    subject: /^re:/i.test(subject) ? subject : `Re: ${subject}`,
    text: [
      greeting,
      '',
      `Thank you for your message. Only authorized personnel listed on the support account${account} may open tickets, and ${headerSafe(input.to.address)} is not on that list, so no ticket was opened.`,
      contact,
      '',
      '-- ',
      input.supportName,
    ].join('\n'),
    inReplyTo: thread.inReplyTo,
    references: thread.references,
    headers: deskHeaders(null, input.supportAddress, true),
  };
}
