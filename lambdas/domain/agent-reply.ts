import type { ParsedCommands } from './email-commands';
import { applyStatusChange, changePriority, recordAgentReply } from './sla/deadlines';
import type { SlaPolicy } from './sla/policy';
import { canTransition, type Ticket, type TicketStatus } from './ticket';

export interface AgentReplyContext {
  /** The agent's address (lower-case). */
  agent: string;
  at: Date;
  /** The policy as it applies to the ticket's account. */
  policy: SlaPolicy;
  isAgent: (address: string) => boolean;
  warningFraction?: number;
  /**
   * The policy and 24x7 handling a priority brings on this ticket's account (a 24x7 contract
   * counts the most urgent priority round the clock). Without it a priority change keeps both.
   */
  policyForPriority?: (priority: string) => { policy: SlaPolicy; aroundTheClock: boolean };
}

export type AgentReplyPlan =
  | {
      ok: true;
      /** The ticket after the commands and the reply (version not bumped). */
      ticket: Ticket;
      /** Status before the message, when it changed (one update mail from there to the final status). */
      statusFrom: TicketStatus | null;
      internal: boolean;
      /** Text to relay to the customer (commands removed), null when nothing is relayed. */
      relay: string | null;
      /** Resolution summary for the resolved mail, when the message resolved the ticket. */
      summary: string | null;
      applied: string[];
    }
  | { ok: false; errors: string[] };

/**
 * Applies an agent's email to a ticket, all or nothing: every command must be known and
 * valid, every status change allowed by the state machine (checked step by step, so
 * `#status in_progress` then `#resolve` works from `needs_clarification`), or nothing
 * changes and the errors come back. A reply the customer sees meets the first response and
 * makes the agent the assignee when there is none; an `#internal` note does neither.
 */
export function planAgentReply(ticket: Ticket, parsed: ParsedCommands, ctx: AgentReplyContext): AgentReplyPlan {
  const errors = [...parsed.errors];
  const applied: string[] = [];
  const internal = parsed.commands.some((c) => c.name === 'internal');
  const resolves = parsed.commands.some((c) => c.name === 'resolve');
  const body = parsed.body.trim();
  const t: Ticket = { ...ticket, sla: { ...ticket.sla } };
  const opts = { warningFraction: ctx.warningFraction };
  let policy = ctx.policy;

  // The reply reaches the customer before any resolve in the same message is recorded.
  const visible = !internal && body !== '';
  if (visible) {
    t.sla = recordAgentReply(t.sla, policy, t.priority, ctx.at);
    t.assignee ??= ctx.agent;
    t.agents = [...new Set([...(t.agents ?? []), ctx.agent])];
  }

  const move = (to: TicketStatus, why: string): void => {
    if (t.status === to) return;
    if (!canTransition(t.status, to)) {
      errors.push(`${why}: a ticket cannot go from ${t.status} to ${to}`);
      return;
    }
    t.sla = applyStatusChange(t.sla, policy, t.priority, t.status, to, ctx.at, opts);
    // Each wait on the customer counts its own reminders: an earlier wait's must not
    // auto-resolve this one early.
    if (to === 'needs_clarification') t.remindersSent = 0;
    t.status = to;
    applied.push(`status ${to}`);
  };

  for (const command of parsed.commands) {
    switch (command.name) {
      case 'status':
        move(command.status, `#status ${command.status}`);
        break;
      case 'priority':
        if (!ctx.policy.priorityOrder.includes(command.priority)) {
          errors.push(`#priority ${command.priority}: not a priority of this desk (${ctx.policy.priorityOrder.join(', ')})`);
        } else if (command.priority !== t.priority) {
          const next = ctx.policyForPriority?.(command.priority) ?? { policy, aroundTheClock: t.sla.aroundTheClock ?? false };
          policy = next.policy;
          t.sla = { ...changePriority(t.sla, policy, command.priority, ctx.at, opts), aroundTheClock: next.aroundTheClock };
          t.priority = command.priority;
          applied.push(`priority ${command.priority}`);
        }
        break;
      case 'assign':
        if (!ctx.isAgent(command.address)) errors.push(`#assign ${command.address}: not an agent address`);
        else {
          t.assignee = command.address;
          applied.push(`assign ${command.address}`);
        }
        break;
      case 'due':
        t.plannedFor = command.date;
        applied.push(`due ${command.date}`);
        move('planned', `#due ${command.date}`);
        break;
      case 'resolve':
        move('resolved', '#resolve');
        break;
      case 'internal':
        applied.push('internal');
        break;
    }
  }
  if (errors.length > 0) return { ok: false, errors };
  return {
    ok: true,
    ticket: t,
    statusFrom: t.status !== ticket.status ? ticket.status : null,
    internal,
    relay: visible && !resolves ? parsed.body.trim() : null,
    summary: resolves && !internal ? body || null : null,
    applied,
  };
}
