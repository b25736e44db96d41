import {
  BatchGetCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { CommitResult, IngestCommit, ListTicketsQuery, NewTicketClaim, NewTicketClaimInput, TicketRepository } from '../domain/ports';
import { DynamoDbTicketNumbers } from './dynamodb-ticket-numbers';
import type { Ticket, TicketMessage } from '../domain/ticket';
import { AlreadyExistsError, InvalidInputError, TransientError } from '../domain/errors';
import { TABLE_SCHEMA } from './table-schema';
import { queueSortKey } from '../domain/queue-order';
import { cancellationReasons, isConditionalCheckFailed, isTransactionCanceled, toDomainError } from './sdk-errors';
import {
  clean,
  commitItems,
  commitRefusal,
  distinctNormalized,
  messageIdKey,
  messageSortKey,
  ticketKey,
  TICKET_KIND,
  TRANSACTION_ITEMS_MAX,
  type Item,
} from './dynamodb-transactions';

export { claimKey, COUNTER_KEY, messageIdKey, messageSortKey, normalizeMessageId, ticketKey, TICKET_KIND } from './dynamodb-transactions';
/** Partition of a status lane in GSI `byQueue`: `QUEUE#<status>`. */
export const QUEUE_KIND = 'QUEUE#';

/** Attributes the table adds around a domain object; stripped when reading back. */
const STORAGE_ATTRIBUTES = ['pk', 'sk', 'gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk', TABLE_SCHEMA.ttlAttribute] as const;

const BATCH_GET_LIMIT = 100;

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

function stripStorage<T>(item: Item): T {
  const copy: Item = { ...item };
  for (const attr of STORAGE_ATTRIBUTES) delete copy[attr];
  return copy as T;
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
  /** The region's ticket sequence (reservations, this container's guess of the next number). */
  private readonly numbers: DynamoDbTicketNumbers;

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
    this.numbers = new DynamoDbTicketNumbers(this.client, this.tableName, this.maxAttempts, this.maxBackoffMs);
  }

  /** `<prefix>-<number>`. */
  public formatTicketId(n: number): string {
    return `${this.ticketPrefix}-${n}`;
  }

  /** Reserves a number for `key` (see {@link DynamoDbTicketNumbers.allocate}). */
  public allocateTicketNumber(key: string): Promise<number> {
    return this.numbers.allocate(key);
  }

  /** The number a new ticket should try next: one GetItem on a cold container, then the last value seen. */
  public nextTicketNumber(): Promise<number> {
    return this.numbers.next();
  }

  public claimNewTicket(input: NewTicketClaimInput): Promise<NewTicketClaim> {
    return this.numbers.claimNewTicket(input);
  }

  public releaseTicketNumber(number: number): Promise<void> {
    return this.numbers.release(number);
  }

  /**
   * One TransactWriteItems: the ledger record (conditioned on not holding the step yet),
   * counter and ticket, messages, Message-ID map items and throttle counters (items:
   * dynamodb-transactions.ts). A cancellation is read back from its reasons (old items
   * returned with them), so a refusal costs no extra read.
   */
  public async commit(c: IngestCommit): Promise<CommitResult> {
    const what = c.ledger ? `commit ${c.ledger.key} ${c.ledger.step}` : `commit ticket ${c.ticket?.ticket.id ?? '(none)'}`;
    const layout = commitItems(this.tableName, c, (t) => this.ticketItem(t));
    if (layout.items.length > TRANSACTION_ITEMS_MAX) throw new InvalidInputError(`${what}: ${layout.items.length} writes exceed one transaction`);
    try {
      await this.client.send(new TransactWriteCommand({ TransactItems: layout.items }));
      if (c.ticket?.write === 'create') this.numbers.seen(c.ticket.ticket.number);
      return { ok: true };
    } catch (err) {
      if (!isTransactionCanceled(err)) throw toDomainError(err, { what });
      const reasons = cancellationReasons(err);
      const refusal = commitRefusal(c, layout, reasons);
      if (refusal?.conflict === 'number') this.numbers.seen(refusal.current, true);
      if (refusal?.conflict === 'version' && c.ticket?.write === 'create') this.numbers.forget();
      if (refusal) return refusal;
      // TransactionConflict (a concurrent transaction on one of the items) and the like: retryable.
      throw new TransientError(`${what}: cancelled (${reasons.map((r) => r.code).join(',')})`, { cause: err });
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
}

/** The desk queue's index keys of a ticket (GSI `byQueue`): its status lane and urgency order. */
export function queueKeys(ticket: Ticket, queue = TABLE_SCHEMA.indexes[1]): Item {
  return { [queue.partitionKey]: `${QUEUE_KIND}${ticket.status}`, [queue.sortKey]: queueSortKey(ticket) };
}
