import { GetCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { BeginResult, InboundLedger, InboundRecord, LedgerOutcome } from '../domain/ports';
import { InvalidInputError, NotFoundError } from '../domain/errors';
import { TABLE_SCHEMA } from './table-schema';
import { isConditionalCheckFailed, toDomainError } from './sdk-errors';

export const INBOUND_KIND = 'KIND#INBOUND';
export const inboundKey = (key: string) => ({ pk: `INBOUND#${key}`, sk: 'INBOUND' });

export interface DynamoDbInboundLedgerOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
}

type Item = Record<string, unknown>;

/** The record an item of the table holds (also read back from a cancelled commit). */
export function recordFromItem(item: Item): InboundRecord {
  const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
  return {
    key: String(item.key),
    sesMessageId: str(item.sesMessageId) ?? '',
    rawKey: str(item.rawKey) ?? '',
    receivedAt: str(item.receivedAt) ?? '',
    state: item.state === 'done' ? 'done' : 'processing',
    leaseUntil: str(item.leaseUntil),
    outcome: str(item.outcome) as LedgerOutcome | null,
    reason: str(item.reason),
    ticketId: str(item.ticketId),
    steps: Array.isArray(item.steps) ? item.steps.map(String) : [],
  };
}

/**
 * The inbound dedupe ledger: one item per delivery key (`INBOUND#<key>` / `INBOUND`).
 * `begin` is a single conditional UpdateItem whose old image (on success or on condition
 * failure) tells fresh / resume / duplicate / busy apart, so a duplicate costs one call.
 */
export class DynamoDbInboundLedger implements InboundLedger {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;

  public constructor(options: DynamoDbInboundLedgerOptions) {
    if (!options.tableName) throw new InvalidInputError('tableName: must not be empty');
    this.client = options.client;
    this.tableName = options.tableName;
  }

  public async begin(input: {
    key: string;
    sesMessageId: string;
    rawKey: string;
    now: Date;
    leaseMs: number;
  }): Promise<BeginResult> {
    if (!input.key) throw new InvalidInputError('key: must not be empty');
    const now = input.now.toISOString();
    const leaseUntil = new Date(input.now.getTime() + input.leaseMs).toISOString();
    const index = TABLE_SCHEMA.indexes[0];
    try {
      // UpdateItem rather than PutItem: taking over an expired lease keeps the crashed
      // attempt's steps and ticket id, which a put would wipe.
      const out = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: inboundKey(input.key),
          UpdateExpression:
            'SET #key = :key, #state = :processing, #leaseUntil = :leaseUntil, ' +
            '#ses = if_not_exists(#ses, :ses), #rawKey = if_not_exists(#rawKey, :rawKey), ' +
            '#receivedAt = if_not_exists(#receivedAt, :now), #steps = if_not_exists(#steps, :noSteps), ' +
            '#outcome = if_not_exists(#outcome, :null), #reason = if_not_exists(#reason, :null), ' +
            '#ticketId = if_not_exists(#ticketId, :null), ' +
            '#gpk = :kind, #gsk = if_not_exists(#gsk, :now)',
          ConditionExpression: 'attribute_not_exists(pk) OR (#state = :processing AND #leaseUntil < :now)',
          ExpressionAttributeNames: {
            '#key': 'key',
            '#state': 'state',
            '#leaseUntil': 'leaseUntil',
            '#ses': 'sesMessageId',
            '#rawKey': 'rawKey',
            '#receivedAt': 'receivedAt',
            '#steps': 'steps',
            '#outcome': 'outcome',
            '#reason': 'reason',
            '#ticketId': 'ticketId',
            '#gpk': index.partitionKey,
            '#gsk': index.sortKey,
          },
          ExpressionAttributeValues: {
            ':key': input.key,
            ':processing': 'processing',
            ':leaseUntil': leaseUntil,
            ':ses': input.sesMessageId,
            ':rawKey': input.rawKey,
            ':now': now,
            ':noSteps': [],
            ':null': null,
            ':kind': INBOUND_KIND,
          },
          // Old image on success tells a fresh claim (none) from a take-over of an expired lease.
          ReturnValues: 'ALL_OLD',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      if (out.Attributes === undefined) {
        return {
          kind: 'fresh',
          record: {
            key: input.key,
            sesMessageId: input.sesMessageId,
            rawKey: input.rawKey,
            receivedAt: now,
            state: 'processing',
            leaseUntil,
            outcome: null,
            reason: null,
            ticketId: null,
            steps: [],
          },
        };
      }
      return { kind: 'resume', record: { ...recordFromItem(out.Attributes), state: 'processing', leaseUntil } };
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw toDomainError(err, { what: `ledger begin ${input.key}` });
      const old = (err as { Item?: Record<string, never> }).Item;
      if (old === undefined) throw toDomainError(err, { what: `ledger begin ${input.key}` });
      const record = recordFromItem(unmarshall(old));
      return { kind: record.state === 'done' ? 'duplicate' : 'busy', record };
    }
  }

  public async progress(key: string, patch: { ticketId?: string; step?: string }): Promise<void> {
    const sets: string[] = [];
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {};
    if (patch.ticketId !== undefined) {
      sets.push('#ticketId = :ticketId');
      names['#ticketId'] = 'ticketId';
      values[':ticketId'] = patch.ticketId;
    }
    if (patch.step !== undefined) {
      sets.push('#steps = list_append(if_not_exists(#steps, :noSteps), :step)');
      names['#steps'] = 'steps';
      values[':noSteps'] = [];
      values[':step'] = [patch.step];
      values[':stepValue'] = patch.step;
    }
    if (sets.length === 0) return;
    const what = `ledger progress ${key}`;
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: inboundKey(key),
          UpdateExpression: `SET ${sets.join(', ')}`,
          // A step recorded twice (a retry) must not appear twice in the list.
          ConditionExpression:
            patch.step !== undefined ? 'attribute_exists(pk) AND NOT contains(#steps, :stepValue)' : 'attribute_exists(pk)',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw toDomainError(err, { what });
      const old = (err as { Item?: Record<string, never> }).Item;
      if (old === undefined) throw new NotFoundError(`${what}: no such record`, { cause: err });
      // The step was already there: only the ticket id may still need writing.
      if (patch.ticketId !== undefined && recordFromItem(unmarshall(old)).ticketId !== patch.ticketId) {
        await this.progress(key, { ticketId: patch.ticketId });
      }
    }
  }

  public async complete(
    key: string,
    outcome: LedgerOutcome,
    details: { reason?: string; ticketId?: string | null } = {},
  ): Promise<void> {
    const names: Record<string, string> = {
      '#state': 'state',
      '#outcome': 'outcome',
      '#reason': 'reason',
      '#leaseUntil': 'leaseUntil',
    };
    const values: Record<string, unknown> = {
      ':done': 'done',
      ':outcome': outcome,
      ':reason': details.reason ?? null,
      ':null': null,
    };
    let update = 'SET #state = :done, #outcome = :outcome, #reason = :reason, #leaseUntil = :null';
    if (details.ticketId !== undefined) {
      update += ', #ticketId = :ticketId';
      names['#ticketId'] = 'ticketId';
      values[':ticketId'] = details.ticketId;
    }
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: inboundKey(key),
          UpdateExpression: update,
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
    } catch (err) {
      throw toDomainError(err, { what: `ledger complete ${key}`, onConditionFailed: 'not-found' });
    }
  }

  public async get(key: string): Promise<InboundRecord | null> {
    try {
      const out = await this.client.send(
        new GetCommand({ TableName: this.tableName, Key: inboundKey(key), ConsistentRead: true }),
      );
      return out.Item ? recordFromItem(out.Item) : null;
    } catch (err) {
      throw toDomainError(err, { what: `ledger get ${key}` });
    }
  }

  /** Every record, oldest first (GSI `byKind`, all pages). */
  public async list(): Promise<InboundRecord[]> {
    const records: InboundRecord[] = [];
    let startKey: Item | undefined;
    const index = TABLE_SCHEMA.indexes[0];
    try {
      do {
        const out = await this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            IndexName: index.name,
            KeyConditionExpression: '#gpk = :kind',
            ExpressionAttributeNames: { '#gpk': index.partitionKey },
            ExpressionAttributeValues: { ':kind': INBOUND_KIND },
            ExclusiveStartKey: startKey,
          }),
        );
        for (const item of out.Items ?? []) records.push(recordFromItem(item));
        startKey = out.LastEvaluatedKey;
      } while (startKey !== undefined);
    } catch (err) {
      throw toDomainError(err, { what: 'ledger list' });
    }
    return records;
  }
}
