import 'aws-sdk-client-mock-jest';
import { mockClient } from 'aws-sdk-client-mock';
import { ConditionalCheckFailedException, DynamoDBClient, InternalServerError } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDbCounters } from '../../../lambdas/adapters/dynamodb-counters';
import { TicketError } from '../../../lambdas/domain/errors';

const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
const ddb = mockClient(doc);
const counters = () => new DynamoDbCounters({ client: doc, tableName: 't' });
const KEY = 'THROTTLE#ack#a@b.example#h2026-11-17T10';

beforeEach(() => ddb.reset());

describe('DynamoDbCounters', () => {
  it('adds one with a single conditional update under the limit, setting the TTL in epoch seconds', async () => {
    ddb.on(UpdateCommand).resolves({});
    await expect(counters().incrementIfBelow(KEY, 5, new Date('2026-11-17T12:00:00Z'))).resolves.toBe(true);
    expect(ddb).toHaveReceivedCommandTimes(UpdateCommand, 1);
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
      Key: { pk: `COUNTER#${KEY}`, sk: 'COUNTER' },
      ConditionExpression: 'attribute_not_exists(#n) OR #n < :limit',
      ExpressionAttributeValues: { ':one': 1, ':limit': 5, ':ttl': Date.parse('2026-11-17T12:00:00Z') / 1000 },
    });
  });

  it('answers false when the limit is reached', async () => {
    ddb.on(UpdateCommand).rejects(new ConditionalCheckFailedException({ message: 'no', $metadata: {} }));
    await expect(counters().incrementIfBelow(KEY, 5, new Date())).resolves.toBe(false);
  });

  it('turns other failures into domain errors and refuses keys that could hit the ticket counter', async () => {
    ddb.on(UpdateCommand).rejects(new InternalServerError({ message: 'boom', $metadata: {} }));
    await expect(counters().incrementIfBelow(KEY, 5, new Date())).rejects.toBeInstanceOf(TicketError);
    await expect(counters().incrementIfBelow('TICKET', 5, new Date())).rejects.toThrow(/THROTTLE#/);
  });
});
