import { isAgentAddress } from '../domain/agents';
import { planAgentReply } from '../domain/agent-reply';
import { parseEmailCommands } from '../domain/email-commands';
import { agentReplyText } from '../domain/reply-text';
import type { InboundMessage } from '../domain/inbound-message';
import { buildAgentRelay, buildCommandError } from '../domain/outbound';
import { buildStatusUpdate } from '../domain/status-mail';
import type { Ticket } from '../domain/ticket';
import type { Clock } from '../domain/clock';
import type { RuntimeConfig } from './runtime-config';
import type { SlaService } from './sla-service';
import { deskSender, recipientsOf, type TicketChange } from './ticket-change';

export interface AgentReplyDeps {
  config: RuntimeConfig;
  replyTokenSecret: string;
  sla: Pick<SlaService, 'policyFor' | 'forPriority'>;
  clock: Clock;
}

/**
 * A trusted agent's email on a ticket: commands at the top run all or nothing; the rest is
 * relayed to the requester and participants (unless `#internal`), a status change mails
 * them an update (with the resolution summary on `#resolve`). Any bad command changes
 * nothing and mails the agent why.
 */
export function planAgentMessage(deps: AgentReplyDeps, ticket: Ticket, message: InboundMessage): TicketChange {
  const agent = message.from ?? { name: '', address: '' };
  // The agent's words go to the customer whole: not `message.reply`, which is cut the way
  // customer mail is (a paragraph starting with `--` or `-x` taken for a signature).
  const parsed = parseEmailCommands(agentReplyText(message.text));
  const sender = deskSender(deps, ticket);
  const plan = planAgentReply(ticket, parsed, {
    agent: agent.address.toLowerCase(),
    at: deps.clock.now(),
    policy: deps.sla.policyFor(ticket.account, ticket.sla.aroundTheClock),
    policyForPriority: (priority) => deps.sla.forPriority(ticket.account, priority),
    isAgent: (a) => isAgentAddress(deps.config.agents, a),
    warningFraction: deps.config.warningFraction,
  });
  const commands = parsed.commands.map((c) => c.name);
  if (!plan.ok) {
    return {
      ticket,
      mails: [
        {
          kind: 'system',
          mail: buildCommandError({
            ticket,
            sender,
            agent,
            errors: plan.errors,
            agentMessageId: message.messageId,
            agentReferences: message.references,
          }),
        },
      ],
      kind: 'agent',
      meta: { commands, rejected: plan.errors },
    };
  }
  const t = plan.ticket;
  const recipients = recipientsOf(deps, t);
  const mails: TicketChange['mails'] = [];
  if (plan.relay && recipients.to.length > 0) {
    mails.push({ kind: 'relay', mail: buildAgentRelay({ ticket: t, sender, recipients, agentName: agent.name, text: plan.relay }) });
  }
  if (plan.statusFrom && recipients.to.length > 0) {
    mails.push({
      kind: 'notification',
      mail: buildStatusUpdate({
        ticket: t,
        from: plan.statusFrom,
        sender,
        recipients,
        summary: plan.summary,
        reopenWindowDays: deps.config.reopenWindowDays,
      }),
    });
  }
  return {
    ticket: t,
    mails,
    kind: plan.internal ? 'note' : 'agent',
    meta: {
      ...(commands.length > 0 ? { commands, applied: plan.applied } : {}),
      ...(plan.internal ? { internal: true } : {}),
      ...(plan.relay ? { relayed: true } : {}),
    },
  };
}
