import { createHash } from 'node:crypto';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { InvalidInputError } from '../domain/errors';
import type { CommitResult, InboundRecord, IngestCommit } from '../domain/ports';
import type { TicketMessage } from '../domain/ticket';
import { counterKey } from './dynamodb-counters';
import { INBOUND_KIND, inboundKey, recordFromItem } from './dynamodb-inbound-ledger';
import { TABLE_SCHEMA } from './table-schema';

/**
 * The items of the repository's transactions (TransactWriteItems), built apart from the
 * calls that send them: the ingest/timer commit, and the claim that reserves a ticket number.
 */

export type Item = Record<string, unknown>;

export const TICKET_KIND = 'KIND#TICKET';
export const COUNTER_KEY = { pk: 'COUNTER#TICKET', sk: 'COUNTER' } as const;
/** DynamoDB's limit on the items of one transaction. */
export const TRANSACTION_ITEMS_MAX = 100;

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

export function distinctNormalized(messageIds: readonly string[]): string[] {
  return [...new Set(messageIds.map(normalizeMessageId).filter((id) => id.length > 0))];
}

/** Sort key of a message. `key` is documented as `<iso>#<suffix>` already; a bare suffix gets `at` prepended so messages still sort by time. */
export function messageSortKey(message: Pick<TicketMessage, 'at' | 'key'>): string {
  return message.key.startsWith(`${message.at}#`) ? `MSG#${message.key}` : `MSG#${message.at}#${message.key}`;
}

/** Deep copy without undefined values (DynamoDB has no `undefined`; a round trip must compare equal). */
export function clean<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** `number` / `n` from a raw attribute map returned with a cancellation reason. */
export function numberOf(item: Record<string, unknown> | undefined): number | null {
  if (item === undefined) return null;
  const attr = (item.number ?? item.n) as { N?: string } | undefined;
  const n = attr?.N !== undefined ? Number(attr.N) : NaN;
  return Number.isFinite(n) ? n : null;
}

/** Moves the region counter from `number - 1` to `number` (a transaction item). */
export function counterMove(table: string, number: number): Item {
  const first = number === 1;
  return {
    Update: {
      TableName: table,
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
export function throttleMove(table: string, t: { key: string; limit: number; expiresAt: Date }): Item {
  if (!t.key.startsWith('THROTTLE#')) throw new InvalidInputError(`throttle key: "${t.key}" must start with THROTTLE#`);
  return {
    Update: {
      TableName: table,
      Key: counterKey(t.key),
      UpdateExpression: 'ADD #n :one SET #ttl = if_not_exists(#ttl, :ttl)',
      ConditionExpression: 'attribute_not_exists(#n) OR #n < :limit',
      ExpressionAttributeNames: { '#n': 'n', '#ttl': TABLE_SCHEMA.ttlAttribute },
      ExpressionAttributeValues: { ':one': 1, ':limit': t.limit, ':ttl': Math.ceil(t.expiresAt.getTime() / 1000) },
    },
  };
}

/** Where each conditional item of a commit sits in its transaction (-1: not there). */
export interface CommitLayout {
  items: Item[];
  ledgerAt: number;
  ticketAt: number;
  counterAt: number;
  throttleAt: number;
}

/**
 * The items of one commit: the ledger record (conditioned on not holding the step yet), the
 * ticket (created with the counter moved, or saved at its version), messages, Message-ID map
 * items and throttle counters.
 */
export function commitItems(table: string, c: IngestCommit, ticketItem: (t: NonNullable<IngestCommit['ticket']>['ticket']) => Item): CommitLayout {
  const items: Item[] = [];
  let ledgerAt = -1;
  if (c.ledger) {
    const ledgerSets = ['#ticketId = :ticketId', '#steps = list_append(if_not_exists(#steps, :noSteps), :steps)'];
    const names: Record<string, string> = { '#ticketId': 'ticketId', '#steps': 'steps' };
    const values: Record<string, unknown> = {
      ':ticketId': c.ledger.ticketId,
      ':noSteps': [],
      ':steps': [c.ledger.step, ...(c.ledger.steps ?? [])],
      ':step': c.ledger.step,
    };
    if (c.ledger.complete) {
      ledgerSets.push('#state = :done', '#outcome = :outcome', '#reason = :null', '#leaseUntil = :null');
      Object.assign(names, { '#state': 'state', '#outcome': 'outcome', '#reason': 'reason', '#leaseUntil': 'leaseUntil' });
      Object.assign(values, { ':done': 'done', ':outcome': c.ledger.complete, ':null': null });
    }
    ledgerAt = items.length;
    items.push({
      Update: {
        TableName: table,
        Key: inboundKey(c.ledger.key),
        UpdateExpression: `SET ${ledgerSets.join(', ')}`,
        ConditionExpression: 'attribute_exists(pk) AND NOT contains(#steps, :step)',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    });
  }
  const ticketAt = c.ticket ? items.length : -1;
  const counterAt = c.ticket?.write === 'create' && !c.ticket.numberReserved ? ticketAt + 1 : -1;
  if (c.ticket?.write === 'create') {
    const t = c.ticket.ticket;
    items.push({ Put: { TableName: table, Item: ticketItem(t), ConditionExpression: 'attribute_not_exists(pk)' } });
    if (!c.ticket.numberReserved) items.push(counterMove(table, t.number));
  } else if (c.ticket) {
    items.push({
      Put: {
        TableName: table,
        Item: ticketItem(c.ticket.ticket),
        ConditionExpression: '#version = :expected',
        ExpressionAttributeNames: { '#version': 'version' },
        ExpressionAttributeValues: { ':expected': c.ticket.ticket.version - 1 },
      },
    });
  }
  // Unconditional: the ledger condition (or the ticket version) already makes the commit happen once.
  for (const m of c.messages ?? []) {
    items.push({ Put: { TableName: table, Item: { ...clean(m), pk: ticketKey(m.ticketId).pk, sk: messageSortKey(m) } } });
  }
  // A map item keeps its first ticket (if_not_exists) without a condition that could cancel the commit.
  const mapTo = c.ticket?.ticket.id ?? c.ledger?.ticketId ?? null;
  if (mapTo !== null) {
    for (const id of distinctNormalized(c.messageIds ?? [])) {
      items.push({
        Update: {
          TableName: table,
          Key: messageIdKey(id),
          UpdateExpression: 'SET #ticketId = if_not_exists(#ticketId, :ticketId), #messageId = :messageId',
          ExpressionAttributeNames: { '#ticketId': 'ticketId', '#messageId': 'messageId' },
          ExpressionAttributeValues: { ':ticketId': mapTo, ':messageId': id },
        },
      });
    }
  }
  const throttleAt = items.length;
  for (const t of c.throttles ?? []) items.push(throttleMove(table, t));
  return { items, ledgerAt, ticketAt, counterAt, throttleAt };
}

/**
 * What a cancelled commit means, read from its cancellation reasons (the old items come with
 * them, so a refusal costs no extra read); null when no condition refused it (a transaction
 * conflict or throttling: retryable).
 */
export function commitRefusal(
  c: IngestCommit,
  layout: CommitLayout,
  reasons: Array<{ code: string; item?: Record<string, unknown> }>,
): Exclude<CommitResult, { ok: true }> | null {
  const failed = (i: number) => i >= 0 && reasons[i]?.code === 'ConditionalCheckFailed';
  if (failed(layout.ledgerAt)) {
    const old = reasons[layout.ledgerAt].item;
    return { ok: false, conflict: 'done', record: old ? recordFromItem(unmarshall(old as Record<string, never>)) : null };
  }
  if (failed(layout.counterAt)) return { ok: false, conflict: 'number', current: numberOf(reasons[layout.counterAt].item) ?? 0 };
  if (failed(layout.ticketAt)) return { ok: false, conflict: 'version' };
  const throttled = (c.throttles ?? []).findIndex((_, i) => failed(layout.throttleAt + i));
  if (throttled >= 0) return { ok: false, conflict: 'throttle', key: c.throttles![throttled].key };
  return null;
}

/** The ledger record a new-ticket claim puts, with the number it reserves. */
export function claimItem(table: string, record: InboundRecord): Item {
  const index = TABLE_SCHEMA.indexes[0];
  return {
    Put: {
      TableName: table,
      Item: { ...inboundKey(record.key), ...record, [index.partitionKey]: INBOUND_KIND, [index.sortKey]: record.receivedAt },
      ConditionExpression: 'attribute_not_exists(pk)',
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    },
  };
}
