import { throttleWindows } from '../domain/ack-throttle';
import { ackDecision, openingTicket, queueMails } from '../domain/conversation';
import { ConcurrentModificationError, NotFoundError, TransientError } from '../domain/errors';
import type { InboundMessage } from '../domain/inbound-message';
import { buildAcknowledgement } from '../domain/outbound';
import { ACK_THROTTLED_STEP, reservedNumber, type OutboundMail, type TimerRequest } from '../domain/ports';
import { makeReplyToken } from '../domain/reply-token';
import type { StoredAttachment, Ticket, TicketMessage } from '../domain/ticket';
import { armBefore, armTimerRetrying, deliverOutbox, raceBackoff } from './deliver';
import { STEP } from './inbound-claim';
import type { Claim, IngestDeps, IngestResult } from './ingest-types';
import { messageRecord, storeMessageObjects, storedAttachments, withMeta } from './records';

/**
 * Opening a ticket, in the order every path of ingest and the timers keeps:
 *   decide (the ticket, its ack queued in its outbox, its schedule) -> commit (the ticket,
 *   the message, its Message-ID, the ledger step) -> send the ack from the committed outbox
 *   and record it.
 * A mail whose SES event showed a new ticket reserved its number with its claim: the id is
 * known before the commit, so the attachments and the schedule are created first and one
 * commit stores everything. Any other new ticket guesses its number and the commit checks the
 * guess against the region counter; its objects and schedule follow the commit. Either way the
 * ledger record is closed only by the record of the last send, so a crash anywhere before it is
 * finished by the retry. A reply after a ticket was closed (or resolved too long ago) opens a
 * new ticket that links the old.
 */
export async function openTicket(claim: Claim, knownTicketId: string | null, linkedTicketId: string | null): Promise<IngestResult> {
  if (knownTicketId) return finishOpening(claim, knownTicketId);
  const reserved = reservedNumber(claim.steps);
  if (reserved !== null) return openReserved(claim, linkedTicketId, reserved);
  return openGuessed(claim, linkedTicketId);
}

/** The new ticket `claim`'s message opens as number `n`, its ack queued (unless `throttled`) and its schedule named. */
function decideOpening(claim: Claim, n: number, linkedTicketId: string | null, throttled: boolean): { ticket: Ticket; timer: TimerRequest | null; acks: boolean } {
  const { deps, input, key, parsed } = claim;
  const { config } = deps;
  const id = `${config.ticketPrefix}-${n}`;
  const decision = deps.sla.decide(parsed.message);
  const ticket = openingTicket({
    id,
    number: n,
    message: parsed.message,
    decision,
    sla: deps.sla.initial(decision.priority, input.receivedAt, decision.account?.id ?? null, decision.aroundTheClock),
    replyToken: makeReplyToken(deps.replyTokenSecret, id),
    receivedAt: input.receivedAt,
    supportAddresses: config.supportAddresses,
    agents: config.agents,
    linkedTicketId,
    key,
  });
  const acks = ackDecision(parsed.message, throttled).ack;
  if (acks) ticket.outbox = queueMails(key, [{ kind: 'ack', mail: acknowledgement(deps, ticket, parsed.message, linkedTicketId) }]);
  const timer = deps.sla.nextTimer(ticket, deps.clock.now());
  ticket.timer = timer ? { name: timer.name, at: timer.at.toISOString(), kind: timer.kind } : null;
  return { ticket, timer, acks };
}

/** Number `n` was reserved with the claim (and the ack throttle counted there). */
async function openReserved(claim: Claim, linkedTicketId: string | null, n: number): Promise<IngestResult> {
  const { deps, input, key, parsed } = claim;
  const throttled = claim.steps.includes(ACK_THROTTLED_STEP);
  const { ticket, timer } = decideOpening(claim, n, linkedTicketId, throttled);
  const attachments = await storeMessageObjects(deps.rawMail, ticket.id, input, parsed);
  await armBefore(deps, timer);
  const sends = (ticket.outbox ?? []).length > 0;
  const committed = await deps.tickets.commit({
    ledger: { key, step: STEP.ticket, ticketId: ticket.id, ...(sends ? {} : { complete: 'created' as const }) },
    ticket: { write: 'create', ticket, numberReserved: true },
    messages: [openingRecord(claim, ticket.id, attachments, throttled, linkedTicketId)],
    messageIds: parsed.message.messageId ? [parsed.message.messageId] : [],
  });
  if (committed.ok) {
    if (sends) await deliverOutbox(deps, ticket, { prefix: `${key}#`, ledger: { key, outcome: 'created' } });
    return { outcome: 'created', ticketId: ticket.id };
  }
  // `done`: this very commit landed on an earlier try whose answer was lost.
  if (committed.conflict === 'done') return committed.record?.state === 'done' ? { outcome: 'created', ticketId: ticket.id } : finishOpening(claim, ticket.id);
  throw new ConcurrentModificationError(`ticket ${ticket.id}: reserved for ${key} but refused (${committed.conflict})`);
}

/** Most commits a new ticket tries (counter races, then the throttle): far above any real contention. */
const CREATE_ATTEMPTS = 100;

/** No number was reserved: the commit moves the counter from the guess, and counts the ack throttle. */
async function openGuessed(claim: Claim, linkedTicketId: string | null): Promise<IngestResult> {
  const { deps, key, parsed } = claim;
  let number = await deps.tickets.nextTicketNumber();
  let throttled = false;
  for (let attempt = 1; ; attempt += 1) {
    const { ticket, acks } = decideOpening(claim, number, linkedTicketId, throttled);
    // Attachments are stored after the commit: before it the number (so the key) is only a guess.
    const record = openingRecord(claim, ticket.id, storedAttachments(ticket.id, parsed), throttled, linkedTicketId);
    const committed = await deps.tickets.commit({
      ledger: { key, step: STEP.ticket, ticketId: ticket.id, ...(throttled ? { steps: [ACK_THROTTLED_STEP] } : {}) },
      ticket: { write: 'create', ticket },
      messages: [record],
      messageIds: parsed.message.messageId ? [parsed.message.messageId] : [],
      throttles: acks ? throttleWindows('ack', ticket.requester.address, deps.clock.now(), deps.config.ackThrottle) : [],
    });
    if (committed.ok) return finishOpening(claim, ticket.id, ticket);
    if (committed.conflict === 'done') {
      if (committed.record?.state === 'done') return { outcome: 'created', ticketId: committed.record.ticketId };
      return finishOpening(claim, committed.record?.ticketId ?? ticket.id);
    }
    if (attempt >= CREATE_ATTEMPTS) throw new TransientError(`opening a ticket for ${key}: ${committed.conflict} after ${attempt} attempts`);
    if (committed.conflict === 'throttle') throttled = true;
    else {
      number = committed.conflict === 'number' ? committed.current + 1 : await deps.tickets.nextTicketNumber();
      await raceBackoff(Math.min(attempt, 5));
    }
  }
}

/**
 * After the commit that opened `ticketId` (this attempt's, or a crashed one's): its objects
 * stored, its schedule created, its ack sent and recorded. Every step is idempotent, so a retry
 * redoes what it cannot tell was done.
 */
async function finishOpening(claim: Claim, ticketId: string, committed?: Ticket): Promise<IngestResult> {
  const { deps, key, input, parsed } = claim;
  let ticket = committed ?? (await deps.tickets.getTicket(ticketId));
  if (!ticket) throw new NotFoundError(`ticket ${ticketId} recorded for ${key} is missing`);
  await storeMessageObjects(deps.rawMail, ticket.id, input, parsed);
  const next = deps.sla.nextTimer(ticket, deps.clock.now());
  // A schedule that exists already counts as created: the retry re-creates the name the commit saved.
  if (ticket.timer && next?.name === ticket.timer.name) await deps.timers.arm(next);
  else ticket = await armTimerRetrying(deps, ticket);
  await deliverOutbox(deps, ticket, { prefix: `${key}#`, ledger: { key, outcome: 'created' } });
  return { outcome: 'created', ticketId: ticket.id };
}

/** The acknowledgement of a new ticket, threaded on the customer's message. */
function acknowledgement(deps: IngestDeps, ticket: Ticket, message: InboundMessage, linkedTicketId: string | null): OutboundMail {
  return buildAcknowledgement({
    ticket,
    supportAddress: deps.config.supportAddresses[0],
    supportName: deps.config.supportName,
    replyAddressToken: ticket.replyToken,
    customerMessageId: message.messageId,
    customerReferences: message.references,
    timezone: deps.config.displayTimezone ?? deps.sla.policy.timezone,
    followsUp: linkedTicketId,
  });
}

/** The message record that opens a ticket, noting a withheld ack and the ticket it follows up. */
function openingRecord(claim: Claim, ticketId: string, attachments: StoredAttachment[], throttled: boolean, linkedTicketId: string | null): TicketMessage {
  const m = claim.parsed.message;
  const record = messageRecord(ticketId, claim.input, claim.parsed, attachments, m.bounce ? 'bounce' : m.autoReply ? 'auto-reply' : 'customer');
  return withMeta(record, { ...(throttled ? { ackThrottled: true } : {}), ...(linkedTicketId ? { linkedTicketId } : {}) });
}
