import { createHash } from 'node:crypto';
import type { Clock } from '../domain/clock';
import { ConcurrentModificationError, NotFoundError, TransientError } from '../domain/errors';
import type { AttachmentInfo, InboundMessage } from '../domain/inbound-message';
import {
  ACK_THROTTLED_STEP,
  reservedNumber,
  type InboundLedger,
  type InboundRecord,
  type TimerRequest,
  type LedgerOutcome,
  type Mailer,
  type OutboundMail,
  type RawMailStore,
  type SentMail,
  type ThrottleCounter,
  type TicketRepository,
  type TimerScheduler,
} from '../domain/ports';
import { likelyNewTicket, type MailHints } from '../domain/claim-hints';
import type { MessageKind, PendingMail, Ticket, TicketMessage, StoredAttachment } from '../domain/ticket';
import { customerParticipants, isAgentAddress, MAX_PARTICIPANTS } from '../domain/agents';
import { makeReplyToken } from '../domain/reply-token';
import { buildAcknowledgement, buildUnauthorizedReply } from '../domain/outbound';
import { attachmentKey } from '../domain/safe-name';
import { judgeVerdicts, type HeaderLookup, type SesVerdicts } from '../domain/classify';
import { ownLoopReason } from '../domain/loop-guard';
import { throttleWindows } from '../domain/ack-throttle';
import { customerReplyAction, subjectTagAccepted, threadIdCandidates, ticketFromReplyToken, type ThreadMatch } from '../domain/threading';
import { buildStatusUpdate } from '../domain/status-mail';
import { applyStatusChange } from '../domain/sla/deadlines';
import { parseRating } from '../domain/notifications';
import { planAgentMessage } from './apply-agent-reply';
import { deskSender, recipientsOf, type TicketChange } from './ticket-change';
import type { RuntimeConfig } from './runtime-config';
import type { SlaService } from './sla-service';
import { persist, withRetry } from './retry';

/** What the parser hands the use case: the model plus decoded attachment bytes (and the top-level headers, when the parser has them). */
export interface ParsedMail {
  message: InboundMessage;
  attachments: Array<AttachmentInfo & { content: Buffer }>;
  /** Top-level header lookup: lets the loop guard see our own loop header. */
  headers?: HeaderLookup;
}
export type MessageParser = (raw: Buffer) => Promise<ParsedMail>;

export interface IngestDeps {
  tickets: TicketRepository;
  ledger: InboundLedger;
  rawMail: RawMailStore;
  mailer: Mailer;
  timers: TimerScheduler;
  clock: Clock;
  config: RuntimeConfig;
  sla: SlaService;
  parse: MessageParser;
  replyTokenSecret: string;
  /** Per-recipient counters throttling automatic replies (acks, rejections). */
  counters: ThrottleCounter;
}

/** One SES receipt, reduced to what ingest needs (the handler maps the event to this). */
export interface IngestInput {
  sesMessageId: string;
  rawKey: string;
  /** Envelope recipients SES accepted the mail for. */
  recipients: string[];
  receivedAt: Date;
  /** `commonHeaders.messageId`: lets a duplicate be caught before S3 is read. */
  messageId: string | null;
  verdicts: SesVerdicts;
  /** What the SES event shows before the raw mail is read (absent for hand-made inputs). */
  hints?: MailHints;
}

export interface IngestResult {
  outcome: LedgerOutcome;
  ticketId: string | null;
  reason?: string;
  /** True when another delivery of the same message is being processed right now. */
  inFlight?: boolean;
  /** How a reply found its ticket. */
  matchedBy?: ThreadMatch;
}

/** Lease on an inbound record: longer than the function timeout, shorter than Lambda's first async retry. */
const LEASE_MS = 45_000;

/** Bodies above this go to S3 with a pointer, keeping items far below DynamoDB's 400 KB. */
const INLINE_TEXT_LIMIT = 64 * 1024;

function sha256(value: string | Buffer): string {
  return createHash('sha256').update(value).digest('hex');
}

function normalizeMessageId(id: string): string {
  return id.trim().replace(/^<|>$/g, '').trim();
}

/** Dedupe key: the Message-ID when there is one, else a hash of what identifies the mail. */
export function dedupeKeyFor(messageId: string | null, fallback: () => string): string {
  if (messageId && normalizeMessageId(messageId)) return `mid:${sha256(normalizeMessageId(messageId).toLowerCase())}`;
  return `hash:${sha256(fallback())}`;
}

/**
 * Ingests one received mail: deduplicate, read, parse, judge, then open a ticket (with an
 * acknowledgement and an SLA timer) or append to the ticket it answers. Every step is
 * idempotent so a redelivery after a crash finishes what is missing without repeating what is done.
 */
export async function ingestEmail(deps: IngestDeps, input: IngestInput): Promise<IngestResult> {
  const now = deps.clock.now();
  let key: string | null = input.messageId ? dedupeKeyFor(input.messageId, () => '') : null;

  // A message with a Message-ID is deduplicated before S3 is read: a duplicate costs one write.
  if (key) {
    const begun = await claimOrReport(deps, key, input, now);
    if ('result' in begun) return begun.result;
    return finishClaimed(deps, input, key, begun.steps, begun.ticketId, null);
  }

  const raw = await deps.rawMail.getRaw(input.rawKey);
  const parsed = await safeParse(deps.parse, raw);
  const m = parsed.message;
  key = dedupeKeyFor(m.messageId, () =>
    [m.from?.address ?? '', m.date ?? '', m.subject, m.text].join('\u0000'),
  );
  const begun = await claimOrReport(deps, key, input, now);
  if ('result' in begun) return begun.result;
  return finishClaimed(deps, input, key, begun.steps, begun.ticketId, { raw, parsed });
}

/**
 * Claims the delivery. A mail that by its SES event opens a new ticket also reserves its
 * ticket number in the same write, so the ticket costs one commit after the ack instead of
 * one before and one after it. Any other mail takes the plain ledger claim.
 */
async function claimOrReport(
  deps: IngestDeps,
  key: string,
  input: IngestInput,
  now: Date,
): Promise<{ result: IngestResult } | { steps: string[]; ticketId: string | null }> {
  const hints = input.hints;
  if (!hints?.from || judgeVerdicts(input.verdicts).action !== 'accept' || !likelyNewTicket(hints, input.recipients, deps.config.supportAddresses)) {
    return beginOrReport(deps, key, input, now);
  }
  const claimed = await deps.tickets.claimNewTicket({
    key,
    sesMessageId: input.sesMessageId,
    rawKey: input.rawKey,
    now,
    leaseMs: LEASE_MS,
    throttles: throttleWindows('ack', hints.from, now, deps.config.ackThrottle),
  });
  if (claimed.kind === 'fresh') return { steps: claimed.record.steps, ticketId: null };
  const record = claimed.record;
  if (record.state === 'done') return { result: { outcome: 'duplicate', ticketId: record.ticketId } };
  if (record.leaseUntil && record.leaseUntil > now.toISOString()) {
    return { result: { outcome: 'duplicate', ticketId: record.ticketId, inFlight: true } };
  }
  // A crashed attempt's lease ran out: take it over as any claim does (its steps keep the number).
  return beginOrReport(deps, key, input, now);
}

/** {@link processClaimed}, then gives back a reserved ticket number the mail did not use. */
async function finishClaimed(
  deps: IngestDeps,
  input: IngestInput,
  key: string,
  steps: string[],
  knownTicketId: string | null,
  loaded: Loaded | null,
): Promise<IngestResult> {
  const result = await processClaimed(deps, input, key, steps, knownTicketId, loaded);
  const reserved = reservedNumber(steps);
  if (reserved !== null && result.ticketId !== `${deps.config.ticketPrefix}-${reserved}` && !result.inFlight) {
    await deps.tickets.releaseTicketNumber(reserved);
  }
  return result;
}

async function beginOrReport(
  deps: IngestDeps,
  key: string,
  input: IngestInput,
  now: Date,
): Promise<{ result: IngestResult } | { steps: string[]; ticketId: string | null }> {
  const begun = await deps.ledger.begin({
    key,
    sesMessageId: input.sesMessageId,
    rawKey: input.rawKey,
    now,
    leaseMs: LEASE_MS,
  });
  if (begun.kind === 'duplicate') {
    return { result: { outcome: 'duplicate', ticketId: begun.record.ticketId } };
  }
  if (begun.kind === 'busy') {
    // The delivery holding the lease finishes the work; if it crashes, Lambda's retry of *that*
    // invocation resumes it after the lease runs out.
    return { result: { outcome: 'duplicate', ticketId: begun.record.ticketId, inFlight: true } };
  }
  return { steps: begun.record.steps, ticketId: begun.record.ticketId };
}

async function safeParse(parse: MessageParser, raw: Buffer): Promise<ParsedMail> {
  try {
    return await parse(raw);
  } catch (error) {
    // The parser is built never to throw; if it still does, keep the mail as a quarantined record.
    return {
      message: {
        messageId: null, from: null, to: [], cc: [], replyTo: [], subject: '', date: null,
        inReplyTo: null, references: [], text: '', reply: '', attachments: [],
        autoReply: false, bounce: false, ticketRef: null,
        problems: [`parser failed: ${error instanceof Error ? error.message : String(error)}`],
      },
      attachments: [],
    };
  }
}

interface Loaded {
  raw: Buffer;
  parsed: ParsedMail;
}

/** Everything the steps after the claim share. */
interface Claim {
  deps: IngestDeps;
  input: IngestInput;
  key: string;
  steps: string[];
  parsed: ParsedMail;
  /** Sender is an agent whose mail we trust (verdicts, or the local config). */
  trustedAgent: boolean;
}

async function processClaimed(
  deps: IngestDeps,
  input: IngestInput,
  key: string,
  steps: string[],
  knownTicketId: string | null,
  loaded: Loaded | null,
): Promise<IngestResult> {
  // SES's verdicts come with the event: a virus or a DMARC reject is decided before the raw
  // mail is read or parsed (it stays in S3, quarantined, with its recorded reason).
  const verdict = judgeVerdicts(input.verdicts);
  if (verdict.action !== 'accept') {
    const outcome: LedgerOutcome = verdict.action === 'quarantine' ? 'quarantined' : 'dropped';
    await deps.ledger.complete(key, outcome, { reason: verdict.reason ?? verdict.action });
    return { outcome, ticketId: null, reason: verdict.reason };
  }

  const { parsed } = loaded ?? (await load(deps, input));
  const message = parsed.message;
  const { config } = deps;

  const from = message.from?.address?.toLowerCase() ?? null;
  const loop = ownLoopReason(parsed.headers, from, config.supportAddresses);
  if (loop) {
    await deps.ledger.complete(key, 'dropped', { reason: loop });
    return { outcome: 'dropped', ticketId: null, reason: loop };
  }

  // An agent address proves nothing by itself: From is trivially forged. Only mail SES
  // authenticated (or any, where verdicts cannot exist locally) may act as an agent.
  const trustedAgent =
    from !== null && isAgentAddress(config.agents, from) && (verdict.authenticated || config.trustAgentsWithoutVerdicts);
  const claim: Claim = { deps, input, key, steps, parsed, trustedAgent };

  // A retry of a crashed attempt goes where that attempt went.
  if (knownTicketId) {
    if (steps.includes('ticket')) return openTicket(claim, knownTicketId, null);
    return appendToTicket(claim, knownTicketId, undefined);
  }

  if (message.bounce) return attachBounce(claim);

  const match = await findTicket(claim);
  if (match) {
    if (trustedAgent) return appendToTicket(claim, match.ticket.id, match.via, match.ticket);
    // A lone digit answering the feedback request rates the ticket, even a closed one,
    // instead of opening a new ticket.
    const action =
      message.autoReply || ratingOf(match.ticket, message) !== null
        ? 'append'
        : customerReplyAction(match.ticket, deps.clock.now(), config.reopenWindowDays);
    if (action === 'new-linked') return openTicket(claim, null, match.ticket.id);
    // The ticket just read is current enough: the commit's version condition catches a race.
    return appendToTicket(claim, match.ticket.id, match.via, match.ticket);
  }

  if (!trustedAgent) {
    const decision = deps.sla.decide(message);
    if (!decision.authorized) return rejectUnauthorized(claim, decision.account);
  }
  return openTicket(claim, null, null);
}

async function load(deps: IngestDeps, input: IngestInput): Promise<Loaded> {
  const raw = await deps.rawMail.getRaw(input.rawKey);
  return { raw, parsed: await safeParse(deps.parse, raw) };
}

/**
 * The ticket a message answers: any In-Reply-To/References id we stored (customers' and the
 * SES ids of our own mail), else a verified reply token, else the subject tag when the sender
 * is already on that ticket (or a trusted agent).
 */
async function findTicket(claim: Claim): Promise<{ ticket: Ticket; via: ThreadMatch } | null> {
  const { deps, parsed, input } = claim;
  const message = parsed.message;
  const ids = threadIdCandidates(message);
  const byId = ids.length > 0 ? await deps.tickets.findTicketByMessageIds(ids) : null;
  if (byId) {
    const ticket = await deps.tickets.getTicket(byId);
    if (ticket) return { ticket, via: 'references' };
  }
  const addresses = [...input.recipients, ...message.to.map((a) => a.address), ...message.cc.map((a) => a.address)];
  const byToken = ticketFromReplyToken(deps.replyTokenSecret, deps.config.supportAddresses, addresses);
  if (byToken) {
    const ticket = await deps.tickets.getTicket(byToken);
    if (ticket) return { ticket, via: 'reply-token' };
  }
  if (message.ticketRef) {
    const ticket = await deps.tickets.getTicket(message.ticketRef);
    if (ticket && subjectTagAccepted(ticket, message.from?.address ?? null, claim.trustedAgent)) {
      return { ticket, via: 'subject-tag' };
    }
  }
  return null;
}

/** True when an automatic reply of `kind` to `address` is still within the throttle (and counts it). */
async function withinThrottle(deps: IngestDeps, kind: string, address: string): Promise<boolean> {
  for (const window of throttleWindows(kind, address, deps.clock.now(), deps.config.ackThrottle)) {
    if (!(await deps.counters.incrementIfBelow(window.key, window.limit, window.expiresAt))) return false;
  }
  return true;
}

const APPLIED_KEPT = 25;
const THREAD_IDS_KEPT = 50;

function pending(key: string, mails: ReadonlyArray<{ kind: MessageKind; mail: OutboundMail }>, offset = 0): PendingMail[] {
  return mails.map((m, i) => ({ id: `${key}#${offset + i}`, kind: m.kind, mail: m.mail }));
}

/**
 * Joins a message to an existing ticket: the message, its change to the ticket (with the
 * ledger key in `applied` and the mail it causes in the outbox), its Message-ID and the ledger
 * step go in one commit; when nothing is mailed and the timer stays, that commit also closes
 * the ledger record. Mail then goes out and a second commit records it. A retry that finds the
 * commit done goes straight to what is left.
 */
async function appendToTicket(claim: Claim, ticketId: string, via: ThreadMatch | undefined, known?: Ticket): Promise<IngestResult> {
  const { deps, key, input, parsed } = claim;
  const result: IngestResult = { outcome: 'appended', ticketId, ...(via ? { matchedBy: via } : {}) };
  let steps = claim.steps;
  let ticket = known ?? (await deps.tickets.getTicket(ticketId));
  if (!ticket) throw new NotFoundError(`ticket ${ticketId} matched by ${key} is missing`);

  if (!steps.includes(CHANGE_STEP)) {
    const attachments = await storeMessageObjects(deps, ticketId, input, parsed);
    const record = messageRecord(ticketId, input, parsed, attachments, defaultKind(claim));
    const baseMeta = record.meta;
    for (let attempt = 1; ; attempt += 1) {
      const change = ticket.applied?.includes(key) ? null : decideChange(claim, ticket);
      record.kind = change?.kind ?? defaultKind(claim);
      const meta = { ...(baseMeta ?? {}), ...(via ? { matchedBy: via } : {}), ...(change?.meta ?? {}) };
      record.meta = Object.keys(meta).length > 0 ? meta : undefined;
      let updated: Ticket | null = null;
      let plan: TimerPlan = { timer: ticket.timer, arm: null, replaced: null };
      if (change) {
        updated = {
          ...change.ticket,
          version: ticket.version + 1,
          updatedAt: deps.clock.now().toISOString(),
          applied: [...(ticket.applied ?? []), key].slice(-APPLIED_KEPT),
          outbox: [...(ticket.outbox ?? []), ...pending(key, change.mails)],
        };
        plan = planTimer(deps, ticket.timer, updated);
        updated.timer = plan.timer;
        // Armed before the commit names it, so a committed ticket never names a missing schedule.
        if (plan.arm) await deps.timers.arm(plan.arm);
      }
      const finishes = change === null || (change.mails.length === 0 && plan.replaced === null);
      const committed = await deps.tickets.commit({
        ledger: {
          key,
          step: CHANGE_STEP,
          ticketId,
          ...(plan.replaced ? { steps: [`${TIMER_BEFORE}${plan.replaced}`] } : {}),
          ...(finishes ? { complete: 'appended' as const } : {}),
        },
        ...(updated ? { ticket: { write: 'save' as const, ticket: updated } } : {}),
        messages: [record],
        messageIds: parsed.message.messageId ? [parsed.message.messageId] : [],
      });
      if (committed.ok) {
        if (finishes) return result;
        ticket = updated ?? ticket;
        steps = [...steps, CHANGE_STEP, ...(plan.replaced ? [`${TIMER_BEFORE}${plan.replaced}`] : [])];
        break;
      }
      if (committed.conflict === 'done') {
        // Another attempt of this delivery committed it (or this one did and lost the answer).
        if (committed.record?.state === 'done') return result;
        steps = committed.record?.steps ?? steps;
        ticket = (await deps.tickets.getTicket(ticketId)) ?? ticket;
        break;
      }
      if (committed.conflict !== 'version' || attempt >= RACE_ATTEMPTS) {
        throw new ConcurrentModificationError(`ticket ${ticketId}: ${key} could not be applied (${committed.conflict})`);
      }
      const fresh = await deps.tickets.getTicket(ticketId);
      if (!fresh) throw new NotFoundError(`ticket ${ticketId} matched by ${key} is missing`);
      // The schedule just armed is nobody's unless the winner armed the same name (same version read).
      if (plan.arm && fresh.timer?.name !== plan.arm.name) await deps.timers.cancel(plan.arm.name);
      await raceBackoff(attempt);
      ticket = fresh;
    }
  }

  const replaced = replacedTimer(steps);
  if (replaced && replaced !== ticket.timer?.name) await deps.timers.cancel(replaced);
  await flushOutbox(deps, key, steps, ticket, 'appended');
  return result;
}

/** The ledger step of the commit that applies a message to its ticket. */
const CHANGE_STEP = 'change';

interface TimerPlan {
  /** What the saved ticket names as its pending schedule. */
  timer: Ticket['timer'];
  /** The schedule to create first, when the nearest deadline moved. */
  arm: TimerRequest | null;
  /** The schedule to delete after the commit. */
  replaced: string | null;
}

/**
 * The schedule `updated` needs. Its name carries the ticket version, but a new name alone is
 * no reason to re-arm: when the nearest deadline keeps its kind and instant, the pending
 * schedule stays (the timer handler checks the ticket still names it and that the deadline in
 * its payload still is the nearest, both of which hold), saving a create and a delete.
 */
function planTimer(deps: IngestDeps, current: Ticket['timer'], updated: Ticket): TimerPlan {
  const next = deps.sla.nextTimer(updated, deps.clock.now());
  if (!next) return { timer: null, arm: null, replaced: current?.name ?? null };
  if (current && current.kind === next.kind && current.at === next.at.toISOString()) return { timer: current, arm: null, replaced: null };
  return { timer: { name: next.name, at: next.at.toISOString(), kind: next.kind }, arm: next, replaced: current?.name ?? null };
}

function defaultKind(claim: Claim): MessageKind {
  const m = claim.parsed.message;
  if (m.bounce) return 'bounce';
  if (claim.trustedAgent) return 'agent';
  return m.autoReply ? 'auto-reply' : 'customer';
}

function decideChange(claim: Claim, ticket: Ticket): TicketChange {
  const m = claim.parsed.message;
  if (m.bounce) return bounceChange(ticket, m);
  if (claim.trustedAgent) return planAgentMessage(claim.deps, ticket, m);
  return customerChange(claim, ticket);
}

/**
 * A customer's message on a ticket: new people in From/To/Cc become participants, the thread
 * ids move on, a resolved ticket within the reopen window reopens, and an answer to a
 * clarification request puts the ticket back in progress (both mail a status update).
 * An out-of-office answer is only stored.
 */
function customerChange(claim: Claim, ticket: Ticket): TicketChange {
  const { deps, parsed } = claim;
  const m = parsed.message;
  if (m.autoReply) return { ticket, mails: [], kind: 'auto-reply', meta: { autoReply: true } };
  const rating = ratingOf(ticket, m);
  if (rating !== null) return { ticket: { ...ticket, rating }, mails: [], kind: 'customer', meta: { rating } };
  const now = deps.clock.now();
  const known = [ticket.requester.address, ...ticket.participants.map((p) => p.address)];
  const newcomers = customerParticipants([...(m.from ? [m.from] : []), ...m.to, ...m.cc], {
    supportAddresses: deps.config.supportAddresses,
    agents: deps.config.agents,
    exclude: known,
    limit: Math.max(0, MAX_PARTICIPANTS - ticket.participants.length),
  });
  let t: Ticket = {
    ...ticket,
    participants: [...ticket.participants, ...newcomers],
    ...(m.messageId
      ? { lastCustomerMessageId: m.messageId, threadIds: [...ticket.threadIds.filter((id) => id !== m.messageId), m.messageId].slice(-THREAD_IDS_KEPT) }
      : {}),
  };
  const policy = deps.sla.policyFor(t.account, t.sla.aroundTheClock);
  let to: Ticket['status'] | null = null;
  let note: string | null = null;
  if (t.status === 'resolved' && customerReplyAction(t, now, deps.config.reopenWindowDays) === 'reopen') {
    to = 'open';
    note = 'Your reply reopened it; an agent will get back to you.';
  } else if (t.status === 'needs_clarification') {
    to = 'in_progress';
    note = 'Thank you for the details; an agent is working on it again.';
  }
  const mails: TicketChange['mails'] = [];
  const meta: Record<string, unknown> = {};
  if (newcomers.length > 0) meta.participantsAdded = newcomers.map((p) => p.address);
  if (to) {
    const from = t.status;
    t = {
      ...t,
      status: to,
      sla: applyStatusChange(t.sla, policy, t.priority, from, to, now, { warningFraction: deps.config.warningFraction }),
    };
    meta.status = { from, to };
    const recipients = recipientsOf(deps, t);
    if (recipients.to.length > 0) {
      mails.push({
        kind: 'notification',
        mail: buildStatusUpdate({ ticket: t, from, sender: deskSender(deps, t), recipients, reopenWindowDays: deps.config.reopenWindowDays, note }),
      });
    }
  }
  return { ticket: t, mails, kind: 'customer', ...(Object.keys(meta).length > 0 ? { meta } : {}) };
}

/** The 1-5 rating a customer's reply gives a resolved or closed ticket, else null. */
function ratingOf(ticket: Ticket, m: InboundMessage): number | null {
  if (ticket.status !== 'resolved' && ticket.status !== 'closed') return null;
  return parseRating(m.reply || m.text);
}

/** A bounce marks the recipients that failed, so later mail leaves them out; nothing is sent. */
function bounceChange(ticket: Ticket, m: InboundMessage): TicketChange {
  const failed = (m.failedRecipients ?? []).map((a) => a.toLowerCase());
  const bounced = [...new Set([...(ticket.bouncedRecipients ?? []), ...failed])];
  return {
    ticket: { ...ticket, bouncedRecipients: bounced },
    mails: [],
    kind: 'bounce',
    meta: { failedRecipients: failed, bouncedMessageId: m.bouncedMessageId ?? null },
  };
}

/** A bounce belongs to the ticket of the mail that bounced; one we cannot place is recorded and dropped. */
async function attachBounce(claim: Claim): Promise<IngestResult> {
  const { deps, parsed, key } = claim;
  const m = parsed.message;
  const ids = threadIdCandidates(m, m.bouncedMessageId);
  const ticketId = await deps.tickets.findTicketByMessageIds(ids);
  const ticket = ticketId ? await deps.tickets.getTicket(ticketId) : null;
  if (ticket) return appendToTicket(claim, ticket.id, 'references', ticket);
  const reason = 'bounce of a message that is not ours (raw mail kept)';
  await deps.ledger.complete(key, 'dropped', { reason });
  return { outcome: 'dropped', ticketId: null, reason };
}

/**
 * The account only lets listed senders open tickets: a polite answer naming the primary
 * contact (throttled like acks, never to an automatic message), no ticket, the event recorded.
 */
async function rejectUnauthorized(claim: Claim, account: { id: string; name?: string; primaryContact?: string } | null): Promise<IngestResult> {
  const { deps, parsed, key, steps } = claim;
  const m = parsed.message;
  const reason = `sender ${m.from?.address ?? '(none)'} is not an authorized sender of account ${account?.id ?? '(unknown)'}`;
  if (m.from && !m.autoReply && !steps.includes('reply') && (await withinThrottle(deps, 'reject', m.from.address))) {
    const reply = buildUnauthorizedReply({
      to: m.from,
      subject: m.subject,
      supportAddress: deps.config.supportAddresses[0],
      supportName: deps.config.supportName,
      accountName: account?.name ?? account?.id ?? null,
      primaryContact: account?.primaryContact ?? null,
      messageId: m.messageId,
      references: m.references,
    });
    await deps.mailer.send(reply);
    await withRetry(() => deps.ledger.progress(key, { step: 'reply' }));
  }
  await deps.ledger.complete(key, 'rejected', { reason });
  return { outcome: 'rejected', ticketId: null, reason };
}

/**
 * Opens a ticket (or finishes opening it after a crash). One commit moves the region counter,
 * creates the ticket (naming the schedule it arms next, its acknowledgement in the outbox),
 * stores the message and its Message-ID, counts the ack against the throttle and records the
 * ticket on the ledger; the ledger record, not a separate claim, is what makes a retried
 * delivery find this ticket instead of taking a second number. A reply after a ticket was
 * closed (or resolved too long ago) opens a new one that links the old.
 */
async function openTicket(claim: Claim, knownTicketId: string | null, linkedTicketId: string | null): Promise<IngestResult> {
  const { deps, key, parsed } = claim;
  let steps = claim.steps;
  const reserved = knownTicketId ? null : reservedNumber(steps);
  if (reserved !== null) return openReserved(claim, linkedTicketId, reserved);
  let ticket: Ticket;
  let timer: TimerRequest | null = null;
  const created = knownTicketId ? null : await createTicket(claim, linkedTicketId);
  if (created && 'ticket' in created) {
    ticket = created.ticket;
    timer = created.timer;
    steps = [...steps, 'ticket'];
  } else {
    const id = knownTicketId ?? created?.record?.ticketId ?? null;
    if (created?.record?.state === 'done') return { outcome: 'created', ticketId: id };
    steps = created?.record?.steps ?? steps;
    const existing = id ? await deps.tickets.getTicket(id) : null;
    if (!existing) throw new NotFoundError(`ticket ${id ?? '(none)'} recorded for ${key} is missing`);
    ticket = existing;
    // The crashed attempt may have stopped before its uploads: they are idempotent puts.
    await storeMessageObjects(deps, ticket.id, claim.input, parsed);
    const next = deps.sla.nextTimer(ticket, deps.clock.now());
    if (ticket.timer && next?.name === ticket.timer.name) timer = next;
    else ticket = await armTimerRetrying(deps, ticket, null);
  }
  // The schedule is created after the commit that names it: a crash in between is resumed above
  // (an existing name counts as success), and nothing ever names a schedule that was not asked for.
  if (timer) await deps.timers.arm(timer);
  await flushOutbox(deps, key, steps, ticket, 'created');
  return { outcome: 'created', ticketId: ticket.id };
}

/**
 * Opens ticket number `n`, reserved with the claim (and the ack throttle counted there): stores
 * the attachments, arms the schedule, sends the ack, then one commit writes the ticket, both
 * messages, their Message-IDs and the finished ledger record. Every step before the commit is
 * idempotent under the reserved number (puts, a schedule name that exists is success), so a
 * retry of a crashed attempt redoes them; only a crash between the send and the commit sends
 * the ack again, the same window as any mail sent before its record. The schedule may exist a
 * moment before its ticket: the timer handler skips a ticket it cannot find.
 */
async function openReserved(claim: Claim, linkedTicketId: string | null, n: number): Promise<IngestResult> {
  const { deps, input, key, parsed } = claim;
  const { config } = deps;
  const message = parsed.message;
  const now = deps.clock.now();
  const id = `${config.ticketPrefix}-${n}`;
  const throttled = claim.steps.includes(ACK_THROTTLED_STEP);
  const ticket = newTicket(deps, id, n, parsed, input.receivedAt);
  ticket.linkedTicketId = linkedTicketId;
  ticket.applied = [key];
  ticket.outbox = [];
  const automatic = message.autoReply || message.bounce;
  const ack = !automatic && message.from && ticket.requester.address && !throttled ? acknowledgement(deps, ticket, message, linkedTicketId) : null;
  const timer = deps.sla.nextTimer(ticket, now);
  ticket.timer = timer ? { name: timer.name, at: timer.at.toISOString(), kind: timer.kind } : null;

  const attachments = await storeMessageObjects(deps, id, input, parsed);
  if (timer) await deps.timers.arm(timer);
  const sent = ack ? { ...(await deps.mailer.send(ack)), at: deps.clock.now().toISOString() } : null;
  if (sent) ticket.threadIds = [...ticket.threadIds, sent.messageId].slice(-THREAD_IDS_KEPT);

  const record = openingRecord(claim, id, attachments, throttled, linkedTicketId);
  const committed = await persist(() =>
    deps.tickets.commit({
      ledger: { key, step: 'ticket', ticketId: id, steps: sent ? [sentStep('0', sent)] : [], complete: 'created' },
      ticket: { write: 'create', ticket, numberReserved: true },
      messages: [record, ...(ack && sent ? [outboundRecord(id, new Date(sent.at), 'ack', ack, sent)] : [])],
      messageIds: [...(message.messageId ? [message.messageId] : []), ...(sent ? [sent.messageId] : [])],
    }),
  );
  // `done`: this very commit landed on an earlier try whose answer was lost.
  if (!committed.ok && committed.conflict !== 'done') {
    throw new ConcurrentModificationError(`ticket ${id}: reserved for ${key} but refused (${committed.conflict})`);
  }
  return { outcome: 'created', ticketId: id };
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
  const record = messageRecord(ticketId, claim.input, claim.parsed, attachments, defaultKind({ ...claim, trustedAgent: false }));
  const meta: Record<string, unknown> = { ...(record.meta ?? {}) };
  if (throttled) meta.ackThrottled = true;
  if (linkedTicketId) meta.linkedTicketId = linkedTicketId;
  if (Object.keys(meta).length > 0) record.meta = meta;
  return record;
}

/** Most commits a new ticket tries (counter races, then the throttle): far above any real contention. */
const CREATE_ATTEMPTS = 100;

async function createTicket(
  claim: Claim,
  linkedTicketId: string | null,
): Promise<{ ticket: Ticket; timer: TimerRequest | null } | { record: InboundRecord | null }> {
  const { deps, input, key, parsed } = claim;
  const { config } = deps;
  const message = parsed.message;
  const now = deps.clock.now();
  let number = await deps.tickets.nextTicketNumber();
  let throttled = false;
  for (let attempt = 1; ; attempt += 1) {
    const id = `${config.ticketPrefix}-${number}`;
    const ticket = newTicket(deps, id, number, parsed, input.receivedAt);
    ticket.linkedTicketId = linkedTicketId;
    ticket.applied = [key];
    const automatic = message.autoReply || message.bounce;
    const acks = !automatic && message.from && ticket.requester.address && !throttled;
    const mails: TicketChange['mails'] = [];
    if (acks) mails.push({ kind: 'ack', mail: acknowledgement(deps, ticket, message, linkedTicketId) });
    ticket.outbox = pending(key, mails);
    const timer = deps.sla.nextTimer(ticket, now);
    ticket.timer = timer ? { name: timer.name, at: timer.at.toISOString(), kind: timer.kind } : null;
    // Attachments are stored after the commit: before it the number (so the key) is only a guess.
    const attachments = storedAttachments(ticket.id, parsed);
    const record = openingRecord(claim, ticket.id, attachments, throttled, linkedTicketId);
    const committed = await deps.tickets.commit({
      ledger: { key, step: 'ticket', ticketId: id, ...(throttled ? { steps: [ACK_THROTTLED_STEP] } : {}) },
      ticket: { write: 'create', ticket },
      messages: [record],
      messageIds: message.messageId ? [message.messageId] : [],
      throttles: acks ? throttleWindows('ack', ticket.requester.address, now, config.ackThrottle) : [],
    });
    if (committed.ok) {
      await storeMessageObjects(deps, ticket.id, input, parsed);
      return { ticket, timer };
    }
    if (committed.conflict === 'done') return { record: committed.record };
    if (attempt >= CREATE_ATTEMPTS) throw new TransientError(`opening a ticket for ${key}: ${committed.conflict} after ${attempt} attempts`);
    if (committed.conflict === 'throttle') throttled = true;
    else {
      if (committed.conflict === 'number') number = committed.current + 1;
      else number = await deps.tickets.nextTicketNumber();
      await raceBackoff(Math.min(attempt, 5));
    }
  }
}

/** Ledger step naming the schedule the ticket had before this message re-armed it (deleted after the commit). */
const TIMER_BEFORE = 'timer-before:';

/** The schedule a crashed attempt was replacing when it re-armed the ticket, if any. */
function replacedTimer(steps: readonly string[]): string | null {
  const step = steps.find((s) => s.startsWith(TIMER_BEFORE));
  return step ? step.slice(TIMER_BEFORE.length) : null;
}

/** Ledger step recording that pending mail `n` went out, with the ids SES gave it. */
const sentStep = (n: string, sent: SentMail & { at: string }) => `sent:${n} ${sent.sesMessageId} ${sent.messageId} ${sent.at}`;

function sentFromSteps(steps: readonly string[], n: string): (SentMail & { at: string }) | null {
  const step = steps.find((s) => s.startsWith(`sent:${n} `));
  if (!step) return null;
  const [, sesMessageId, messageId, at] = step.split(' ');
  return sesMessageId && messageId && at ? { sesMessageId, messageId, at } : null;
}

/**
 * Sends the ticket's pending mail caused by `key`, then one commit records it all and closes
 * the ledger record: the outbound messages with their SES ids, those ids in the Message-ID
 * map (replies to them thread back) and on the ticket, the outbox emptied. The commit is
 * retried in-process, since failing the invocation here would send the mail again; when a
 * change sends several mails, each but the last is also noted on the ledger right after it
 * left, so a crash between two sends does not repeat the first.
 */
async function flushOutbox(deps: IngestDeps, key: string, steps: string[], start: Ticket, outcome: LedgerOutcome): Promise<Ticket> {
  const mine = (start.outbox ?? []).filter((p) => p.id.startsWith(`${key}#`));
  if (mine.length === 0) {
    await deps.ledger.complete(key, outcome, { ticketId: start.id });
    return start;
  }
  const sends: Array<{ entry: PendingMail; sent: SentMail & { at: string }; noted: boolean }> = [];
  for (const [i, entry] of mine.entries()) {
    const n = entry.id.slice(key.length + 1);
    const noted = sentFromSteps(steps, n);
    if (noted) {
      sends.push({ entry, sent: noted, noted: true });
      continue;
    }
    const sent = { ...(await deps.mailer.send(entry.mail)), at: deps.clock.now().toISOString() };
    const last = i === mine.length - 1;
    if (!last) await persist(() => deps.ledger.progress(key, { step: sentStep(n, sent) }));
    sends.push({ entry, sent, noted: !last });
  }
  // The customer's References carry only mail the customer got, not errors mailed to agents.
  const sentIds = sends.filter((s) => s.entry.kind !== 'system').map((s) => s.sent.messageId);
  return persist(async () => {
    let ticket = start;
    for (let attempt = 1; ; attempt += 1) {
      const threadIds = [...ticket.threadIds, ...sentIds.filter((id) => !ticket.threadIds.includes(id))].slice(-THREAD_IDS_KEPT);
      const updated: Ticket = {
        ...ticket,
        version: ticket.version + 1,
        threadIds,
        outbox: (ticket.outbox ?? []).filter((p) => !p.id.startsWith(`${key}#`)),
      };
      const committed = await deps.tickets.commit({
        ledger: {
          key,
          step: SENT_STEP,
          ticketId: ticket.id,
          steps: sends.filter((s) => !s.noted).map((s) => sentStep(s.entry.id.slice(key.length + 1), s.sent)),
          complete: outcome,
        },
        ticket: { write: 'save', ticket: updated },
        messages: sends.map((s) => outboundRecord(ticket.id, new Date(s.sent.at), s.entry.kind, s.entry.mail, s.sent)),
        messageIds: sends.map((s) => s.sent.messageId),
      });
      if (committed.ok) return updated;
      // This very commit landed on an earlier try whose answer was lost.
      if (committed.conflict === 'done') return ticket;
      if (committed.conflict !== 'version' || attempt >= RACE_ATTEMPTS) {
        throw new ConcurrentModificationError(`ticket ${ticket.id}: sent mail of ${key} not recorded (${committed.conflict})`);
      }
      await raceBackoff(attempt);
      const fresh = await deps.tickets.getTicket(start.id);
      if (!fresh) throw new NotFoundError(`ticket ${start.id} is missing`);
      ticket = fresh;
    }
  });
}

/** The ledger step of the commit recording sent mail (it closes the record). */
const SENT_STEP = 'sent';

/** {@link armTimer}, re-reading the ticket when a concurrent message saved it first. */
async function armTimerRetrying(deps: IngestDeps, start: Ticket, stray: string | null): Promise<Ticket> {
  let ticket = start;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await armTimer(deps, ticket, { stray });
    } catch (error) {
      if (!(error instanceof ConcurrentModificationError) || attempt >= RACE_ATTEMPTS) throw error;
      await raceBackoff(attempt);
      ticket = (await deps.tickets.getTicket(start.id))!;
    }
  }
}

/**
 * Optimistic saves of one ticket lost to a concurrent writer: a busy thread (20 replies at
 * once) needs more than a handful of immediate re-reads, which would collide again in lockstep.
 */
const RACE_ATTEMPTS = 25;

/** Full-jitter backoff between re-reads of a contended ticket (at most ~250 ms). */
function raceBackoff(attempt: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(250, 5 * 2 ** attempt)));
}

function newTicket(deps: IngestDeps, id: string, number: number, parsed: ParsedMail, receivedAt: Date): Ticket {
  const message = parsed.message;
  const decision = deps.sla.decide(message);
  const priority = decision.priority;
  const accountId = decision.account?.id ?? null;
  const at = receivedAt.toISOString();
  return {
    id,
    number,
    status: 'open',
    priority,
    requester: message.from ?? { name: '', address: '' },
    participants: customerParticipants([...message.to, ...message.cc], {
      supportAddresses: deps.config.supportAddresses,
      agents: deps.config.agents,
      exclude: message.from ? [message.from.address] : [],
    }),
    subject: message.subject || '(no subject)',
    account: accountId,
    assignee: decision.assignee,
    tier: 1,
    createdAt: at,
    updatedAt: at,
    version: 1,
    replyToken: makeReplyToken(deps.replyTokenSecret, id),
    rootMessageId: message.messageId,
    threadIds: message.messageId ? [message.messageId] : [],
    lastCustomerMessageId: message.messageId,
    linkedTicketId: null,
    plannedFor: null,
    sla: deps.sla.initial(priority, receivedAt, accountId, decision.aroundTheClock),
    remindersSent: 0,
    rating: null,
    timer: null,
  };
}

/** Where the message's attachments live under the ticket's prefix. */
function storedAttachments(ticketId: string, parsed: ParsedMail): StoredAttachment[] {
  return parsed.attachments.map((attachment, index) => ({
    filename: attachment.filename,
    contentType: attachment.contentType,
    size: attachment.size,
    sha256: attachment.sha256,
    inline: attachment.inline,
    key: attachmentKey(ticketId, index + 1, attachment.filename),
  }));
}

const bodyKey = (ticketId: string, input: IngestInput) => `tickets/${ticketId}/bodies/in-${input.sesMessageId}.txt`;
const bodyTooLarge = (parsed: ParsedMail) => Buffer.byteLength(parsed.message.text, 'utf8') > INLINE_TEXT_LIMIT;

/** Uploads what the message record points at (attachments, a large body): idempotent puts. */
async function storeMessageObjects(deps: IngestDeps, ticketId: string, input: IngestInput, parsed: ParsedMail): Promise<StoredAttachment[]> {
  const stored = storedAttachments(ticketId, parsed);
  for (const [index, attachment] of parsed.attachments.entries()) {
    await deps.rawMail.putObject(stored[index].key!, attachment.content, attachment.contentType);
  }
  if (bodyTooLarge(parsed)) await deps.rawMail.putObject(bodyKey(ticketId, input), parsed.message.text, 'text/plain; charset=utf-8');
  return stored;
}

function messageRecord(
  ticketId: string,
  input: IngestInput,
  parsed: ParsedMail,
  attachments: StoredAttachment[],
  kind: TicketMessage['kind'],
): TicketMessage {
  const message = parsed.message;
  const large = bodyTooLarge(parsed);
  return {
    ticketId,
    key: `in-${input.sesMessageId}`,
    at: input.receivedAt.toISOString(),
    direction: 'inbound',
    kind,
    from: message.from,
    to: message.to,
    cc: message.cc,
    subject: message.subject,
    text: large ? null : message.text,
    textKey: large ? bodyKey(ticketId, input) : null,
    messageId: message.messageId,
    sesMessageId: input.sesMessageId,
    rawKey: input.rawKey,
    attachments,
    meta: message.problems.length > 0 ? { problems: message.problems } : undefined,
  };
}

function outboundRecord(
  ticketId: string,
  at: Date,
  kind: TicketMessage['kind'],
  mail: OutboundMail,
  sent: SentMail,
): TicketMessage {
  return {
    ticketId,
    key: `out-${sent.sesMessageId}`,
    at: at.toISOString(),
    direction: 'outbound',
    kind,
    from: mail.from,
    to: mail.to,
    cc: mail.cc ?? [],
    subject: mail.subject,
    text: mail.text,
    textKey: null,
    messageId: sent.messageId,
    sesMessageId: sent.sesMessageId,
    rawKey: null,
    attachments: [],
  };
}

/**
 * Points the ticket's one pending schedule at its nearest deadline: arms the new schedule
 * first (a name conflict from a retry is success), saves the ticket with it, then deletes the
 * old one, so a crash in between never leaves a ticket without a schedule. The retry of such a
 * crashed attempt passes the schedule that attempt replaced (`stray`, from its ledger steps)
 * and it is deleted again, so no extra schedule is left either.
 */
export async function armTimer(
  deps: Pick<IngestDeps, 'timers' | 'sla' | 'clock' | 'tickets'>,
  ticket: Ticket,
  opts: { stray?: string | null } = {},
): Promise<Ticket> {
  const next = deps.sla.nextTimer(ticket, deps.clock.now());
  const current = ticket.timer;
  // Only a retry pays this call: deleting a schedule that is already gone is success.
  if (opts.stray && opts.stray !== current?.name && opts.stray !== next?.name) await deps.timers.cancel(opts.stray);
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
