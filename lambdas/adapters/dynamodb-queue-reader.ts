import { QueryCommand, UpdateCommand, type DynamoDBDocumentClient, type QueryCommandOutput } from '@aws-sdk/lib-dynamodb';
import { InvalidInputError } from '../domain/errors';
import { RUNNING_PREFIX, overdueUntil } from '../domain/queue-order';
import type { Ticket, TicketStatus } from '../domain/ticket';
import { QUEUE_KIND, TICKET_KIND, queueKeys, ticketKey } from './dynamodb-ticket-repository';
import { isConditionalCheckFailed, toDomainError } from './sdk-errors';
import { TABLE_SCHEMA, type QUEUE_ATTRIBUTES } from './table-schema';

/**
 * Read side of the desk page (issue 15): the queue from GSI `byQueue`, tickets opened in a
 * period from GSI `byKind`, and the one-off re-keying of tickets saved before `byQueue` existed.
 * Never a Scan: every read is a Query whose items are bounded by the page size or a read budget.
 */

/** What a queue row shows: the attributes `byQueue` projects. */
export type QueueTicket = Pick<Ticket, (typeof QUEUE_ATTRIBUTES)[number]>;

export interface QueueQuery {
  /** Status lanes to read, merged in urgency order (each lane is one index partition). */
  statuses: readonly TicketStatus[];
  pageSize: number;
  /** Where the previous page stopped ({@link QueuePage.next}). */
  cursor?: string | null;
  /** Only tickets whose running deadline is before this instant (a key range: no filtering). */
  overdueAt?: Date;
  /** A filter the index cannot serve; items are read in order until the page is full or the budget is spent. */
  match?: (ticket: QueueTicket) => boolean;
  /** Items read at most for one page when `match` is set (default 1000). */
  readBudget?: number;
}

export interface QueuePage {
  tickets: QueueTicket[];
  /** Cursor of the next page; null when the lanes are exhausted. */
  next: string | null;
  /** Index items DynamoDB read for this page (`ScannedCount` summed over the queries). */
  itemsRead: number;
  queries: number;
  /** True when the read budget ran out before the page was full (a filter matched few tickets). */
  budgetSpent: boolean;
}

type Item = Record<string, unknown>;
type Position = [sortKey: string, ticketId: string];

interface Lane {
  status: TicketStatus;
  buffer: Item[];
  /** ExclusiveStartKey of the next query; undefined before the first one. */
  startKey: Item | undefined;
  /** No more items in the lane beyond `buffer`. */
  done: boolean;
  /** Last item handed out (the cursor resumes after it); null when none yet. */
  position: Position | null;
}

const QUEUE_INDEX = TABLE_SCHEMA.indexes[1];
const KIND_INDEX = TABLE_SCHEMA.indexes[0];
const DEFAULT_BUDGET = 1000;
const FILTERED_CHUNK = 100;

function encodeCursor(lanes: Lane[]): string | null {
  const open = lanes.filter((l) => !l.done || l.buffer.length > 0);
  if (open.length === 0) return null;
  const state: Record<string, Position | 0 | null> = {};
  for (const lane of lanes) state[lane.status] = !lane.done || lane.buffer.length > 0 ? lane.position : 0;
  return Buffer.from(JSON.stringify({ v: 1, lanes: state })).toString('base64url');
}

function decodeCursor(cursor: string): Record<string, Position | 0 | null> {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { v?: unknown; lanes?: unknown };
    if (parsed.v !== 1 || typeof parsed.lanes !== 'object' || parsed.lanes === null) throw new Error('shape');
    const lanes = parsed.lanes as Record<string, unknown>;
    for (const value of Object.values(lanes)) {
      const ok = value === 0 || value === null || (Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === 'string' && v.length <= 200));
      if (!ok) throw new Error('position');
    }
    return lanes as Record<string, Position | 0 | null>;
  } catch {
    throw new InvalidInputError('cursor: not a cursor of this queue (start again from the first page)');
  }
}

const sortKeyOf = (item: Item): string => String(item[QUEUE_INDEX.sortKey]);
/** Storage keys of the table and its indexes: not part of a ticket. */
const KEY_ATTRIBUTES = [TABLE_SCHEMA.partitionKey, TABLE_SCHEMA.sortKey, ...TABLE_SCHEMA.indexes.flatMap((i) => [i.partitionKey, i.sortKey])];

function withoutKeys<T>(item: Item): T {
  const copy: Item = { ...item };
  for (const key of KEY_ATTRIBUTES) delete copy[key];
  return copy as T;
}

export class DynamoDbQueueReader {
  public constructor(private readonly options: { client: DynamoDBDocumentClient; tableName: string }) {}

  /**
   * One page of the queue: the lanes (one `byQueue` partition per status) are read in key
   * order and merged, so the page is in urgency order across statuses. Without `match` a page
   * reads at most `pageSize + 1` items per lane; with it, at most `readBudget` items.
   */
  public async page(query: QueueQuery): Promise<QueuePage> {
    if (!Number.isInteger(query.pageSize) || query.pageSize < 1 || query.pageSize > 500) {
      throw new InvalidInputError(`pageSize: ${query.pageSize} must be an integer from 1 to 500`);
    }
    const saved = query.cursor ? decodeCursor(query.cursor) : {};
    const lanes: Lane[] = [...new Set(query.statuses)].map((status) => {
      const at = saved[status];
      const position = Array.isArray(at) ? at : null;
      return {
        status,
        buffer: [],
        startKey: position ? this.startKeyAfter(status, position) : undefined,
        done: at === 0,
        position,
      };
    });
    const budget = query.match ? (query.readBudget ?? DEFAULT_BUDGET) : Infinity;
    const chunk = query.match ? Math.max(query.pageSize + 1, FILTERED_CHUNK) : query.pageSize + 1;
    const result: QueuePage = { tickets: [], next: null, itemsRead: 0, queries: 0, budgetSpent: false };

    while (result.tickets.length < query.pageSize) {
      const empty = lanes.filter((l) => l.buffer.length === 0 && !l.done);
      if (empty.length > 0) {
        if (result.itemsRead >= budget) {
          result.budgetSpent = true;
          break;
        }
        // A filter's budget is shared by the lanes: no lane reads past its share of what is left.
        const share = Math.max(1, Math.ceil((budget - result.itemsRead) / empty.length));
        await Promise.all(empty.map((lane) => this.fill(lane, Math.min(chunk, share), query.overdueAt, result)));
        continue;
      }
      let best: Lane | null = null;
      for (const lane of lanes) {
        if (lane.buffer.length === 0) continue;
        if (best === null || compare(lane.buffer[0], best.buffer[0]) < 0) best = lane;
      }
      if (best === null) break;
      const item = best.buffer.shift() as Item;
      best.position = [sortKeyOf(item), String(item.id)];
      const ticket = withoutKeys<QueueTicket>(item);
      if (!query.match || query.match(ticket)) result.tickets.push(ticket);
    }
    result.next = encodeCursor(lanes);
    return result;
  }

  /** The ExclusiveStartKey that resumes a lane after `position` (table and index keys of that item). */
  private startKeyAfter(status: TicketStatus, [sortKey, id]: Position): Item {
    return { ...ticketKey(id), [QUEUE_INDEX.partitionKey]: `${QUEUE_KIND}${status}`, [QUEUE_INDEX.sortKey]: sortKey };
  }

  private async fill(lane: Lane, limit: number, overdueAt: Date | undefined, result: QueuePage): Promise<void> {
    const names: Record<string, string> = { '#pk': QUEUE_INDEX.partitionKey };
    const values: Record<string, unknown> = { ':pk': `${QUEUE_KIND}${lane.status}` };
    let condition = '#pk = :pk';
    if (overdueAt) {
      names['#sk'] = QUEUE_INDEX.sortKey;
      Object.assign(values, { ':lo': RUNNING_PREFIX, ':hi': overdueUntil(overdueAt) });
      condition += ' AND #sk BETWEEN :lo AND :hi';
    }
    let out: QueryCommandOutput;
    try {
      out = await this.options.client.send(
        new QueryCommand({
          TableName: this.options.tableName,
          IndexName: QUEUE_INDEX.name,
          KeyConditionExpression: condition,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ExclusiveStartKey: lane.startKey,
          Limit: limit,
        }),
      );
    } catch (err) {
      throw toDomainError(err, { what: `queue ${lane.status}` });
    }
    result.queries += 1;
    result.itemsRead += out.ScannedCount ?? out.Items?.length ?? 0;
    lane.buffer.push(...((out.Items ?? []) as Item[]));
    lane.startKey = out.LastEvaluatedKey as Item | undefined;
    lane.done = lane.startKey === undefined;
  }

  /**
   * Tickets opened in `[since, until)` (GSI `byKind`, whose sort key is `createdAt`), all pages:
   * a report over a period reads that period's tickets, not the table.
   */
  public async ticketsCreated(range: { since?: Date | null; until?: Date | null }): Promise<{ tickets: Ticket[]; itemsRead: number }> {
    const { items, itemsRead } = await this.itemsCreated(range);
    return { tickets: items.map((item) => withoutKeys<Ticket>(item)), itemsRead };
  }

  private async itemsCreated(range: { since?: Date | null; until?: Date | null }): Promise<{ items: Item[]; itemsRead: number }> {
    const values: Record<string, unknown> = { ':kind': TICKET_KIND };
    const names: Record<string, string> = { '#pk': KIND_INDEX.partitionKey };
    let condition = '#pk = :kind';
    const since = range.since?.toISOString();
    // `until` is exclusive: the last instant before it, to the millisecond.
    const until = range.until ? new Date(range.until.getTime() - 1).toISOString() : undefined;
    if (since && until) condition += ' AND #sk BETWEEN :since AND :until';
    else if (since) condition += ' AND #sk >= :since';
    else if (until) condition += ' AND #sk <= :until';
    if (since || until) names['#sk'] = KIND_INDEX.sortKey;
    if (since) values[':since'] = since;
    if (until) values[':until'] = until;
    const items: Item[] = [];
    let itemsRead = 0;
    let startKey: Item | undefined;
    try {
      do {
        const out = await this.options.client.send(
          new QueryCommand({
            TableName: this.options.tableName,
            IndexName: KIND_INDEX.name,
            KeyConditionExpression: condition,
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
            ExclusiveStartKey: startKey,
          }),
        );
        itemsRead += out.ScannedCount ?? 0;
        items.push(...((out.Items ?? []) as Item[]));
        startKey = out.LastEvaluatedKey as Item | undefined;
      } while (startKey !== undefined);
    } catch (err) {
      throw toDomainError(err, { what: 'ticketsCreated' });
    }
    return { items, itemsRead };
  }

  /**
   * Writes the `byQueue` keys onto tickets saved before the index existed (or whose keys are
   * stale), each with one UpdateItem conditioned on the version read, so a concurrent save
   * (which writes the keys itself) wins. Reads every ticket once (GSI `byKind`): an operator's
   * one-off after an upgrade, not a request path.
   */
  public async reindexTickets(): Promise<{ tickets: number; updated: number }> {
    const { items } = await this.itemsCreated({});
    let updated = 0;
    for (const item of items) {
      const ticket = withoutKeys<Ticket>(item);
      const keys = queueKeys(ticket);
      if (Object.entries(keys).every(([k, v]) => item[k] === v)) continue;
      try {
        await this.options.client.send(
          new UpdateCommand({
            TableName: this.options.tableName,
            Key: ticketKey(ticket.id),
            UpdateExpression: 'SET #gpk = :gpk, #gsk = :gsk',
            ConditionExpression: '#version = :version',
            ExpressionAttributeNames: { '#gpk': QUEUE_INDEX.partitionKey, '#gsk': QUEUE_INDEX.sortKey, '#version': 'version' },
            ExpressionAttributeValues: {
              ':gpk': keys[QUEUE_INDEX.partitionKey],
              ':gsk': keys[QUEUE_INDEX.sortKey],
              ':version': ticket.version,
            },
          }),
        );
        updated += 1;
      } catch (err) {
        if (isConditionalCheckFailed(err)) continue;
        throw toDomainError(err, { what: `reindex ${ticket.id}` });
      }
    }
    return { tickets: items.length, updated };
  }
}

/** Urgency order of two index items: sort key, then ticket id (the key's own tie-break is the number). */
function compare(a: Item, b: Item): number {
  const ka = sortKeyOf(a);
  const kb = sortKeyOf(b);
  if (ka !== kb) return ka < kb ? -1 : 1;
  return String(a.id) < String(b.id) ? -1 : String(a.id) > String(b.id) ? 1 : 0;
}
