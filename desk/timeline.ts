import type { Ticket, TicketMessage } from '../lambdas/domain/ticket';

/**
 * A ticket's history for the desk page, read back from what the pipeline stores: the facts
 * each message records (commands applied, status moves, timer actions, bounces) and the SLA
 * state on the ticket (breaches with their tier, met and due times, the pause). Pure.
 */
export type TimelineKind =
  | 'opened'
  | 'status'
  | 'priority'
  | 'assignment'
  | 'planned'
  | 'pause'
  | 'resume'
  | 'met'
  | 'deadline'
  | 'warning'
  | 'breach'
  | 'escalation'
  | 'reminder'
  | 'bounce'
  | 'rejected';

export interface TimelineEvent {
  at: string;
  kind: TimelineKind;
  text: string;
  /** A deadline still ahead (or running late) rather than something that happened. */
  due?: boolean;
}

const TARGET: Record<string, string> = { firstResponse: 'First response', resolution: 'Resolution', update: 'Agent update' };
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** Every event of `ticket`, oldest first; deadlines still due come last, soonest first. */
export function buildTimeline(ticket: Ticket, messages: readonly TicketMessage[]): TimelineEvent[] {
  const events: TimelineEvent[] = [];
  const add = (at: string | null | undefined, kind: TimelineKind, text: string) => {
    if (at) events.push({ at, kind, text });
  };
  let status = 'open';
  let assignee: string | null = null;
  const move = (at: string, to: string, why: string) => {
    if (to === status) return;
    add(at, 'status', `Status ${status.replace(/_/g, ' ')} → ${to.replace(/_/g, ' ')} (${why})`);
    if (to === 'needs_clarification') add(at, 'pause', 'Waiting on the customer: resolution clock paused');
    else if (status === 'needs_clarification') add(at, 'resume', 'Resolution clock running again');
    status = to;
  };

  add(ticket.createdAt, 'opened', `Opened by ${ticket.requester.address}`);
  for (const m of messages) {
    const meta = m.meta ?? {};
    const who = m.from?.address ?? 'unknown sender';
    if (m.kind === 'customer' && meta.status && typeof meta.status === 'object') {
      const to = str((meta.status as Record<string, unknown>).to);
      if (to) move(m.at, to, `reply from ${who}`);
    }
    if ((m.kind === 'agent' || m.kind === 'note') && m.direction === 'inbound') {
      const rejected = strings(meta.rejected);
      if (rejected.length > 0) add(m.at, 'rejected', `Commands from ${who} refused: ${rejected.join('; ')}`);
      for (const step of strings(meta.applied)) {
        const [verb, ...rest] = step.split(' ');
        const arg = rest.join(' ');
        if (verb === 'status') move(m.at, arg, `by ${who}`);
        else if (verb === 'priority') add(m.at, 'priority', `Priority set to ${arg} by ${who}`);
        else if (verb === 'assign') {
          assignee = arg;
          add(m.at, 'assignment', `Assigned to ${arg} by ${who}`);
        } else if (verb === 'due') add(m.at, 'planned', `Planned for ${arg} by ${who}`);
      }
      // A reply the customer sees makes its agent the assignee when there is none.
      if (m.kind === 'agent' && meta.relayed === true && assignee === null) {
        assignee = who.toLowerCase();
        add(m.at, 'assignment', `Assigned to ${assignee} (first reply)`);
      }
    }
    if (m.kind === 'bounce') {
      const failed = strings(meta.failedRecipients);
      add(m.at, 'bounce', `Mail to ${failed.length > 0 ? failed.join(', ') : 'a recipient'} bounced`);
    }
    if (m.kind === 'notification' && m.direction === 'outbound') {
      const to = m.to.map((a) => a.address).join(', ') || 'nobody';
      const failed = typeof meta.sendError === 'string' ? ' (sending failed)' : '';
      switch (meta.action) {
        case 'warning':
          add(m.at, 'warning', `SLA warning mailed to ${to}${failed}`);
          break;
        case 'breach':
        case 'update-escalation':
          add(m.at, 'escalation', `Escalation mailed to ${to}${failed}`);
          break;
        case 'update-reminder':
          add(m.at, 'reminder', `Update reminder mailed to ${to}${failed}`);
          break;
        case 'reminder':
          add(m.at, 'reminder', `Reminder ${typeof meta.reminder === 'number' ? meta.reminder : ''} mailed to the customer${failed}`.replace('  ', ' '));
          break;
        case 'auto-resolve':
          move(m.at, 'resolved', 'no answer from the customer');
          break;
        case 'auto-close':
          move(m.at, 'closed', 'automatically');
          break;
      }
    }
  }
  for (const b of ticket.sla.breaches) {
    add(b.at, 'breach', `${TARGET[b.target] ?? b.target} SLA breached (due ${b.due}); escalated to tier ${b.tier}`);
  }
  add(ticket.sla.firstRespondedAt, 'met', 'First response sent');
  add(ticket.sla.resolvedAt, 'met', 'Resolved');
  if (ticket.sla.pausedAt && !events.some((e) => e.kind === 'pause' && e.at === ticket.sla.pausedAt)) {
    add(ticket.sla.pausedAt, 'pause', 'Waiting on the customer: resolution clock paused');
  }
  const past = events.sort((a, b) => a.at.localeCompare(b.at));

  const due: TimelineEvent[] = [];
  const closed = ticket.status === 'resolved' || ticket.status === 'closed';
  if (!closed && !ticket.sla.firstRespondedAt && ticket.sla.firstResponseDue) {
    due.push({ at: ticket.sla.firstResponseDue, kind: 'deadline', text: 'First response due', due: true });
  }
  if (!closed && ticket.sla.resolutionDue) {
    due.push({ at: ticket.sla.resolutionDue, kind: 'deadline', text: ticket.sla.pausedAt ? 'Resolution due (moves out while paused)' : 'Resolution due', due: true });
  }
  if (!closed && ticket.sla.nextUpdateDue) due.push({ at: ticket.sla.nextUpdateDue, kind: 'deadline', text: 'Next agent update due', due: true });
  return [...past, ...due.sort((a, b) => a.at.localeCompare(b.at))];
}
