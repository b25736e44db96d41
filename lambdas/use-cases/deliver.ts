import type { Clock } from '../domain/clock';
import { ConcurrentModificationError, isInvalidInput, NotFoundError, TransientError } from '../domain/errors';
import type { InboundLedger, LedgerOutcome, Mailer, OutboundMail, RawMailStore, SentMail, TicketRepository, TimerRequest, TimerScheduler } from '../domain/ports';
import type { PendingMail, Ticket, TicketMessage } from '../domain/ticket';
import { THREAD_IDS_KEPT } from '../domain/conversation';
import { persist, withRetry } from './retry';

/**
 * How we never send twice, for ingest and the timer functions alike:
 *
 *   decide (pure) -> commit the state with its mail in the ticket's outbox, in one transaction
 *   -> send each committed entry -> record that send in one transaction (the entry leaves the
 *   outbox, the outbound message and its Message-ID are stored, the inbound ledger notes it)
 *
 * No mail leaves before the commit that decided it, so no mail ever speaks of a ticket that was
 * not stored; a crash after a commit leaves the mail in the outbox for the retry, which sends
 * what is still there. The one window left is between a send and its record (SES has no
 * idempotency key): a crash exactly there sends that mail again, never any other.
 *
 * A permanent refusal (an address SES will not take, a mail that cannot be composed) is an
 * outcome: it is recorded like a send, with the reason, and the delivery goes on. Only
 * transient errors (throttling, 5xx, the network) fail the invocation, to be retried.
 */

/** Optimistic saves of one ticket lost to a concurrent writer: a busy thread needs more than a few re-reads. */
export const RACE_ATTEMPTS = 25;

/** Full-jitter backoff between re-reads of a contended ticket (at most ~250 ms). */
export function raceBackoff(attempt: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(250, 5 * 2 ** attempt)));
}

export interface DeliverDeps {
  tickets: TicketRepository;
  mailer: Mailer;
  clock: Clock;
  /** Where a large queued body lives (entries with `textKey`); the timer functions never queue one. */
  rawMail?: Pick<RawMailStore, 'getObject'>;
  /** The inbound ledger, for an ingest delivery that has nothing to send but its record to close. */
  ledger?: Pick<InboundLedger, 'complete'>;
}

/** Whose outbox entries a delivery sends, and the inbound ledger record it closes. */
export interface Owner {
  /** Entries whose id starts with this belong to the delivery (`<ledger key>#`, `timer:<name>#`). */
  prefix: string;
  /** Ingest: each record notes its send on this ledger record, the last one closes it with `outcome`. */
  ledger?: { key: string; outcome: LedgerOutcome };
}

export interface Delivered {
  ticket: Ticket;
  /** Recipients of mail that went out. */
  notified: string[];
  /** Recipients of mail that was refused (recorded on the ticket with the reason). */
  refused: string[];
}

/** The entries `owner` has queued on `ticket`. */
export function ownEntries(ticket: Ticket, owner: Pick<Owner, 'prefix'>): PendingMail[] {
  return (ticket.outbox ?? []).filter((p) => p.id.startsWith(owner.prefix));
}

/** Whether a queued mail is read by the customer (its id threads the conversation) or by agents. */
function customerFacing(entry: PendingMail): boolean {
  const audience = entry.meta?.audience;
  if (audience === 'agent') return false;
  if (audience === 'customer') return true;
  return entry.kind !== 'system';
}

/** The ledger step recording the send of entry `id`. */
const sentStep = (owner: Owner, entry: PendingMail): string => `sent:${entry.id.slice(owner.prefix.length)}`;

type SendOutcome = { sent: SentMail & { at: string } } | { refused: string; at: string };

/**
 * Sends every entry `owner` has queued on the committed `ticket`, recording each send in its
 * own transaction; with none left, closes the ledger record. Returns the ticket as last saved.
 */
export async function deliverOutbox(deps: DeliverDeps, ticket: Ticket, owner: Owner): Promise<Delivered> {
  const entries = ownEntries(ticket, owner);
  const out: Delivered = { ticket, notified: [], refused: [] };
  if (entries.length === 0) {
    const ledger = owner.ledger;
    if (ledger) {
      if (!deps.ledger) throw new NotFoundError(`delivery ${ledger.key}: no ledger to close`);
      await deps.ledger.complete(ledger.key, ledger.outcome, { ticketId: ticket.id });
    }
    return out;
  }
  for (const [i, entry] of entries.entries()) {
    const outcome = await send(deps, entry);
    const recipients = [...entry.mail.to, ...(entry.mail.cc ?? [])].map((a) => a.address);
    if ('sent' in outcome) out.notified.push(...recipients);
    else out.refused.push(...recipients);
    out.ticket = await persist(() => record(deps, out.ticket, owner, entry, outcome, i === entries.length - 1));
  }
  return out;
}

/**
 * Whether a failed send is a refusal, final for this mail: SES (or the composer) said the mail
 * or its address can never be sent as it is. Transient failures are retried; anything else we
 * cannot read (a bug, missing permissions) fails the invocation too, so it is retried and ends
 * in the dead-letter queue rather than being written off as refused.
 */
export function isRefusal(error: unknown): boolean {
  return isInvalidInput(error);
}

/** Why a mail was refused, as recorded on the ticket. */
export function refusalText(error: unknown): string {
  return (error instanceof Error ? `${error.name}: ${error.message}` : String(error)).slice(0, 1000);
}

async function send(deps: DeliverDeps, entry: PendingMail): Promise<SendOutcome> {
  try {
    const mail = await queuedMail(deps, entry);
    const sent = await withRetry(() => deps.mailer.send(mail), { retryable: (e) => e instanceof TransientError });
    return { sent: { ...sent, at: deps.clock.now().toISOString() } };
  } catch (error) {
    if (!isRefusal(error)) throw error;
    return { refused: refusalText(error), at: deps.clock.now().toISOString() };
  }
}

/** The mail of an entry, its body read back from S3 when it was too large to queue inline. */
async function queuedMail(deps: DeliverDeps, entry: PendingMail): Promise<OutboundMail> {
  if (!entry.textKey) return entry.mail;
  if (!deps.rawMail) throw new NotFoundError(`outbox entry ${entry.id}: its body is in ${entry.textKey}, but no store was given`);
  const text = (await deps.rawMail.getObject(entry.textKey)).toString('utf8');
  return { ...entry.mail, text };
}

/**
 * One transaction recording a send (or a refusal): the entry leaves the outbox, the outbound
 * message is stored, its Message-ID maps to the ticket (replies and bounces of it thread back),
 * and the ledger notes the step (closing the record with the last one). A concurrent writer
 * makes it re-read the ticket; an entry no longer queued was recorded already.
 */
async function record(deps: DeliverDeps, start: Ticket, owner: Owner, entry: PendingMail, outcome: SendOutcome, last: boolean): Promise<Ticket> {
  let ticket = start;
  for (let attempt = 1; ; attempt += 1) {
    if (!(ticket.outbox ?? []).some((p) => p.id === entry.id)) return ticket;
    const sentId = 'sent' in outcome ? outcome.sent.messageId : null;
    const threads = sentId !== null && customerFacing(entry) && !ticket.threadIds.includes(sentId);
    const updated: Ticket = {
      ...ticket,
      version: ticket.version + 1,
      outbox: (ticket.outbox ?? []).filter((p) => p.id !== entry.id),
      ...(threads ? { threadIds: [...ticket.threadIds, sentId].slice(-THREAD_IDS_KEPT) } : {}),
    };
    const committed = await commitContended(deps.tickets, {
      ...(owner.ledger
        ? { ledger: { key: owner.ledger.key, step: sentStep(owner, entry), ticketId: ticket.id, ...(last ? { complete: owner.ledger.outcome } : {}) } }
        : {}),
      ticket: { write: 'save', ticket: updated },
      messages: [outboundRecord(ticket.id, entry, outcome)],
      messageIds: sentId !== null ? [sentId] : [],
    });
    if (committed.ok) return updated;
    // This very record landed on an earlier try whose answer was lost.
    if (committed.conflict === 'done') return (await deps.tickets.getTicket(ticket.id)) ?? ticket;
    if (committed.conflict !== 'version' || attempt >= RACE_ATTEMPTS) {
      throw new ConcurrentModificationError(`ticket ${ticket.id}: send of ${entry.id} not recorded (${committed.conflict})`);
    }
    await raceBackoff(attempt);
    const fresh = await deps.tickets.getTicket(ticket.id);
    if (!fresh) throw new NotFoundError(`ticket ${ticket.id} is missing`);
    ticket = fresh;
  }
}

/** The stored outbound message of an entry: what was sent with the ids SES gave it, or why it was refused. */
export function outboundRecord(ticketId: string, entry: PendingMail, outcome: SendOutcome): TicketMessage {
  const { mail } = entry;
  const sent = 'sent' in outcome ? outcome.sent : null;
  const meta = { ...(entry.meta ?? {}), ...('refused' in outcome ? { sendError: outcome.refused } : {}) };
  return {
    ticketId,
    key: `out-${entry.id}`,
    at: sent?.at ?? ('at' in outcome ? outcome.at : new Date(0).toISOString()),
    direction: 'outbound',
    kind: entry.kind,
    from: mail.from,
    to: mail.to,
    cc: mail.cc ?? [],
    subject: mail.subject,
    text: entry.textKey ? null : mail.text,
    textKey: entry.textKey ?? null,
    messageId: sent?.messageId ?? null,
    sesMessageId: sent?.sesMessageId ?? null,
    rawKey: null,
    attachments: [],
    ...(Object.keys(meta).length > 0 ? { meta } : {}),
  };
}

/**
 * Creates the schedule a commit is about to name (a name that exists is success, so a retry
 * re-creates the same). Called before that commit: a committed ticket never names a schedule
 * that was not asked for; a schedule whose commit never came is skipped when it fires.
 */
export async function armBefore(deps: { timers: TimerScheduler }, arm: TimerRequest | null): Promise<void> {
  if (arm) await deps.timers.arm(arm);
}

/** Deletes the schedule a committed change replaced (a missing schedule is success). */
export async function cancelReplaced(deps: { timers: TimerScheduler }, replaced: string | null, current: Ticket['timer']): Promise<void> {
  if (replaced && replaced !== current?.name) await deps.timers.cancel(replaced);
}

/**
 * Points the ticket's one pending schedule at its nearest deadline outside a change's commit
 * (a fired timer that found its deadline gone, a retry that cannot tell whether its schedule
 * was made): creates the new schedule first (a name conflict from a retry is success), saves
 * the ticket naming it, then deletes the old one, so a crash in between never leaves a ticket
 * without a schedule.
 */
export async function armTimer(
  deps: { tickets: TicketRepository; timers: TimerScheduler; clock: Clock; sla: { nextTimer(ticket: Ticket, now: Date): TimerRequest | null } },
  ticket: Ticket,
): Promise<Ticket> {
  const next = deps.sla.nextTimer(ticket, deps.clock.now());
  const current = ticket.timer;
  if (current?.name === next?.name) return ticket;
  if (next) await deps.timers.arm(next);
  const updated: Ticket = {
    ...ticket,
    version: ticket.version + 1,
    timer: next ? { name: next.name, at: next.at.toISOString(), kind: next.kind } : null,
  };
  try {
    await deps.tickets.saveTicket(updated);
  } catch (error) {
    // Lost the race to a concurrent writer: the schedule just armed is nobody's unless that
    // writer armed the same name (same version read) and saved it. Once the stored version
    // moved past ours, no save can name it any more, so deleting it now is safe.
    if (next && error instanceof ConcurrentModificationError) {
      const fresh = await deps.tickets.getTicket(ticket.id);
      if (fresh?.timer?.name !== next.name) await deps.timers.cancel(next.name);
    }
    throw error;
  }
  if (current) await deps.timers.cancel(current.name);
  return updated;
}

/**
 * {@link armTimer}, re-reading the ticket when a concurrent writer saved it first; stops when
 * `keep` says the fresh ticket needs no more from us (another writer re-armed it).
 */
export async function armTimerRetrying(
  deps: Parameters<typeof armTimer>[0],
  start: Ticket,
  keep: (fresh: Ticket) => boolean = () => true,
): Promise<Ticket> {
  let ticket = start;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await armTimer(deps, ticket);
    } catch (error) {
      if (!(error instanceof ConcurrentModificationError) || attempt >= RACE_ATTEMPTS) throw error;
      await raceBackoff(attempt);
      const fresh = await deps.tickets.getTicket(start.id);
      if (!fresh) throw new NotFoundError(`ticket ${start.id} is missing`);
      if (!keep(fresh)) return fresh;
      ticket = fresh;
    }
  }
}

/**
 * A commit whose transaction was cancelled by a concurrent one on the same items (DynamoDB's
 * TransactionConflict, reported as a {@link TransientError}) lost a race like a version
 * conflict: it reads as one, so the caller re-reads the ticket and decides again. A commit that
 * did land despite the error is found by that re-read (its ledger step, or the ticket version).
 */
export async function commitContended(tickets: Pick<TicketRepository, 'commit'>, c: Parameters<TicketRepository['commit']>[0]): ReturnType<TicketRepository['commit']> {
  try {
    return await tickets.commit(c);
  } catch (error) {
    if (error instanceof TransientError) return { ok: false, conflict: 'version' };
    throw error;
  }
}
