import { createHash } from 'node:crypto';
import { AlreadyExistsError, ConcurrentModificationError, NotFoundError } from '../../lambdas/domain/errors';
import {
  ACK_THROTTLED_STEP,
  RESERVED_STEP,
  type NewTicketClaim,
  type NewTicketClaimInput,
} from '../../lambdas/domain/ports';
import type {
  BeginResult,
  CommitResult,
  IngestCommit,
  InboundLedger,
  InboundRecord,
  LedgerOutcome,
  ListTicketsQuery,
  Mailer,
  OutboundMail,
  RawMailStore,
  SentMail,
  ThrottleCounter,
  TicketRepository,
  TimerRequest,
  TimerScheduler,
} from '../../lambdas/domain/ports';
import type { Ticket, TicketMessage } from '../../lambdas/domain/ticket';

/**
 * In-memory implementations of the ports with the same contracts as the DynamoDB/S3/SES
 * adapters (conditional writes, idempotent appends), for use-case tests.
 */
const clone = <T>(value: T): T => structuredClone(value);
const normId = (id: string): string => id.trim().replace(/^<|>$/g, '').toLowerCase();

export class InMemoryTicketRepository implements TicketRepository {
  public readonly tickets = new Map<string, Ticket>();
  public readonly messages = new Map<string, TicketMessage[]>();
  public readonly messageIds = new Map<string, string>();
  public readonly claims = new Map<string, number>();
  public counter = 0;
  /** The ledger and counters a {@link commit} writes with the tickets (the DynamoDB table holds all three). */
  private readonly ledger: InMemoryInboundLedger;
  private readonly counters: InMemoryCounters;

  public constructor(linked: { ledger?: InMemoryInboundLedger; counters?: InMemoryCounters } = {}) {
    this.ledger = linked.ledger ?? new InMemoryInboundLedger();
    this.counters = linked.counters ?? new InMemoryCounters();
  }

  public async nextTicketNumber(): Promise<number> {
    return this.counter + 1;
  }

  /** Checks every condition first, then applies every write: all or nothing, like TransactWriteItems. */
  public async commit(c: IngestCommit): Promise<CommitResult> {
    const record = c.ledger ? this.ledger.records.get(c.ledger.key) : undefined;
    if (c.ledger && (!record || record.steps.includes(c.ledger.step))) return { ok: false, conflict: 'done', record: record ? clone(record) : null };
    if (c.ticket?.write === 'create') {
      if (!c.ticket.numberReserved && this.counter !== c.ticket.ticket.number - 1) return { ok: false, conflict: 'number', current: this.counter };
      if (this.tickets.has(c.ticket.ticket.id)) return { ok: false, conflict: 'version' };
    } else if (c.ticket) {
      if (this.tickets.get(c.ticket.ticket.id)?.version !== c.ticket.ticket.version - 1) return { ok: false, conflict: 'version' };
    }
    for (const t of c.throttles ?? []) {
      if (!this.counters.below(t.key, t.limit)) return { ok: false, conflict: 'throttle', key: t.key };
    }
    // Applied through private helpers: a test patching a public method must not split the commit.
    if (c.ticket?.write === 'create' && !c.ticket.numberReserved) this.counter = c.ticket.ticket.number;
    if (c.ticket) this.tickets.set(c.ticket.ticket.id, clone(c.ticket.ticket));
    for (const m of c.messages ?? []) this.storeMessage(m);
    const mapTo = c.ticket?.ticket.id ?? c.ledger?.ticketId ?? null;
    if (mapTo !== null) this.mapIds(mapTo, c.messageIds ?? []);
    for (const t of c.throttles ?? []) this.counters.add(t.key, t.expiresAt);
    if (c.ledger && record) {
      record.ticketId = c.ledger.ticketId;
      for (const step of [c.ledger.step, ...(c.ledger.steps ?? [])]) if (!record.steps.includes(step)) record.steps.push(step);
      if (c.ledger.complete) {
        record.state = 'done';
        record.outcome = c.ledger.complete;
        record.reason = null;
        record.leaseUntil = null;
      }
    }
    return { ok: true };
  }

  /** The ledger record, the counter and the throttles at once, as the DynamoDB transaction. */
  public async claimNewTicket(input: NewTicketClaimInput): Promise<NewTicketClaim> {
    const old = this.ledger.records.get(input.key);
    if (old) return { kind: 'taken', record: clone(old) };
    const throttled = input.throttles.some((t) => !this.counters.below(t.key, t.limit));
    const number = this.counter + 1;
    const record: InboundRecord = {
      key: input.key, sesMessageId: input.sesMessageId, rawKey: input.rawKey, receivedAt: input.now.toISOString(),
      state: 'processing', leaseUntil: new Date(input.now.getTime() + input.leaseMs).toISOString(), outcome: null,
      reason: null, ticketId: null, steps: [`${RESERVED_STEP}${number}`, ...(throttled ? [ACK_THROTTLED_STEP] : [])],
    };
    this.counter = number;
    if (!throttled) for (const t of input.throttles) this.counters.add(t.key, t.expiresAt);
    this.ledger.records.set(input.key, record);
    return { kind: 'fresh', record: clone(record), number, throttled };
  }

  public async releaseTicketNumber(number: number): Promise<void> {
    if (this.counter === number) this.counter = number - 1;
  }

  public async allocateTicketNumber(claimKey: string): Promise<number> {
    const existing = this.claims.get(claimKey);
    if (existing !== undefined) return existing;
    this.counter += 1;
    this.claims.set(claimKey, this.counter);
    return this.counter;
  }

  public async createTicket(ticket: Ticket): Promise<void> {
    if (this.tickets.has(ticket.id)) throw new AlreadyExistsError(`ticket ${ticket.id} exists`);
    this.tickets.set(ticket.id, clone(ticket));
  }

  public async getTicket(id: string): Promise<Ticket | null> {
    const ticket = this.tickets.get(id);
    return ticket ? clone(ticket) : null;
  }

  public async saveTicket(ticket: Ticket): Promise<void> {
    const stored = this.tickets.get(ticket.id);
    if (!stored) throw new NotFoundError(`ticket ${ticket.id} not found`);
    if (stored.version !== ticket.version - 1) {
      throw new ConcurrentModificationError(`ticket ${ticket.id} is at version ${stored.version}, not ${ticket.version - 1}`);
    }
    this.tickets.set(ticket.id, clone(ticket));
  }

  public async listTickets(query: ListTicketsQuery = {}): Promise<Ticket[]> {
    return [...this.tickets.values()]
      .filter((t) => !query.status || t.status === query.status)
      .slice(0, query.limit ?? Infinity)
      .map(clone);
  }

  public async appendMessage(message: TicketMessage): Promise<void> {
    this.storeMessage(message);
  }

  private storeMessage(message: TicketMessage): void {
    const list = this.messages.get(message.ticketId) ?? [];
    if (list.some((m) => m.key === message.key)) return;
    list.push(clone(message));
    list.sort((a, b) => (a.at === b.at ? a.key.localeCompare(b.key) : a.at.localeCompare(b.at)));
    this.messages.set(message.ticketId, list);
  }

  public async listMessages(ticketId: string): Promise<TicketMessage[]> {
    return clone(this.messages.get(ticketId) ?? []);
  }

  public async indexMessageIds(ticketId: string, messageIds: readonly string[]): Promise<void> {
    this.mapIds(ticketId, messageIds);
  }

  private mapIds(ticketId: string, messageIds: readonly string[]): void {
    for (const id of messageIds) {
      const key = normId(id);
      if (!this.messageIds.has(key)) this.messageIds.set(key, ticketId);
    }
  }

  public async findTicketByMessageIds(messageIds: readonly string[]): Promise<string | null> {
    for (const id of messageIds) {
      const found = this.messageIds.get(normId(id));
      if (found) return found;
    }
    return null;
  }
}

export class InMemoryInboundLedger implements InboundLedger {
  public readonly records = new Map<string, InboundRecord>();

  public async begin(input: { key: string; sesMessageId: string; rawKey: string; now: Date; leaseMs: number }): Promise<BeginResult> {
    const old = this.records.get(input.key);
    const leaseUntil = new Date(input.now.getTime() + input.leaseMs).toISOString();
    if (!old) {
      const record: InboundRecord = {
        key: input.key, sesMessageId: input.sesMessageId, rawKey: input.rawKey,
        receivedAt: input.now.toISOString(), state: 'processing', leaseUntil, outcome: null,
        reason: null, ticketId: null, steps: [],
      };
      this.records.set(input.key, record);
      return { kind: 'fresh', record: clone(record) };
    }
    if (old.state === 'done') return { kind: 'duplicate', record: clone(old) };
    if (old.leaseUntil && old.leaseUntil > input.now.toISOString()) return { kind: 'busy', record: clone(old) };
    old.leaseUntil = leaseUntil;
    return { kind: 'resume', record: clone(old) };
  }

  public async progress(key: string, patch: { ticketId?: string; step?: string }): Promise<void> {
    const record = this.records.get(key);
    if (!record) throw new NotFoundError(`no inbound record ${key}`);
    if (patch.ticketId) record.ticketId = patch.ticketId;
    if (patch.step && !record.steps.includes(patch.step)) record.steps.push(patch.step);
  }

  public async complete(key: string, outcome: LedgerOutcome, details: { reason?: string; ticketId?: string | null } = {}): Promise<void> {
    const record = this.records.get(key);
    if (!record) throw new NotFoundError(`no inbound record ${key}`);
    record.state = 'done';
    record.outcome = outcome;
    record.reason = details.reason ?? null;
    if (details.ticketId !== undefined) record.ticketId = details.ticketId;
    record.leaseUntil = null;
  }

  public async get(key: string): Promise<InboundRecord | null> {
    const record = this.records.get(key);
    return record ? clone(record) : null;
  }

  public async list(): Promise<InboundRecord[]> {
    return [...this.records.values()].map(clone);
  }
}

export class InMemoryRawMailStore implements RawMailStore {
  public readonly objects = new Map<string, { body: Buffer; contentType: string; lastModified: Date }>();

  public async getRaw(key: string): Promise<Buffer> {
    return this.getObject(key);
  }

  public async putObject(key: string, body: Buffer | string, contentType: string): Promise<void> {
    this.objects.set(key, { body: Buffer.from(body), contentType, lastModified: new Date(0) });
  }

  public async getObject(key: string): Promise<Buffer> {
    const object = this.objects.get(key);
    if (!object) throw new NotFoundError(`no object ${key}`);
    return Buffer.from(object.body);
  }

  public async listKeys(prefix: string): Promise<Array<{ key: string; lastModified: Date }>> {
    return [...this.objects.entries()]
      .filter(([key]) => key.startsWith(prefix))
      .map(([key, value]) => ({ key, lastModified: value.lastModified }));
  }
}

/** Records what would have been sent; ids are derived like SES's (`<id@region.amazonses.com>`). */
export class RecordingMailer implements Mailer {
  public readonly sent: Array<OutboundMail & SentMail> = [];

  public async send(mail: OutboundMail): Promise<SentMail> {
    const sesMessageId = createHash('sha256').update(`${this.sent.length}:${mail.subject}:${mail.to.map((t) => t.address).join(',')}`).digest('hex').slice(0, 32);
    const sent = { sesMessageId, messageId: `<${sesMessageId}@local.amazonses.com>` };
    this.sent.push({ ...clone(mail), ...sent });
    return sent;
  }
}

export class InMemoryTimers implements TimerScheduler {
  public readonly pending = new Map<string, TimerRequest>();
  public readonly log: string[] = [];

  public async arm(timer: TimerRequest): Promise<void> {
    this.log.push(`arm ${timer.name}`);
    this.pending.set(timer.name, clone(timer));
  }

  public async cancel(name: string): Promise<void> {
    this.log.push(`cancel ${name}`);
    this.pending.delete(name);
  }
}

/** Counters with the DynamoDB adapter's contract: add one unless the limit is reached. */
export class InMemoryCounters implements ThrottleCounter {
  public readonly counts = new Map<string, { n: number; expiresAt: Date }>();

  /** True when counter `key` is below `limit` (an increment would be allowed). */
  public below(key: string, limit: number): boolean {
    return (this.counts.get(key)?.n ?? 0) < limit;
  }

  public async incrementIfBelow(key: string, limit: number, expiresAt: Date): Promise<boolean> {
    if (!this.below(key, limit)) return false;
    this.add(key, expiresAt);
    return true;
  }

  /** Adds one, no limit checked (a commit checked it). */
  public add(key: string, expiresAt: Date): void {
    const current = this.counts.get(key);
    this.counts.set(key, { n: (current?.n ?? 0) + 1, expiresAt: current?.expiresAt ?? expiresAt });
  }
}
