import { isAgentAddress } from '../domain/agents';
import { conversationRecipients, type ConversationRecipients, type DeskSender } from '../domain/outbound';
import type { OutboundMail } from '../domain/ports';
import { makeReplyToken } from '../domain/reply-token';
import type { MessageKind, Ticket } from '../domain/ticket';
import type { RuntimeConfig } from './runtime-config';

/** What a message does to the ticket it joins, decided purely from the ticket as stored. */
export interface TicketChange {
  ticket: Ticket;
  /** Mail the change causes, saved on the ticket with it and sent after. */
  mails: Array<{ kind: MessageKind; mail: OutboundMail }>;
  /** Kind and facts of the stored inbound message. */
  kind: MessageKind;
  meta?: Record<string, unknown>;
}

type DeskDeps = { config: RuntimeConfig; replyTokenSecret: string };

/** The support address writing about `ticket`, with its reply token. */
export function deskSender(deps: DeskDeps, ticket: Pick<Ticket, 'id'>): DeskSender {
  return {
    supportAddress: deps.config.supportAddresses[0],
    supportName: deps.config.supportName,
    replyToken: makeReplyToken(deps.replyTokenSecret, ticket.id),
  };
}

/** Requester and participants of `ticket`, less agents, our addresses and bounced ones. */
export function recipientsOf(deps: DeskDeps, ticket: Ticket): ConversationRecipients {
  return conversationRecipients(ticket, {
    supportAddresses: deps.config.supportAddresses,
    isAgent: (a) => isAgentAddress(deps.config.agents, a),
  });
}
