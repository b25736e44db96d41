import type { InboundMessage } from '../domain/inbound-message';
import type { TimerRequest } from '../domain/ports';
import { aroundTheClockApplies, decidePriority, parsePriorityConfig, policyForAccount, type PriorityConfig, type PriorityDecision } from '../domain/priority';
import { nearestDeadline, startSla, timerRequestFor, type Deadline } from '../domain/sla/deadlines';
import { followUpDeadlines } from '../domain/sla/follow-ups';
import { aroundTheClockPolicy, parsePolicy, type SlaPolicy } from '../domain/sla/policy';
import type { Ticket, TicketSla } from '../domain/ticket';
import { ConfigError } from '../domain/config-error';
import type { RuntimeConfig } from './runtime-config';

/**
 * The SLA decisions ingest and the timer handlers need, bound to one region's policy and
 * accounts. Built once per container by {@link createSlaService}.
 */
export interface SlaService {
  readonly policy: SlaPolicy;
  readonly priorityConfig: PriorityConfig;
  /** Priority, account, assignee and authorization of a new ticket opened by `message`. */
  decide(message: InboundMessage): PriorityDecision;
  /**
   * Deadlines of a ticket of `priority` (under `account`'s contract) received at `receivedAt`;
   * `aroundTheClock` (24x7 handling) counts them round the clock.
   */
  initial(priority: string, receivedAt: Date, accountId?: string | null, aroundTheClock?: boolean): TicketSla;
  /** The policy as it applies to the ticket's account (and its 24x7 handling, when on). */
  policyFor(accountId: string | null, aroundTheClock?: boolean): SlaPolicy;
  /**
   * The policy and 24x7 handling after an agent sets `priority`: on for the most urgent
   * priority of an account with a 24x7 contract (an agent's decision, never the customer's mail).
   */
  forPriority(accountId: string | null, priority: string): { policy: SlaPolicy; aroundTheClock: boolean };
  /**
   * Follow-up deadlines of the ticket (customer reminders, auto-resolve, auto-close) under the
   * config's reminder and close settings.
   */
  followUps(ticket: Ticket): Array<Omit<Deadline, 'at'>>;
  /** The ticket's nearest deadline, SLA or follow-up (plus `extra`), or null. */
  nearest(ticket: Ticket, now: Date, extra?: ReadonlyArray<Omit<Deadline, 'at'>>): Deadline | null;
  /**
   * The one schedule the ticket should have pending now (its nearest SLA or follow-up
   * deadline, plus `extra`), or null when nothing is due.
   */
  nextTimer(ticket: Ticket, now: Date, extra?: ReadonlyArray<Omit<Deadline, 'at'>>): TimerRequest | null;
}

/** Validates the policy and priority config of `config` and binds them into an {@link SlaService}. */
export function createSlaService(config: RuntimeConfig): SlaService {
  let policy: SlaPolicy;
  try {
    policy = parsePolicy(config.policy, 'policy');
  } catch (error) {
    throw new ConfigError(`policy: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  const priorityConfig = parsePriorityConfig(config.priority ?? {}, policy);
  const accountById = new Map(priorityConfig.accounts.map((a) => [a.id, a]));
  // Built once per account and handling: a derived policy is a new object, and the business
  // calendar (with its day cache) is kept per policy object.
  const derived = new Map<string, SlaPolicy>();
  const policyFor = (accountId: string | null | undefined, aroundTheClock = false): SlaPolicy => {
    const account = (accountId && accountById.get(accountId)) || null;
    const key = `${account?.id ?? ''}\u0000${aroundTheClock}`;
    let found = derived.get(key);
    if (!found) {
      const own = policyForAccount(policy, account);
      found = aroundTheClock ? aroundTheClockPolicy(own) : own;
      derived.set(key, found);
    }
    return found;
  };
  const followUps = (ticket: Ticket): Array<Omit<Deadline, 'at'>> =>
    followUpDeadlines(ticket, policyFor(ticket.account), {
      customerReminderBusinessDays: config.customerReminderBusinessDays,
      maxCustomerReminders: config.maxCustomerReminders,
      autoCloseDays: config.autoCloseDays,
    });
  const nearest = (ticket: Ticket, now: Date, extra: ReadonlyArray<Omit<Deadline, 'at'>> = []): Deadline | null =>
    nearestDeadline(ticket, now, [...followUps(ticket), ...extra]);
  return {
    policy,
    priorityConfig,
    policyFor: (accountId, aroundTheClock) => policyFor(accountId, aroundTheClock),
    forPriority: (accountId, priority) => {
      const aroundTheClock = aroundTheClockApplies(policy, (accountId && accountById.get(accountId)) || null, priority);
      return { policy: policyFor(accountId, aroundTheClock), aroundTheClock };
    },
    decide: (message) =>
      decidePriority(policy, priorityConfig, {
        channel: 'email',
        subject: message.subject,
        body: message.reply || message.text,
        from: message.from?.address ?? null,
      }),
    initial: (priority, receivedAt, accountId, aroundTheClock = false) => {
      const sla = startSla(policyFor(accountId, aroundTheClock), priority, receivedAt, { warningFraction: config.warningFraction });
      return aroundTheClock ? { ...sla, aroundTheClock: true } : sla;
    },
    followUps,
    nearest,
    nextTimer: (ticket, now, extra = []) => {
      const deadline = nearest(ticket, now, extra);
      return deadline ? timerRequestFor(ticket, deadline) : null;
    },
  };
}
