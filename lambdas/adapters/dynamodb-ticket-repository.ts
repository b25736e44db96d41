import { createHash } from 'node:crypto';
import {
  BatchGetCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import {
  ACK_THROTTLED_STEP,
  RESERVED_STEP,
  type CommitResult,
  type InboundRecord,
  type IngestCommit,
  type ListTicketsQuery,
  type NewTicketClaim,
  type NewTicketClaimInput,
  type TicketRepository,
} from '../domain/ports';
import { counterKey } from './dynamodb-counters';
import { INBOUND_KIND, inboundKey, recordFromItem } from './dynamodb-inbound-ledger';
import type { Ticket, TicketMessage } from '../domain/ticket';
import { AlreadyExistsError, InvalidInputError, TransientError } from '../domain/errors';
import { TABLE_SCHEMA } from './table-schema';
import { queueSortKey } from '../domain/queue-order';
import { cancellationReasons, isConditionalCheckFailed, isTransactionCanceled, toDomainError } from './sdk-errors';

export const TICKET_KIND = 'KIND#TICKET';
/** Partition of a status lane in GSI `byQueue`: `QUEUE#<status>`. */
export const QUEUE_KIND = 'QUEUE#';
export const COUNTER_KEY = { pk: 'COUNTER#TICKET', sk: 'COUNTER' } as const;

/** Attributes the table adds around a domain object; stripped when reading back. */
const STORAGE_ATTRIBUTES = ['pk', 'sk', 'gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk', TABLE_SCHEMA.ttlAttribute] as const;

const BATCH_GET_LIMIT = 100;

export const ticketKey = (id: string) => ({ pk: `TICKET#${id}`, sk: 'META' });
export const claimKey = (key: string) => ({ pk: `CLAIM#${key}`, sk: 'CLAIM' });
export const messageIdKey = (normalizedId: string) => ({
  pk: `MSGID#${createHash('sha256').update(normalizedId).digest('hex')}`,
  sk: 'MSGID',
});

/**
 * Canonical form of a Message-ID for lookups: no angle brackets, no whitespace, domain part
 * lower-cased (RFC 5322 local parts are case-sensitive, domains are not). '' when nothing is left.
 */
export function normalizeMessageId(id: string): string {
  const bare = id.replace(/[<>\s]/g, '');
  const at = bare.lastIndexOf('@');
  return at < 0 ? bare : `${bare.slice(0, at + 1)}${bare.slice(at + 1).toLowerCase()}`;
}

/** Sort key of a message. `key` is documented as `<iso>#<suffix>` already; a bare suffix gets `at` prepended so messages still sort by time. */
export function messageSortKey(message: Pick<TicketMessage, 'at' | 'key'>): string {
  return message.key.startsWith(`${message.at}#`) ? `MSG#${message.key}` : `MSG#${message.at}#${message.key}`;
}

export interface DynamoDbTicketRepositoryOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
  /** Region ticket prefix (`USE1`, `LOCAL` ...): ids are `<prefix>-<number>`. */
  ticketPrefix: string;
  /** Attempts for one number allocation under contention (default 100). */
  maxAllocationAttempts?: number;
  /** Upper bound of the jittered back-off between allocation attempts, ms (default 100). */
  maxBackoffMs?: number;
  /** Parallel conditional puts in indexMessageIds (default 10). */
  indexConcurrency?: number;
}

type Item = Record<string, unknown>;

function stripStorage<T>(item: Item): T {
  const copy: Item = { ...item };
  for (const attr of STORAGE_ATTRIBUTES) delete copy[attr];
  return copy as T;
}

/** Deep copy without undefined values (DynamoDB has no `undefined`; a round trip must compare equal). */
function clean<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** Key-order-independent structural equality for items read back from DynamoDB. */
function sameJson(a: unknown, b: unknown): boolean {
  const canon = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(canon);
    if (v !== null && typeof v === 'object') {
      return Object.fromEntries(
        Object.keys(v as Item)
          .sort()
          .map((k) => [k, canon((v as Item)[k])]),
      );
    }
    return v;
  };
  return JSON.stringify(canon(a)) === JSON.stringify(canon(b));
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Tickets, messages, the Message-ID index and the ticket counter in the single table
 * (layout: table-schema.ts). Every write that could clash is conditional.
 */
export class DynamoDbTicketRepository implements TicketRepository {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;
  public readonly ticketPrefix: string;
  private readonly maxAttempts: number;
  private readonly maxBackoffMs: number;
  private readonly indexConcurrency: number;
  /** Last counter value seen by this container: the next ticket's number is guessed from it. */
  private counterSeen: number | null = null;

  public constructor(options: DynamoDbTicketRepositoryOptions) {
    if (!/^[A-Z][A-Z0-9]{1,7}$/.test(options.ticketPrefix)) {
      throw new InvalidInputError(`ticketPrefix: "${options.ticketPrefix}" must match /^[A-Z][A-Z0-9]{1,7}$/`);
    }
    if (!options.tableName) throw new InvalidInputError('tableName: must not be empty');
    this.client = options.client;
    this.tableName = options.tableName;
    this.ticketPrefix = options.ticketPrefix;
    this.maxAttempts = options.maxAllocationAttempts ?? 100;
    this.maxBackoffMs = options.maxBackoffMs ?? 100;
    this.indexConcurrency = options.indexConcurrency ?? 10;
  }

  /** `<prefix>-<number>`. */
  public formatTicketId(n: number): string {
    return `${this.ticketPrefix}-${n}`;
  }

  /**
   * Claim first, then a transaction moving the counter from the value read to +1 together
   * with creating the claim. Costs 1 call for a known claim, 3 (claim read, counter read,
   * transaction) when uncontended; a lost race reuses the item DynamoDB returns with the
   * cancellation, so each retry is one more transaction.
   */
  public async allocateTicketNumber(key: string): Promise<number> {
    if (!key) throw new InvalidInputError('claimKey: must not be empty');
    const what = `allocateTicketNumber ${key}`;
    const existing = await this.readClaim(key, what);
    if (existing !== null) return existing;

    let current = await this.readCounter(what);
    for (let attempt = 1; ; attempt += 1) {
      const next = current + 1;
      try {
        await this.client.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Update: {
                  TableName: this.tableName,
                  Key: COUNTER_KEY,
                  UpdateExpression: 'SET #n = :next',
                  ConditionExpression: current === 0 ? 'attribute_not_exists(#n)' : '#n = :current',
                  ExpressionAttributeNames: { '#n': 'n' },
                  ExpressionAttributeValues: current === 0 ? { ':next': next } : { ':next': next, ':current': current },
                  ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
                },
              },
              {
                Put: {
                  TableName: this.tableName,
                  Item: { ...claimKey(key), number: next },
                  ConditionExpression: 'attribute_not_exists(pk)',
                  ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
                },
              },
            ],
          }),
        );
        return next;
      } catch (err) {
        if (!isTransactionCanceled(err)) throw toDomainError(err, { what });
        const [counterReason, claimReason] = cancellationReasons(err);
        if (claimReason?.code === 'ConditionalCheckFailed') {
          // A concurrent delivery of the same message won: its number is ours.
          const fromReason = numberOf(claimReason.item);
          if (fromReason !== null) return fromReason;
          const won = await this.readClaim(key, what);
          if (won !== null) return won;
        }
        if (attempt >= this.maxAttempts) {
          throw new TransientError(`${what}: counter contention after ${attempt} attempts`, { cause: err });
        }
        const seen = counterReason?.code === 'ConditionalCheckFailed' ? numberOf(counterReason.item) : null;
        await sleep(Math.random() * Math.min(this.maxBackoffMs, 5 * 2 ** Math.min(attempt, 10)));
        current = seen ?? (await this.readCounter(what));
      }
    }
  }

  /** One GetItem on a cold container; afterwards the value the last commit (or refusal) showed. */
  public async nextTicketNumber(): Promise<number> {
    this.counterSeen ??= await this.readCounter('nextTicketNumber');
    return this.counterSeen + 1;
  }

  /**
   * One TransactWriteItems: ledger record (conditioned on not holding the step yet), counter
   * and ticket, messages, Message-ID map items and throttle counters. A cancellation is read
   * back from its reasons (old items returned with them), so a refusal costs no extra read.
   */
  public async commit(c: IngestCommit): Promise<CommitResult> {
    const what = `commit ${c.ledger.key} ${c.ledger.step}`;
    const T = this.tableName;
    const items: Array<Record<string, unknown>> = [];
    const ledgerSets = ['#ticketId = :ticketId', '#steps = list_append(if_not_exists(#steps, :noSteps), :steps)'];
    const ledgerNames: Record<string, string> = { '#ticketId': 'ticketId', '#steps': 'steps' };
    const ledgerValues: Record<string, unknown> = {
      ':ticketId': c.ledger.ticketId,
      ':noSteps': [],
      ':steps': [c.ledger.step, ...(c.ledger.steps ?? [])],
      ':step': c.ledger.step,
    };
    if (c.ledger.complete) {
      ledgerSets.push('#state = :done', '#outcome = :outcome', '#reason = :null', '#leaseUntil = :null');
      Object.assign(ledgerNames, { '#state': 'state', '#outcome': 'outcome', '#reason': 'reason', '#leaseUntil': 'leaseUntil' });
      Object.assign(ledgerValues, { ':done': 'done', ':outcome': c.ledger.complete, ':null': null });
    }
    items.push({
      Update: {
        TableName: T,
        Key: inboundKey(c.ledger.key),
        UpdateExpression: `SET ${ledgerSets.join(', ')}`,
        ConditionExpression: 'attribute_exists(pk) AND NOT contains(#steps, :step)',
        ExpressionAttributeNames: ledgerNames,
        ExpressionAttributeValues: ledgerValues,
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    });
    const ticketAt = c.ticket ? items.length : -1;
    const counterAt = c.ticket?.write === 'create' && !c.ticket.numberReserved ? ticketAt + 1 : -1;
    if (c.ticket?.write === 'create') {
      const t = c.ticket.ticket;
      items.push({ Put: { TableName: T, Item: this.ticketItem(t), ConditionExpression: 'attribute_not_exists(pk)' } });
      if (!c.ticket.numberReserved) items.push(this.counterMove(t.number));
    } else if (c.ticket) {
      items.push({
        Put: {
          TableName: T,
          Item: this.ticketItem(c.ticket.ticket),
          ConditionExpression: '#version = :expected',
          ExpressionAttributeNames: { '#version': 'version' },
          ExpressionAttributeValues: { ':expected': c.ticket.ticket.version - 1 },
        },
      });
    }
    // Unconditional: the ledger condition already makes the whole commit happen once.
    for (const m of c.messages ?? []) {
      items.push({ Put: { TableName: T, Item: { ...clean(m), pk: ticketKey(m.ticketId).pk, sk: messageSortKey(m) } } });
    }
    // A map item keeps its first ticket (if_not_exists) without a condition that could cancel the commit.
    for (const id of distinctNormalized(c.messageIds ?? [])) {
      items.push({
        Update: {
          TableName: T,
          Key: messageIdKey(id),
          UpdateExpression: 'SET #ticketId = if_not_exists(#ticketId, :ticketId), #messageId = :messageId',
          ExpressionAttributeNames: { '#ticketId': 'ticketId', '#messageId': 'messageId' },
          ExpressionAttributeValues: { ':ticketId': c.ledger.ticketId, ':messageId': id },
        },
      });
    }
    const throttleAt = items.length;
    for (const t of c.throttles ?? []) items.push(this.throttleMove(t));
    if (items.length > 100) throw new InvalidInputError(`${what}: ${items.length} writes exceed one transaction`);
    try {
      await this.client.send(new TransactWriteCommand({ TransactItems: items }));
      if (c.ticket?.write === 'create') this.counterSeen = Math.max(this.counterSeen ?? 0, c.ticket.ticket.number);
      return { ok: true };
    } catch (err) {
      if (!isTransactionCanceled(err)) throw toDomainError(err, { what });
      const reasons = cancellationReasons(err);
      const failed = (i: number) => i >= 0 && reasons[i]?.code === 'ConditionalCheckFailed';
      if (failed(0)) {
        const old = reasons[0].item;
        return { ok: false, conflict: 'done', record: old ? recordFromItem(unmarshall(old as Record<string, never>)) : null };
      }
      if (failed(counterAt)) {
        const current = numberOf(reasons[counterAt].item) ?? 0;
        this.counterSeen = current;
        return { ok: false, conflict: 'number', current };
      }
      if (failed(ticketAt)) {
        if (c.ticket?.write === 'create') this.counterSeen = null;
        return { ok: false, conflict: 'version' };
      }
      const throttled = (c.throttles ?? []).findIndex((_, i) => failed(throttleAt + i));
      if (throttled >= 0) return { ok: false, conflict: 'throttle', key: c.throttles![throttled].key };
      // TransactionConflict (a concurrent transaction on one of the items) and the like: retryable.
      throw new TransientError(`${what}: cancelled (${reasons.map((r) => r.code).join(',')})`, { cause: err });
    }
  }

  /** Moves the region counter from `number - 1` to `number` (a transaction item). */
  private counterMove(number: number): Record<string, unknown> {
    const first = number === 1;
    return {
      Update: {
        TableName: this.tableName,
        Key: COUNTER_KEY,
        UpdateExpression: 'SET #n = :next',
        ConditionExpression: first ? 'attribute_not_exists(#n)' : '#n = :current',
        ExpressionAttributeNames: { '#n': 'n' },
        ExpressionAttributeValues: first ? { ':next': number } : { ':next': number, ':current': number - 1 },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    };
  }

  /** Adds one to a throttle counter unless it reached its limit (a transaction item). */
  private throttleMove(t: { key: string; limit: number; expiresAt: Date }): Record<string, unknown> {
    if (!t.key.startsWith('THROTTLE#')) throw new InvalidInputError(`throttle key: "${t.key}" must start with THROTTLE#`);
    return {
      Update: {
        TableName: this.tableName,
        Key: counterKey(t.key),
        UpdateExpression: 'ADD #n :one SET #ttl = if_not_exists(#ttl, :ttl)',
        ConditionExpression: 'attribute_not_exists(#n) OR #n < :limit',
        ExpressionAttributeNames: { '#n': 'n', '#ttl': TABLE_SCHEMA.ttlAttribute },
        ExpressionAttributeValues: { ':one': 1, ':limit': t.limit, ':ttl': Math.ceil(t.expiresAt.getTime() / 1000) },
      },
    };
  }

  /**
   * One TransactWriteItems: the ledger record (must not exist), the counter moved from the
   * value this container last saw, and the throttle counters. A cancellation carries the old
   * items, so an existing record costs nothing more (`taken`), a stale counter guess is retried
   * from the value returned, and a throttle at its limit is retried without the throttles.
   */
  public async claimNewTicket(input: NewTicketClaimInput): Promise<NewTicketClaim> {
    if (!input.key) throw new InvalidInputError('key: must not be empty');
    const what = `claimNewTicket ${input.key}`;
    const now = input.now.toISOString();
    const leaseUntil = new Date(input.now.getTime() + input.leaseMs).toISOString();
    const index = TABLE_SCHEMA.indexes[0];
    let number = await this.nextTicketNumber();
    let throttled = false;
    for (let attempt = 1; ; attempt += 1) {
      const steps = [`${RESERVED_STEP}${number}`, ...(throttled ? [ACK_THROTTLED_STEP] : [])];
      const record: InboundRecord = {
        key: input.key, sesMessageId: input.sesMessageId, rawKey: input.rawKey, receivedAt: now,
        state: 'processing', leaseUntil, outcome: null, reason: null, ticketId: null, steps,
      };
      const throttles = throttled ? [] : input.throttles;
      try {
        await this.client.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Put: {
                  TableName: this.tableName,
                  Item: { ...inboundKey(input.key), ...record, [index.partitionKey]: INBOUND_KIND, [index.sortKey]: now },
                  ConditionExpression: 'attribute_not_exists(pk)',
                  ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
                },
              },
              this.counterMove(number),
              ...throttles.map((t) => this.throttleMove(t)),
            ] as never,
          }),
        );
        this.counterSeen = Math.max(this.counterSeen ?? 0, number);
        return { kind: 'fresh', record, number, throttled };
      } catch (err) {
        if (!isTransactionCanceled(err)) throw toDomainError(err, { what });
        const reasons = cancellationReasons(err);
        const failed = (i: number) => reasons[i]?.code === 'ConditionalCheckFailed';
        if (failed(0)) {
          const old = reasons[0].item;
          if (old) return { kind: 'taken', record: recordFromItem(unmarshall(old as Record<string, never>)) };
        }
        if (attempt >= this.maxAttempts) throw new TransientError(`${what}: cancelled after ${attempt} attempts (${reasons.map((r) => r.code).join(',')})`, { cause: err });
        if (failed(1)) {
          this.counterSeen = numberOf(reasons[1].item) ?? 0;
          number = this.counterSeen + 1;
          continue;
        }
        if (throttles.some((_, i) => failed(2 + i))) {
          throttled = true;
          continue;
        }
        // TransactionConflict: another transaction on the counter or this claim right now; the
        // retry shows which (a refused condition returns the item that refused it).
        await sleep(Math.random() * Math.min(this.maxBackoffMs, 5 * 2 ** Math.min(attempt, 10)));
      }
    }
  }

  /** Sets the counter back from `number` to `number - 1`, only when nothing took a later number. */
  public async releaseTicketNumber(number: number): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: COUNTER_KEY,
          UpdateExpression: 'SET #n = :previous',
          ConditionExpression: '#n = :number',
          ExpressionAttributeNames: { '#n': 'n' },
          ExpressionAttributeValues: { ':previous': number - 1, ':number': number },
        }),
      );
      this.counterSeen = number - 1;
    } catch (err) {
      // Someone took a later number: this one stays a gap.
      if (isConditionalCheckFailed(err)) return;
      throw toDomainError(err, { what: `releaseTicketNumber ${number}` });
    }
  }

  public async createTicket(ticket: Ticket): Promise<void> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: this.ticketItem(ticket),
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (err) {
      throw toDomainError(err, { what: `createTicket ${ticket.id}`, onConditionFailed: 'already-exists' });
    }
  }

  public async getTicket(id: string): Promise<Ticket | null> {
    try {
      const out = await this.client.send(
        new GetCommand({ TableName: this.tableName, Key: ticketKey(id), ConsistentRead: true }),
      );
      return out.Item ? stripStorage<Ticket>(out.Item) : null;
    } catch (err) {
      throw toDomainError(err, { what: `getTicket ${id}` });
    }
  }

  public async saveTicket(ticket: Ticket): Promise<void> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: this.ticketItem(ticket),
          ConditionExpression: '#version = :expected',
          ExpressionAttributeNames: { '#version': 'version' },
          ExpressionAttributeValues: { ':expected': ticket.version - 1 },
        }),
      );
    } catch (err) {
      throw toDomainError(err, {
        what: `saveTicket ${ticket.id} v${ticket.version}`,
        onConditionFailed: 'concurrent-modification',
      });
    }
  }

  /** Tickets in creation order (GSI `byKind`), all pages; `limit` counts matches after the status filter. */
  public async listTickets(query: ListTicketsQuery = {}): Promise<Ticket[]> {
    const tickets: Ticket[] = [];
    let startKey: Item | undefined;
    try {
      do {
        const out = await this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            IndexName: TABLE_SCHEMA.indexes[0].name,
            KeyConditionExpression: '#gpk = :kind',
            ...(query.status !== undefined ? { FilterExpression: '#status = :status' } : {}),
            ExpressionAttributeNames: {
              '#gpk': TABLE_SCHEMA.indexes[0].partitionKey,
              ...(query.status !== undefined ? { '#status': 'status' } : {}),
            },
            ExpressionAttributeValues: {
              ':kind': TICKET_KIND,
              ...(query.status !== undefined ? { ':status': query.status } : {}),
            },
            ExclusiveStartKey: startKey,
          }),
        );
        for (const item of out.Items ?? []) tickets.push(stripStorage<Ticket>(item));
        startKey = out.LastEvaluatedKey;
      } while (startKey !== undefined && (query.limit === undefined || tickets.length < query.limit));
    } catch (err) {
      throw toDomainError(err, { what: 'listTickets' });
    }
    return query.limit === undefined ? tickets : tickets.slice(0, query.limit);
  }

  /** One conditional put; a second store of the identical message is a no-op, a different message under the same key is an {@link AlreadyExistsError}. */
  public async appendMessage(message: TicketMessage): Promise<void> {
    const what = `appendMessage ${message.ticketId} ${message.key}`;
    const body = clean(message);
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...body, pk: ticketKey(message.ticketId).pk, sk: messageSortKey(message) },
          ConditionExpression: 'attribute_not_exists(pk)',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw toDomainError(err, { what });
      const oldRaw = (err as { Item?: Record<string, never> }).Item;
      if (oldRaw !== undefined && sameJson(stripStorage(unmarshall(oldRaw)), body)) return;
      throw new AlreadyExistsError(`${what}: a different message is stored under this key`, { cause: err });
    }
  }

  /** Messages of a ticket, oldest first (sort key starts with the ISO time). */
  public async listMessages(ticketId: string): Promise<TicketMessage[]> {
    const messages: TicketMessage[] = [];
    let startKey: Item | undefined;
    try {
      do {
        const out = await this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: 'pk = :pk AND begins_with(sk, :msg)',
            ExpressionAttributeValues: { ':pk': ticketKey(ticketId).pk, ':msg': 'MSG#' },
            ConsistentRead: true,
            ExclusiveStartKey: startKey,
          }),
        );
        for (const item of out.Items ?? []) messages.push(stripStorage<TicketMessage>(item));
        startKey = out.LastEvaluatedKey;
      } while (startKey !== undefined);
    } catch (err) {
      throw toDomainError(err, { what: `listMessages ${ticketId}` });
    }
    return messages;
  }

  /**
   * One conditional put per distinct id (BatchWriteItem cannot be conditional), run in
   * parallel: an id already mapped, to this or another ticket, is left as it is.
   */
  public async indexMessageIds(ticketId: string, messageIds: readonly string[]): Promise<void> {
    const ids = distinctNormalized(messageIds);
    const queue = [...ids];
    const worker = async () => {
      for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
        try {
          await this.client.send(
            new PutCommand({
              TableName: this.tableName,
              Item: { ...messageIdKey(id), ticketId, messageId: id },
              ConditionExpression: 'attribute_not_exists(pk)',
            }),
          );
        } catch (err) {
          if (!isConditionalCheckFailed(err)) throw toDomainError(err, { what: `indexMessageIds ${ticketId} ${id}` });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.indexConcurrency, ids.length) }, worker));
  }

  /** BatchGetItem per 100 ids (unprocessed keys retried); the first id in the given order that maps wins. */
  public async findTicketByMessageIds(messageIds: readonly string[]): Promise<string | null> {
    const ids = distinctNormalized(messageIds);
    if (ids.length === 0) return null;
    const found = new Map<string, string>();
    try {
      for (let i = 0; i < ids.length; i += BATCH_GET_LIMIT) {
        let keys: Item[] = ids.slice(i, i + BATCH_GET_LIMIT).map(messageIdKey);
        for (let attempt = 1; keys.length > 0; attempt += 1) {
          if (attempt > 10) throw new TransientError('findTicketByMessageIds: unprocessed keys after 10 attempts');
          if (attempt > 1) await sleep(Math.random() * Math.min(this.maxBackoffMs * 4, 10 * 2 ** attempt));
          const out = await this.client.send(
            new BatchGetCommand({
              RequestItems: { [this.tableName]: { Keys: keys, ConsistentRead: true } },
            }),
          );
          for (const item of out.Responses?.[this.tableName] ?? []) {
            found.set(String(item.pk), String(item.ticketId));
          }
          keys = (out.UnprocessedKeys?.[this.tableName]?.Keys as Item[] | undefined) ?? [];
        }
      }
    } catch (err) {
      throw toDomainError(err, { what: 'findTicketByMessageIds' });
    }
    for (const id of ids) {
      const ticketId = found.get(messageIdKey(id).pk);
      if (ticketId !== undefined) return ticketId;
    }
    return null;
  }

  private ticketItem(ticket: Ticket): Item {
    const [index, queue] = TABLE_SCHEMA.indexes;
    return {
      ...clean(ticket),
      ...ticketKey(ticket.id),
      [index.partitionKey]: TICKET_KIND,
      [index.sortKey]: ticket.createdAt,
      ...queueKeys(ticket, queue),
    };
  }

  private async readClaim(key: string, what: string): Promise<number | null> {
    try {
      const out = await this.client.send(
        new GetCommand({ TableName: this.tableName, Key: claimKey(key), ConsistentRead: true }),
      );
      return typeof out.Item?.number === 'number' ? out.Item.number : null;
    } catch (err) {
      throw toDomainError(err, { what });
    }
  }

  private async readCounter(what: string): Promise<number> {
    try {
      const out = await this.client.send(
        new GetCommand({ TableName: this.tableName, Key: COUNTER_KEY, ConsistentRead: true }),
      );
      return typeof out.Item?.n === 'number' ? out.Item.n : 0;
    } catch (err) {
      throw toDomainError(err, { what });
    }
  }
}

/** The desk queue's index keys of a ticket (GSI `byQueue`): its status lane and urgency order. */
export function queueKeys(ticket: Ticket, queue = TABLE_SCHEMA.indexes[1]): Item {
  return { [queue.partitionKey]: `${QUEUE_KIND}${ticket.status}`, [queue.sortKey]: queueSortKey(ticket) };
}

function distinctNormalized(messageIds: readonly string[]): string[] {
  return [...new Set(messageIds.map(normalizeMessageId).filter((id) => id.length > 0))];
}

/** `number` / `n` from a raw attribute map returned with a cancellation reason. */
function numberOf(item: Record<string, unknown> | undefined): number | null {
  if (item === undefined) return null;
  const attr = (item.number ?? item.n) as { N?: string } | undefined;
  const n = attr?.N !== undefined ? Number(attr.N) : NaN;
  return Number.isFinite(n) ? n : null;
}
