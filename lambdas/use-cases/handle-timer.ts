import { ConcurrentModificationError } from '../domain/errors';
import {
  autoResolvedMail,
  breachMail,
  closedMail,
  customerReminderMail,
  escalationAddress,
  nextTier,
  updateReminderMail,
  warningMail,
  type SupportSender,
} from '../domain/notifications';
import type { OutboundMail } from '../domain/ports';
import {
  applyStatusChange,
  recordBreach,
  recordWarning,
  scheduleNextUpdate,
  type Deadline,
} from '../domain/sla/deadlines';
import { planTimer } from '../domain/conversation';
import type { PendingMail, SlaBreach, SlaTarget, Ticket } from '../domain/ticket';
import { armBefore, armTimerRetrying, cancelReplaced, deliverOutbox, ownEntries } from './deliver';
import type { IngestDeps } from './ingest-types';

/**
 * A Scheduler timer fired (sla-breach or follow-up function). Scheduler fires at least once and
 * up to a minute late, and a ticket changes while its timer waits, so the use case re-reads the
 * ticket and acts only when the deadline the timer was armed for still is the ticket's nearest
 * one and its timer is still this one.
 *
 * The act follows the one order of deliver.ts: decide (pure) -> create the next schedule ->
 * commit the act, its mail queued in the outbox and the next schedule named, in one write
 * conditioned on the ticket's version (of two concurrent fires one commit wins, the other
 * re-reads and finds the deadline handled) -> send and record each queued mail -> delete the
 * fired schedule (Scheduler deletes a fired one-time schedule too; this covers a re-armed one). A crash after the commit leaves the mail queued for the redelivery.
 */

/** The payload `timerRequestFor` puts on every schedule. */
export interface TimerFireInput {
  timer: string;
  ticketId: string;
  kind: string;
  target: string;
  /** The deadline the timer was armed for (ISO). */
  due: string;
  version: number;
}

export type TimerDeps = Pick<IngestDeps, 'tickets' | 'mailer' | 'timers' | 'clock' | 'config' | 'sla'>;

/** The delivery owning the mail a fired timer queues (outbox ids `timer:<schedule>#<n>`). */
const ownerOf = (timer: string) => ({ prefix: queuePrefix(timer) });

export type TimerAction =
  | 'warning'
  | 'breach'
  | 'update-reminder'
  | 'update-escalation'
  | 'reminder'
  | 'auto-resolve'
  | 'auto-close';

export interface TimerResult {
  outcome: 'acted' | 'skipped';
  ticketId: string;
  kind: string;
  action?: TimerAction;
  /** Why nothing was done (skipped). */
  reason?: string;
  /** The breach recorded (breach and update escalation), for the handler's metric. */
  breach?: SlaBreach;
  /** Addresses mailed. */
  notified: string[];
  /** Mails that could not be sent (recorded on the ticket with the error). */
  failed: string[];
  /** The timer the ticket has pending afterwards. */
  nextTimer: string | null;
}

interface Notice {
  mail: OutboundMail;
  /** Agents (warning, escalation) or the customer (threaded, indexed for replies). */
  audience: 'agent' | 'customer';
  meta: Record<string, unknown>;
}

interface Plan {
  ticket: Ticket;
  action: TimerAction;
  notices: Notice[];
  breach?: SlaBreach;
}

const MAX_ATTEMPTS = 5;

/**
 * How long the invocation that claimed an act owns the mail it queued: longer than the
 * function timeout, shorter than Lambda's first async retry (the ingest lease's reasoning).
 */
const SEND_LEASE_MS = 45_000;

/** Outbox ids of the mail a fired timer queued: `timer:<schedule>#<n>`. */
const queuePrefix = (timer: string): string => `timer:${timer}#`;

/** Handles one timer fire; see the module comment for when it acts and when it does nothing. */
export async function handleTimer(deps: TimerDeps, input: TimerFireInput): Promise<TimerResult> {
  const base = { ticketId: input.ticketId, kind: input.kind, notified: [] as string[], failed: [] as string[] };
  for (let attempt = 1; ; attempt += 1) {
    let ticket = await deps.tickets.getTicket(input.ticketId);
    if (!ticket) return { ...base, outcome: 'skipped', reason: 'ticket not found', nextTimer: null };
    const now = deps.clock.now();
    const queued = ownEntries(ticket, ownerOf(input.timer));
    if (queued.some((p) => p.leaseUntil !== undefined && Date.parse(p.leaseUntil) > now.getTime())) {
      return { ...base, outcome: 'skipped', reason: 'another delivery of this timer is sending its mail', nextTimer: ticket.timer?.name ?? null };
    }
    if (queued.length > 0) {
      // An earlier delivery claimed the act and crashed before its mail left: send it now.
      const flushed = await deliverOutbox(deps, ticket, ownerOf(input.timer));
      ticket = flushed.ticket;
      base.notified.push(...flushed.notified);
      base.failed.push(...flushed.refused);
    }
    if (ticket.timer?.name !== input.timer) {
      // Someone re-armed the ticket since: that newer timer owns its nearest deadline.
      return { ...base, outcome: 'skipped', reason: 'a newer timer is armed', nextTimer: ticket.timer?.name ?? null };
    }
    const why = stale(deps, ticket, input, now);
    if (why) {
      // The deadline moved or was handled without re-arming (or a crash after the act):
      // this fired timer is gone, so point the ticket at what is due now.
      const next = await rearm(deps, ticket, input.timer);
      return { ...base, outcome: 'skipped', reason: why, nextTimer: next };
    }
    const plan = await planAct(deps, ticket, input, now);
    // The mail is queued on the ticket in the same write that claims the act (transactional
    // outbox): a crash after the claim leaves it there for the redelivery, never lost.
    const leaseUntil = new Date(now.getTime() + SEND_LEASE_MS).toISOString();
    const queue: PendingMail[] = plan.notices.map((n, i) => ({
      id: `${queuePrefix(input.timer)}${i + 1}`,
      kind: 'notification' as const,
      mail: n.mail,
      meta: { ...n.meta, audience: n.audience },
      leaseUntil,
    }));
    const timer = planTimer(ticket.timer, deps.sla.nextTimer(plan.ticket, now));
    const claimed: Ticket = { ...plan.ticket, outbox: [...(plan.ticket.outbox ?? []), ...queue], timer: timer.timer };
    await armBefore(deps, timer.arm);
    // A transient failure fails the invocation: if the act did land, its queued mail is leased
    // to no one but the redelivery, which sends it once the lease ran out.
    const committed = await deps.tickets.commit({ ticket: { write: 'save', ticket: claimed } });
    if (!committed.ok) {
      // The schedule just armed is nobody's unless the winner armed the same name (same version read).
      if (timer.arm) {
        const fresh = await deps.tickets.getTicket(ticket.id);
        if (fresh?.timer?.name !== timer.arm.name) await deps.timers.cancel(timer.arm.name);
      }
      if (committed.conflict === 'version' && attempt < MAX_ATTEMPTS) continue;
      throw new ConcurrentModificationError(`ticket ${ticket.id}: timer ${input.timer} could not claim its act (${committed.conflict})`);
    }
    const { notified, refused } = await deliverOutbox(deps, claimed, ownerOf(input.timer));
    // Last, as Scheduler deletes a one-time schedule once its target took the event.
    await cancelReplaced(deps, timer.replaced, timer.timer);
    return {
      ...base,
      outcome: 'acted',
      action: plan.action,
      ...(plan.breach ? { breach: plan.breach } : {}),
      notified,
      failed: refused,
      nextTimer: timer.timer?.name ?? null,
    };
  }
}

/** Why the fired deadline no longer holds, or null when it does. */
function stale(deps: TimerDeps, ticket: Ticket, input: TimerFireInput, now: Date): string | null {
  if (ticket.status === 'closed') return 'ticket closed';
  const due = Date.parse(input.due);
  if (!Number.isFinite(due)) return `due ${JSON.stringify(input.due)} is not an instant`;
  const nearest: Deadline | null = deps.sla.nearest(ticket, now);
  if (!nearest) return 'no deadline pending (met, paused or resolved)';
  if (nearest.kind !== input.kind || nearest.target !== input.target || nearest.due.getTime() !== due) {
    return `deadline no longer holds: nearest is ${nearest.kind} ${nearest.target} at ${nearest.due.toISOString()}`;
  }
  if (now.getTime() < due) return 'fired before its deadline (clock moved back)';
  return null;
}

function sender(deps: TimerDeps): SupportSender {
  return { address: deps.config.supportAddresses[0], name: deps.config.supportName };
}

function agentNotice(mail: OutboundMail, meta: Record<string, unknown>): Notice {
  return { mail, audience: 'agent', meta };
}

/** The new ticket state (version + 1) and the mail the act sends. */
async function planAct(deps: TimerDeps, ticket: Ticket, input: TimerFireInput, now: Date): Promise<Plan> {
  const at = now.toISOString();
  const due = new Date(input.due);
  const from = sender(deps);
  const policy = deps.sla.policyFor(ticket.account, ticket.sla.aroundTheClock);
  const escalation = deps.config.escalation;
  const bump = (patch: Partial<Ticket>): Ticket => ({ ...ticket, ...patch, version: ticket.version + 1, updatedAt: at });
  const target = input.target as SlaTarget;
  const meta = (action: TimerAction, extra: Record<string, unknown> = {}) => ({ timer: input.timer, action, ...extra });

  switch (input.kind) {
    case 'warning': {
      const targetDue = target === 'firstResponse' ? ticket.sla.firstResponseDue : ticket.sla.resolutionDue;
      const next = bump({ sla: recordWarning(ticket.sla, target) });
      const breachAt = new Date(targetDue ?? input.due);
      const to = ticket.assignee ?? escalationAddress(escalation, ticket.tier);
      // Fired so late that the target is already missed (a stack that was down, a clock jump):
      // the breach that fires next says it; "breach in 0 minutes" would only be noise.
      if (!to || now >= breachAt) return { ticket: next, action: 'warning', notices: [] };
      const mail = warningMail(next, from, to, target, breachAt, now);
      return { ticket: next, action: 'warning', notices: [agentNotice(mail, meta('warning'))] };
    }
    case 'breach': {
      const tier = nextTier(ticket.tier);
      const breach: SlaBreach = { target, due: input.due, at, tier };
      const next = bump({ tier, sla: recordBreach(ticket.sla, breach) });
      const to = escalationAddress(escalation, tier);
      const mail = breachMail(next, from, to ?? '', target, due, tier);
      return { ticket: next, action: 'breach', breach, notices: to ? [agentNotice(mail, meta('breach'))] : [] };
    }
    case 'update': {
      // The previous reminder left the due it set; finding it unchanged now means no agent
      // update came in between (an agent reply restarts the interval), so this miss escalates.
      const missed = (await lastUpdateNotice(deps, ticket.id)) === input.due;
      const sla = scheduleNextUpdate(ticket.sla, policy, ticket.priority, now);
      const nextDue = sla.nextUpdateDue ? new Date(sla.nextUpdateDue) : null;
      if (!missed) {
        const next = bump({ sla });
        const to = ticket.assignee ?? escalationAddress(escalation, ticket.tier);
        const mail = updateReminderMail(next, from, to ?? '', due, nextDue);
        return {
          ticket: next,
          action: 'update-reminder',
          notices: [agentNotice(mail, meta('update-reminder', { nextUpdateDue: sla.nextUpdateDue }))],
        };
      }
      const tier = nextTier(ticket.tier);
      const breach: SlaBreach = { target: 'update', due: input.due, at, tier };
      const next = bump({ tier, sla: recordBreach(sla, breach) });
      const to = escalationAddress(escalation, tier);
      const mail = breachMail(next, from, to ?? '', 'update', due, tier);
      return {
        ticket: next,
        action: 'update-escalation',
        breach,
        notices: [agentNotice(mail, meta('update-escalation', { nextUpdateDue: sla.nextUpdateDue }))],
      };
    }
    case 'reminder': {
      const sent = ticket.remindersSent + 1;
      const next = bump({ remindersSent: sent });
      const mail = customerReminderMail(next, from, sent, deps.config.maxCustomerReminders);
      return { ticket: next, action: 'reminder', notices: [{ mail, audience: 'customer', meta: meta('reminder', { reminder: sent }) }] };
    }
    case 'auto-resolve': {
      const sla = applyStatusChange(ticket.sla, policy, ticket.priority, ticket.status, 'resolved', now, {
        warningFraction: deps.config.warningFraction,
      });
      const next = bump({ status: 'resolved', sla, remindersSent: 0 });
      const mail = autoResolvedMail(next, from, ticket.remindersSent);
      return { ticket: next, action: 'auto-resolve', notices: [{ mail, audience: 'customer', meta: meta('auto-resolve') }] };
    }
    case 'auto-close': {
      const sla = applyStatusChange(ticket.sla, policy, ticket.priority, ticket.status, 'closed', now);
      const next = bump({ status: 'closed', sla });
      const mail = closedMail(next, from, deps.config.feedbackOnClose);
      return {
        ticket: next,
        action: 'auto-close',
        notices: [{ mail, audience: 'customer', meta: meta('auto-close', { feedbackRequested: deps.config.feedbackOnClose }) }],
      };
    }
    default:
      // nearestDeadline only yields the kinds above; a foreign payload cannot reach here.
      throw new Error(`timer kind "${input.kind}" has no action`);
  }
}

/** `nextUpdateDue` set by the latest update reminder or escalation, if any. */
async function lastUpdateNotice(deps: TimerDeps, ticketId: string): Promise<string | null> {
  const messages = await deps.tickets.listMessages(ticketId);
  for (let i = messages.length - 1; i >= 0; i -= 1) {
    const m = messages[i];
    const action = m.kind === 'notification' ? m.meta?.action : undefined;
    if (action === 'update-reminder' || action === 'update-escalation') {
      return typeof m.meta?.nextUpdateDue === 'string' ? m.meta.nextUpdateDue : null;
    }
  }
  return null;
}

/**
 * Arms the ticket's next deadline unless someone else re-armed it meanwhile (the ticket then
 * names a timer other than the one that fired).
 */
async function rearm(deps: TimerDeps, ticket: Ticket, fired: string): Promise<string | null> {
  const armed = await armTimerRetrying(deps, ticket, (fresh) => fresh.timer?.name === fired);
  return armed.timer?.name ?? null;
}
