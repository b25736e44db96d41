import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { InvalidInputError } from '../domain/errors';
import type { ThrottleCounter } from '../domain/ports';
import { TABLE_SCHEMA } from './table-schema';
import { isConditionalCheckFailed, toDomainError } from './sdk-errors';

export interface DynamoDbCountersOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
}

/** Key of a counter item: `COUNTER#<key>` / `COUNTER` (the ticket sequence is `COUNTER#TICKET`, never a throttle key). */
export const counterKey = (key: string) => ({ pk: `COUNTER#${key}`, sk: 'COUNTER' });

/**
 * Expiring counters in the single table: one conditional `ADD` per call (no read first, so
 * concurrent senders cannot both slip under the limit); the item carries the table's TTL
 * attribute (epoch seconds) and DynamoDB deletes it after the window.
 */
export class DynamoDbCounters implements ThrottleCounter {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;

  public constructor(options: DynamoDbCountersOptions) {
    if (!options.tableName) throw new InvalidInputError('tableName: must not be empty');
    this.client = options.client;
    this.tableName = options.tableName;
  }

  public async incrementIfBelow(key: string, limit: number, expiresAt: Date): Promise<boolean> {
    if (!key.startsWith('THROTTLE#')) throw new InvalidInputError(`key: "${key}" must start with THROTTLE#`);
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: counterKey(key),
          UpdateExpression: 'ADD #n :one SET #ttl = if_not_exists(#ttl, :ttl)',
          ConditionExpression: 'attribute_not_exists(#n) OR #n < :limit',
          ExpressionAttributeNames: { '#n': 'n', '#ttl': TABLE_SCHEMA.ttlAttribute },
          ExpressionAttributeValues: { ':one': 1, ':limit': limit, ':ttl': Math.ceil(expiresAt.getTime() / 1000) },
        }),
      );
      return true;
    } catch (err) {
      if (isConditionalCheckFailed(err)) return false;
      throw toDomainError(err, { what: `incrementIfBelow ${key}` });
    }
  }
}
