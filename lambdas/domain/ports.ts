import type { Address } from './inbound-message';
import type { Ticket, TicketMessage, TicketStatus } from './ticket';

/**
 * Ports: what the use cases need from the outside world. Adapters in `lambdas/adapters/`
 * implement them over AWS (and the same adapters run against the local emulators);
 * tests use in-memory fakes.
 */

export interface ListTicketsQuery {
  status?: TicketStatus;
  limit?: number;
}

export interface TicketRepository {
  /**
   * Returns the ticket number reserved for `claimKey`, allocating the next number of the
   * region's counter on first call. Idempotent: a retried delivery gets the same number
   * and the counter moves once.
   */
  allocateTicketNumber(claimKey: string): Promise<number>;
  /** Creates the ticket; {@link AlreadyExistsError} when that id exists. */
  createTicket(ticket: Ticket): Promise<void>;
  getTicket(id: string): Promise<Ticket | null>;
  /**
   * Replaces the ticket when its stored version is `ticket.version - 1`;
   * {@link ConcurrentModificationError} otherwise.
   */
  saveTicket(ticket: Ticket): Promise<void>;
  listTickets(query?: ListTicketsQuery): Promise<Ticket[]>;
  /** Stores a message; storing the same (ticketId, key) twice is a no-op. */
  appendMessage(message: TicketMessage): Promise<void>;
  listMessages(ticketId: string): Promise<TicketMessage[]>;
  /** Maps Message-IDs (ours, customers', SES-rewritten) to a ticket for threading. */
  indexMessageIds(ticketId: string, messageIds: readonly string[]): Promise<void>;
  /** The ticket that any of these Message-IDs belongs to, first match in the given order. */
  findTicketByMessageIds(messageIds: readonly string[]): Promise<string | null>;
  /**
   * Additive (issue 7, call budget): the number a new ticket should try next. A cached guess
   * (one read when nothing is cached); {@link IngestCommit} checks it against the counter.
   */
  nextTicketNumber(): Promise<number>;
  /**
   * Additive (issue 7, call budget): applies every write of one ingest step all or nothing
   * (DynamoDB: one TransactWriteItems). A refused commit changes nothing and says why.
   */
  commit(commit: IngestCommit): Promise<CommitResult>;
  /**
   * Additive (issue 7, call budget): claims delivery `key` as {@link InboundLedger.begin} does
   * and reserves the region's next ticket number with it, in one write (DynamoDB: one
   * TransactWriteItems of the ledger record, the counter and the ack throttle counters). The
   * number is recorded on the claim (step `number:N`), so a retry of the delivery reuses it.
   * `taken` when a record for `key` exists already (the caller tells duplicate, busy and resume
   * apart from it). A throttle at its limit is not counted and the claim says `throttled`.
   */
  claimNewTicket(input: NewTicketClaimInput): Promise<NewTicketClaim>;
  /**
   * Gives back a number reserved by {@link claimNewTicket} that no ticket took, when it is still
   * the counter's last one (else the region has a gap in its numbers: harmless, never reused).
   */
  releaseTicketNumber(number: number): Promise<void>;
}

export interface NewTicketClaimInput {
  key: string;
  sesMessageId: string;
  rawKey: string;
  now: Date;
  leaseMs: number;
  /** Ack throttle counters to move with the claim (see {@link ThrottleCounter}). */
  throttles: ReadonlyArray<{ key: string; limit: number; expiresAt: Date }>;
}

export type NewTicketClaim =
  | { kind: 'fresh'; record: InboundRecord; number: number; throttled: boolean }
  | { kind: 'taken'; record: InboundRecord };

/** Ledger step of a claim whose acknowledgement the throttle withheld. */
export const ACK_THROTTLED_STEP = 'ack-throttled';

/** Ledger step recording the ticket number a claim reserved. */
export const RESERVED_STEP = 'number:';

/** The ticket number a claim reserved, from its ledger steps. */
export function reservedNumber(steps: readonly string[]): number | null {
  const step = steps.find((s) => s.startsWith(RESERVED_STEP));
  const n = step ? Number(step.slice(RESERVED_STEP.length)) : NaN;
  return Number.isInteger(n) && n > 0 ? n : null;
}

/**
 * One step of a delivery, written at once: see {@link TicketRepository.commit}. Ingest commits
 * carry their inbound ledger record; the timer functions commit the ticket alone (its version
 * is their condition).
 */
export interface IngestCommit {
  /** The delivery's ledger record; the commit is refused (`done`) when it already holds `step`. */
  ledger?: {
    key: string;
    step: string;
    /** The ticket the delivery went to (null: none, e.g. a refused sender). */
    ticketId: string | null;
    /** More steps recorded with `step` (details a retry needs). */
    steps?: string[];
    /** Marks the record done with this outcome. */
    complete?: LedgerOutcome;
  };
  /**
   * `create`: the ticket must not exist, and the region counter moves from `number - 1` to
   * `number` (`number` conflict otherwise) unless `numberReserved` (a claim already moved it). `save`: the stored version must be `version - 1`.
   */
  ticket?: { write: 'create' | 'save'; ticket: Ticket; numberReserved?: boolean };
  /** Messages stored (their keys are unique per delivery or per send). */
  messages?: TicketMessage[];
  /** Message-IDs mapped to the commit's ticket (`ticket`, else `ledger.ticketId`); an id already mapped keeps its ticket. */
  messageIds?: readonly string[];
  /** Throttle counters (see {@link ThrottleCounter}) each moved by one unless at its limit. */
  throttles?: ReadonlyArray<{ key: string; limit: number; expiresAt: Date }>;
}

export type CommitResult =
  | { ok: true }
  /** Another attempt of the same delivery already committed this step: its record. */
  | { ok: false; conflict: 'done'; record: InboundRecord | null }
  /** The ticket moved on (save) or exists (create). */
  | { ok: false; conflict: 'version' }
  /** The counter is not at `number - 1`: `current` is its value. */
  | { ok: false; conflict: 'number'; current: number }
  /** A throttle counter reached its limit. */
  | { ok: false; conflict: 'throttle'; key: string };

export type LedgerOutcome =
  | 'created'
  | 'appended'
  | 'duplicate'
  | 'quarantined'
  | 'dropped'
  | 'rejected'
  | 'failed';

/** One inbound delivery's record: the dedupe key, progress of its steps, and its outcome. */
export interface InboundRecord {
  key: string;
  sesMessageId: string;
  rawKey: string;
  receivedAt: string;
  state: 'processing' | 'done';
  leaseUntil: string | null;
  outcome: LedgerOutcome | null;
  reason: string | null;
  ticketId: string | null;
  /** Steps finished so far (e.g. 'ticket', 'message', 'ack', 'timer'): a retry skips them. */
  steps: string[];
}

export type BeginResult =
  | { kind: 'fresh'; record: InboundRecord }
  | { kind: 'resume'; record: InboundRecord }
  | { kind: 'duplicate'; record: InboundRecord }
  | { kind: 'busy'; record: InboundRecord };

export interface InboundLedger {
  /**
   * Claims `key` for processing with one conditional write. Another delivery of the same
   * message gets `duplicate` (finished), `busy` (someone holds a live lease) or `resume`
   * (the lease ran out: a crashed attempt to finish).
   */
  begin(input: {
    key: string;
    sesMessageId: string;
    rawKey: string;
    now: Date;
    leaseMs: number;
  }): Promise<BeginResult>;
  /** Records progress (ticket id, steps done) on the claimed record. */
  progress(key: string, patch: { ticketId?: string; step?: string }): Promise<void>;
  /** Marks the record done with its outcome. */
  complete(key: string, outcome: LedgerOutcome, details?: { reason?: string; ticketId?: string | null }): Promise<void>;
  get(key: string): Promise<InboundRecord | null>;
  /** Every record whose raw key is one of `rawKeys` (audit). */
  list(): Promise<InboundRecord[]>;
}

export interface RawMailStore {
  /** The raw MIME stored by the SES S3 action (or the local SMTP listener). */
  getRaw(key: string): Promise<Buffer>;
  putObject(key: string, body: Buffer | string, contentType: string): Promise<void>;
  getObject(key: string): Promise<Buffer>;
  /** Keys under a prefix, with their last-modified time. */
  listKeys(prefix: string): Promise<Array<{ key: string; lastModified: Date }>>;
}

export interface OutboundMail {
  from: Address;
  to: Address[];
  cc?: Address[];
  replyTo?: Address[];
  subject: string;
  text: string;
  inReplyTo?: string | null;
  references?: string[];
  /** Extra headers (Auto-Submitted, X-Sesdesk-Loop ...). Values must be single-line. */
  headers?: Record<string, string>;
}

export interface SentMail {
  /** The id SES assigned; SES rewrites Message-ID from it (see `sesMessageId`). */
  sesMessageId: string;
  /** The Message-ID recipients will see. */
  messageId: string;
}

export interface Mailer {
  send(mail: OutboundMail): Promise<SentMail>;
}

export interface TimerRequest {
  /** Deterministic: `<ticket>-<kind>-<version>`, at most 64 chars of `[0-9a-zA-Z-_.]`. */
  name: string;
  ticketId: string;
  kind: string;
  /** When to fire (UTC instant). */
  at: Date;
  /** Payload handed back to the timer handler. */
  payload: Record<string, unknown>;
}

export interface TimerScheduler {
  /** Creates the schedule; a name that already exists counts as success (a retry). */
  arm(timer: TimerRequest): Promise<void>;
  /** Deletes the schedule; a missing schedule counts as success. */
  cancel(name: string): Promise<void>;
}

/**
 * Small expiring counters (ack throttling). Additive port; DynamoDB: one conditional
 * UpdateItem per call, the item carrying a TTL.
 */
export interface ThrottleCounter {
  /**
   * Adds one to counter `key` unless it already reached `limit`, in one conditional write;
   * true when it was added (the caller may go ahead), false when the limit was reached.
   * The counter may be forgotten after `expiresAt`.
   */
  incrementIfBelow(key: string, limit: number, expiresAt: Date): Promise<boolean>;
}
