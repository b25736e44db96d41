import { createHash } from 'node:crypto';
import { judgeVerdicts } from '../domain/classify';
import { likelyNewTicket } from '../domain/claim-hints';
import { throttleWindows } from '../domain/ack-throttle';
import { reservedNumber, type InboundLedger, type TicketRepository } from '../domain/ports';
import type { RuntimeConfig } from './runtime-config';
import type { IngestInput, IngestResult } from './ingest-types';

/**
 * The claim on one inbound delivery: the dedupe key, the lease, the step log a retry resumes
 * from, and the reports a delivery gets when another one has the mail already. A duplicate
 * costs the claim's one write and nothing else.
 */

/** Lease on an inbound record: longer than the function timeout, shorter than Lambda's first async retry. */
export const LEASE_MS = 45_000;

/** Ledger steps: what a retry of a crashed attempt finds done. */
export const STEP = {
  /** The commit that opened the ticket. */
  ticket: 'ticket',
  /** The commit that applied the message to the ticket it joined. */
  change: 'change',
  /** The rejection reply was decided (and throttled) and is due to go out. */
  refusal: 'refusal',
} as const;

/** Ledger step naming the schedule the ticket had before this message re-armed it (deleted after the commit). */
export const TIMER_BEFORE = 'timer-before:';

/** The schedule a crashed attempt was replacing when it re-armed the ticket, if any. */
export function replacedTimer(steps: readonly string[]): string | null {
  const step = steps.find((s) => s.startsWith(TIMER_BEFORE));
  return step ? step.slice(TIMER_BEFORE.length) : null;
}

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

/** A claimed delivery: its key, the steps an earlier attempt finished, the ticket it went to. */
export interface Claimed {
  key: string;
  steps: string[];
  ticketId: string | null;
}

export interface ClaimDeps {
  tickets: TicketRepository;
  ledger: InboundLedger;
  config: RuntimeConfig;
}

/**
 * Claims the delivery, or reports why not (a duplicate, or another delivery holding the
 * lease). A mail that by its SES event opens a new ticket also reserves its ticket number (and
 * counts the ack throttle) in the same write, so the ticket's id is known before anything
 * names it; any other mail takes the plain ledger claim.
 */
export async function claimDelivery(deps: ClaimDeps, key: string, input: IngestInput, now: Date): Promise<{ result: IngestResult } | Claimed> {
  const hints = input.hints;
  if (!hints?.from || judgeVerdicts(input.verdicts).action !== 'accept' || !likelyNewTicket(hints, input.recipients, deps.config.supportAddresses)) {
    return begin(deps, key, input, now);
  }
  const claimed = await deps.tickets.claimNewTicket({
    key,
    sesMessageId: input.sesMessageId,
    rawKey: input.rawKey,
    now,
    leaseMs: LEASE_MS,
    throttles: throttleWindows('ack', hints.from, now, deps.config.ackThrottle),
  });
  if (claimed.kind === 'fresh') return { key, steps: claimed.record.steps, ticketId: null };
  const record = claimed.record;
  if (record.state === 'done') return { result: { outcome: 'duplicate', ticketId: record.ticketId } };
  if (record.leaseUntil && record.leaseUntil > now.toISOString()) {
    return { result: { outcome: 'duplicate', ticketId: record.ticketId, inFlight: true } };
  }
  // A crashed attempt's lease ran out: take it over as any claim does (its steps keep the number).
  return begin(deps, key, input, now);
}

async function begin(deps: ClaimDeps, key: string, input: IngestInput, now: Date): Promise<{ result: IngestResult } | Claimed> {
  const begun = await deps.ledger.begin({ key, sesMessageId: input.sesMessageId, rawKey: input.rawKey, now, leaseMs: LEASE_MS });
  if (begun.kind === 'duplicate') return { result: { outcome: 'duplicate', ticketId: begun.record.ticketId } };
  // The delivery holding the lease finishes the work; if it crashes, Lambda's retry of *that*
  // invocation resumes it after the lease runs out.
  if (begun.kind === 'busy') return { result: { outcome: 'duplicate', ticketId: begun.record.ticketId, inFlight: true } };
  return { key, steps: begun.record.steps, ticketId: begun.record.ticketId };
}

/** Gives back a ticket number the claim reserved when the mail did not open that ticket. */
export async function releaseUnusedNumber(deps: ClaimDeps, claim: Claimed, result: IngestResult): Promise<void> {
  const reserved = reservedNumber(claim.steps);
  if (reserved !== null && result.ticketId !== `${deps.config.ticketPrefix}-${reserved}` && !result.inFlight) {
    await deps.tickets.releaseTicketNumber(reserved);
  }
}
