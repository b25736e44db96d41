import { isAgentAddress } from '../domain/agents';
import type { ConversationContext } from '../domain/conversation';
import { conversationRecipients, type ConversationRecipients, type DeskSender } from '../domain/outbound';
import { makeReplyToken } from '../domain/reply-token';
import type { Ticket } from '../domain/ticket';
import type { RuntimeConfig } from './runtime-config';
import type { SlaService } from './sla-service';

export type { TicketChange } from '../domain/conversation';

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

/** The desk and the moment, as the pure conversation decisions need them. */
export function conversationContext(deps: DeskDeps & { sla: Pick<SlaService, 'policyFor'> }, now: Date): ConversationContext {
  return {
    now,
    supportAddresses: deps.config.supportAddresses,
    agents: deps.config.agents,
    reopenWindowDays: deps.config.reopenWindowDays,
    warningFraction: deps.config.warningFraction,
    policyFor: (account, aroundTheClock) => deps.sla.policyFor(account, aroundTheClock),
    recipients: (ticket) => recipientsOf(deps, ticket),
    sender: (ticket) => deskSender(deps, ticket),
  };
}
