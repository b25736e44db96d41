import 'aws-sdk-client-mock-jest';
import { mockClient } from 'aws-sdk-client-mock';
import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  ProvisionedThroughputExceededException,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import {
  BatchGetCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import {
  DynamoDbTicketRepository,
  messageIdKey,
  messageSortKey,
  normalizeMessageId,
} from '../../../lambdas/adapters/dynamodb-ticket-repository';
import {
  AlreadyExistsError,
  ConcurrentModificationError,
  InvalidInputError,
  TransientError,
} from '../../../lambdas/domain/errors';
import { sampleMessage, sampleTicket } from './fixtures';

const TABLE = 'sesdesk-test';
const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
const ddb = mockClient(doc);

const repo = () =>
  new DynamoDbTicketRepository({ client: doc, tableName: TABLE, ticketPrefix: 'USE1', maxBackoffMs: 0 });

const ccf = (item?: Record<string, unknown>) =>
  new ConditionalCheckFailedException({
    message: 'The conditional request failed',
    $metadata: {},
    ...(item ? { Item: marshall(item) } : {}),
  });

const canceled = (reasons: Array<{ Code: string; Item?: Record<string, unknown> }>) =>
  new TransactionCanceledException({
    message: 'Transaction cancelled',
    $metadata: {},
    CancellationReasons: reasons.map((r) => ({ Code: r.Code, ...(r.Item ? { Item: marshall(r.Item) } : {}) })),
  });

beforeEach(() => ddb.reset());

describe('constructor', () => {
  it('rejects a prefix outside the id format, naming the field', () => {
    expect(() => new DynamoDbTicketRepository({ client: doc, tableName: TABLE, ticketPrefix: 'use1' })).toThrow(
      /ticketPrefix/,
    );
    expect(repo().formatTicketId(7)).toBe('USE1-7');
  });
});

describe('allocateTicketNumber', () => {
  it('returns the number of an existing claim with one read and no write', async () => {
    ddb.on(GetCommand, { Key: { pk: 'CLAIM#msg-1', sk: 'CLAIM' } }).resolves({ Item: { number: 17 } });

    await expect(repo().allocateTicketNumber('msg-1')).resolves.toBe(17);
    expect(ddb).toHaveReceivedCommandTimes(GetCommand, 1);
    expect(ddb).not.toHaveReceivedCommand(TransactWriteCommand);
  });

  it('creates the counter and the claim in one transaction when the counter is absent', async () => {
    ddb.on(GetCommand).resolves({});
    ddb.on(TransactWriteCommand).resolves({});

    await expect(repo().allocateTicketNumber('msg-1')).resolves.toBe(1);
    expect(ddb).toHaveReceivedCommandWith(GetCommand, {
      TableName: TABLE,
      Key: { pk: 'COUNTER#TICKET', sk: 'COUNTER' },
      ConsistentRead: true,
    });
    expect(ddb).toHaveReceivedCommandWith(TransactWriteCommand, {
      TransactItems: [
        {
          Update: expect.objectContaining({
            TableName: TABLE,
            Key: { pk: 'COUNTER#TICKET', sk: 'COUNTER' },
            UpdateExpression: 'SET #n = :next',
            ConditionExpression: 'attribute_not_exists(#n)',
            ExpressionAttributeNames: { '#n': 'n' },
            ExpressionAttributeValues: { ':next': 1 },
          }),
        },
        {
          Put: expect.objectContaining({
            TableName: TABLE,
            Item: { pk: 'CLAIM#msg-1', sk: 'CLAIM', number: 1 },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        },
      ],
    });
  });

  it('moves an existing counter from the value read, conditioned on that value', async () => {
    ddb.on(GetCommand, { Key: { pk: 'COUNTER#TICKET', sk: 'COUNTER' } }).resolves({ Item: { n: 41 } });
    ddb.on(GetCommand, { Key: { pk: 'CLAIM#msg-2', sk: 'CLAIM' } }).resolves({});
    ddb.on(TransactWriteCommand).resolves({});

    await expect(repo().allocateTicketNumber('msg-2')).resolves.toBe(42);
    const tx = ddb.commandCalls(TransactWriteCommand)[0].args[0].input.TransactItems!;
    expect(tx[0].Update).toMatchObject({
      ConditionExpression: '#n = :current',
      ExpressionAttributeValues: { ':next': 42, ':current': 41 },
    });
    expect(tx[1].Put?.Item).toEqual({ pk: 'CLAIM#msg-2', sk: 'CLAIM', number: 42 });
  });

  it('returns the number a concurrent twin claimed, from the cancellation reason, without another write', async () => {
    ddb.on(GetCommand).resolves({});
    ddb.on(TransactWriteCommand).rejects(
      canceled([{ Code: 'None' }, { Code: 'ConditionalCheckFailed', Item: { pk: 'CLAIM#k', sk: 'CLAIM', number: 9 } }]),
    );

    await expect(repo().allocateTicketNumber('k')).resolves.toBe(9);
    expect(ddb).toHaveReceivedCommandTimes(TransactWriteCommand, 1);
  });

  it('re-reads the claim when the cancellation carries no item', async () => {
    ddb.on(GetCommand, { Key: { pk: 'CLAIM#k', sk: 'CLAIM' } }).resolvesOnce({}).resolves({ Item: { number: 5 } });
    ddb.on(GetCommand, { Key: { pk: 'COUNTER#TICKET', sk: 'COUNTER' } }).resolves({ Item: { n: 4 } });
    ddb.on(TransactWriteCommand).rejects(canceled([{ Code: 'ConditionalCheckFailed' }, { Code: 'ConditionalCheckFailed' }]));

    await expect(repo().allocateTicketNumber('k')).resolves.toBe(5);
    expect(ddb).toHaveReceivedCommandTimes(TransactWriteCommand, 1);
  });

  it('retries with the counter value returned by a lost race', async () => {
    ddb.on(GetCommand, { Key: { pk: 'CLAIM#k', sk: 'CLAIM' } }).resolves({});
    ddb.on(GetCommand, { Key: { pk: 'COUNTER#TICKET', sk: 'COUNTER' } }).resolves({ Item: { n: 3 } });
    ddb
      .on(TransactWriteCommand)
      .rejectsOnce(
        canceled([{ Code: 'ConditionalCheckFailed', Item: { pk: 'COUNTER#TICKET', sk: 'COUNTER', n: 10 } }, { Code: 'None' }]),
      )
      .resolves({});

    await expect(repo().allocateTicketNumber('k')).resolves.toBe(11);
    const second = ddb.commandCalls(TransactWriteCommand)[1].args[0].input.TransactItems!;
    expect(second[0].Update?.ExpressionAttributeValues).toEqual({ ':next': 11, ':current': 10 });
    // The counter was read once: the retry used the value in the cancellation reason.
    expect(ddb.commandCalls(GetCommand, { Key: { pk: 'COUNTER#TICKET', sk: 'COUNTER' } })).toHaveLength(1);
  });

  it('re-reads the counter after a transaction conflict', async () => {
    ddb.on(GetCommand, { Key: { pk: 'CLAIM#k', sk: 'CLAIM' } }).resolves({});
    ddb
      .on(GetCommand, { Key: { pk: 'COUNTER#TICKET', sk: 'COUNTER' } })
      .resolvesOnce({ Item: { n: 1 } })
      .resolves({ Item: { n: 2 } });
    ddb.on(TransactWriteCommand).rejectsOnce(canceled([{ Code: 'TransactionConflict' }, { Code: 'None' }])).resolves({});

    await expect(repo().allocateTicketNumber('k')).resolves.toBe(3);
  });

  it('gives up with a TransientError after the configured attempts', async () => {
    ddb.on(GetCommand).resolves({});
    ddb.on(TransactWriteCommand).rejects(canceled([{ Code: 'TransactionConflict' }, { Code: 'None' }]));
    const limited = new DynamoDbTicketRepository({
      client: doc,
      tableName: TABLE,
      ticketPrefix: 'USE1',
      maxAllocationAttempts: 3,
      maxBackoffMs: 0,
    });

    await expect(limited.allocateTicketNumber('k')).rejects.toBeInstanceOf(TransientError);
    expect(ddb).toHaveReceivedCommandTimes(TransactWriteCommand, 3);
  });

  it('turns throttling into a TransientError', async () => {
    ddb.on(GetCommand).rejects(new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} }));
    await expect(repo().allocateTicketNumber('k')).rejects.toBeInstanceOf(TransientError);
  });

  it('rejects an empty claim key', async () => {
    await expect(repo().allocateTicketNumber('')).rejects.toBeInstanceOf(InvalidInputError);
  });
});

describe('tickets', () => {
  it('creates with a conditional put of the plain item plus keys and index attributes', async () => {
    ddb.on(PutCommand).resolves({});
    const ticket = sampleTicket();

    await repo().createTicket(ticket);
    expect(ddb).toHaveReceivedCommandWith(PutCommand, {
      TableName: TABLE,
      Item: {
        ...ticket, pk: 'TICKET#USE1-42', sk: 'META', gsi1pk: 'KIND#TICKET', gsi1sk: ticket.createdAt,
        // The desk queue (GSI byQueue): the status lane, then the first-response due time and number.
        gsi2pk: 'QUEUE#open', gsi2sk: `1#${ticket.sla.firstResponseDue}#000000000042`,
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
  });

  it('reports an existing id as AlreadyExistsError', async () => {
    ddb.on(PutCommand).rejects(ccf());
    const err = await repo().createTicket(sampleTicket()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AlreadyExistsError);
    expect((err as Error).message).toContain('USE1-42');
    expect((err as Error).cause).toBeInstanceOf(ConditionalCheckFailedException);
  });

  it('reads back exactly the domain object (storage attributes stripped)', async () => {
    const ticket = sampleTicket();
    ddb.on(GetCommand).resolves({});
    ddb
      .on(GetCommand, { Key: { pk: 'TICKET#USE1-42', sk: 'META' } })
      .resolves({ Item: { ...ticket, pk: 'TICKET#USE1-42', sk: 'META', gsi1pk: 'KIND#TICKET', gsi1sk: 'x', gsi2pk: 'QUEUE#open', gsi2sk: 'y' } });

    await expect(repo().getTicket('USE1-42')).resolves.toStrictEqual(ticket);
    expect(ddb).toHaveReceivedCommandWith(GetCommand, { ConsistentRead: true });
    await expect(repo().getTicket('USE1-404')).resolves.toBeNull();
  });

  it('saves only over the previous version', async () => {
    ddb.on(PutCommand).resolves({});
    await repo().saveTicket(sampleTicket({ version: 5, status: 'pending' }));

    expect(ddb).toHaveReceivedCommandWith(PutCommand, {
      Item: expect.objectContaining({ version: 5, status: 'pending', pk: 'TICKET#USE1-42' }),
      ConditionExpression: '#version = :expected',
      ExpressionAttributeNames: { '#version': 'version' },
      ExpressionAttributeValues: { ':expected': 4 },
    });
  });

  it('reports a stale version as ConcurrentModificationError', async () => {
    ddb.on(PutCommand).rejects(ccf());
    await expect(repo().saveTicket(sampleTicket({ version: 3 }))).rejects.toBeInstanceOf(ConcurrentModificationError);
  });

  it('lists every page of the byKind index, with the status filter', async () => {
    const a = sampleTicket({ id: 'USE1-1', number: 1, status: 'open' });
    const b = sampleTicket({ id: 'USE1-2', number: 2, status: 'open' });
    ddb
      .on(QueryCommand)
      .resolvesOnce({ Items: [{ ...a, pk: 'TICKET#USE1-1', sk: 'META' }], LastEvaluatedKey: { pk: 'TICKET#USE1-1' } })
      .resolvesOnce({ Items: [{ ...b, pk: 'TICKET#USE1-2', sk: 'META' }] });

    await expect(repo().listTickets({ status: 'open' })).resolves.toStrictEqual([a, b]);
    const calls = ddb.commandCalls(QueryCommand);
    expect(calls).toHaveLength(2);
    expect(calls[0].args[0].input).toMatchObject({
      IndexName: 'byKind',
      KeyConditionExpression: '#gpk = :kind',
      FilterExpression: '#status = :status',
      ExpressionAttributeNames: { '#gpk': 'gsi1pk', '#status': 'status' },
      ExpressionAttributeValues: { ':kind': 'KIND#TICKET', ':status': 'open' },
    });
    expect(calls[1].args[0].input.ExclusiveStartKey).toEqual({ pk: 'TICKET#USE1-1' });
  });

  it('stops paging once the limit is reached and truncates to it', async () => {
    const page = [1, 2, 3].map((n) => ({ ...sampleTicket({ id: `USE1-${n}`, number: n }) }));
    ddb.on(QueryCommand).resolves({ Items: page, LastEvaluatedKey: { pk: 'more' } });

    await expect(repo().listTickets({ limit: 2 })).resolves.toHaveLength(2);
    expect(ddb).toHaveReceivedCommandTimes(QueryCommand, 1);
    expect(ddb.commandCalls(QueryCommand)[0].args[0].input.FilterExpression).toBeUndefined();
  });
});

describe('messages', () => {
  it('stores a message under MSG#<at>#<suffix> with a conditional put', async () => {
    ddb.on(PutCommand).resolves({});
    const message = sampleMessage();

    await repo().appendMessage(message);
    expect(ddb).toHaveReceivedCommandWith(PutCommand, {
      Item: { ...message, pk: 'TICKET#USE1-42', sk: 'MSG#2026-03-02T09:00:00.000Z#abc' },
      ConditionExpression: 'attribute_not_exists(pk)',
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
  });

  it('prefixes a bare key with the time so messages still sort chronologically', () => {
    expect(messageSortKey({ at: '2026-01-01T00:00:00.000Z', key: 'x1' })).toBe('MSG#2026-01-01T00:00:00.000Z#x1');
    expect(messageSortKey({ at: '2026-01-01T00:00:00.000Z', key: '2026-01-01T00:00:00.000Z#x1' })).toBe(
      'MSG#2026-01-01T00:00:00.000Z#x1',
    );
  });

  it('treats a second store of the identical message as a no-op', async () => {
    const message = sampleMessage({ meta: { throttled: false, commands: ['#close'] } });
    // Same content, different key order, as DynamoDB may return it.
    const stored = { sk: 'MSG#x', pk: 'TICKET#USE1-42', ...Object.fromEntries(Object.entries(message).reverse()) };
    ddb.on(PutCommand).rejects(ccf(stored));

    await expect(repo().appendMessage(message)).resolves.toBeUndefined();
  });

  it('refuses a different message under an existing key', async () => {
    const message = sampleMessage();
    ddb.on(PutCommand).rejects(ccf({ ...message, text: 'something else', pk: 'TICKET#USE1-42', sk: 'MSG#x' }));

    await expect(repo().appendMessage(message)).rejects.toBeInstanceOf(AlreadyExistsError);
  });

  it('lists messages oldest first across pages, stripped to the domain shape', async () => {
    const m1 = sampleMessage({ key: '2026-03-02T09:00:00.000Z#a' });
    const m2 = sampleMessage({ key: '2026-03-02T10:00:00.000Z#b', at: '2026-03-02T10:00:00.000Z' });
    ddb
      .on(QueryCommand)
      .resolvesOnce({ Items: [{ ...m1, pk: 'p', sk: 's1' }], LastEvaluatedKey: { pk: 'p', sk: 's1' } })
      .resolvesOnce({ Items: [{ ...m2, pk: 'p', sk: 's2' }] });

    await expect(repo().listMessages('USE1-42')).resolves.toStrictEqual([m1, m2]);
    expect(ddb.commandCalls(QueryCommand)[0].args[0].input).toMatchObject({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :msg)',
      ExpressionAttributeValues: { ':pk': 'TICKET#USE1-42', ':msg': 'MSG#' },
      ConsistentRead: true,
    });
    expect(ddb.commandCalls(QueryCommand)[0].args[0].input.IndexName).toBeUndefined();
  });
});

describe('message-id index', () => {
  it('normalizes ids: brackets and whitespace gone, only the domain lower-cased', () => {
    expect(normalizeMessageId(' <AbC.123@Mail.Example.COM> ')).toBe('AbC.123@mail.example.com');
    expect(normalizeMessageId('<no-at-sign>')).toBe('no-at-sign');
    expect(normalizeMessageId('<>')).toBe('');
    expect(messageIdKey('a@b').pk).toMatch(/^MSGID#[0-9a-f]{64}$/);
  });

  it('puts one conditional item per distinct normalized id', async () => {
    ddb.on(PutCommand).resolves({});

    await repo().indexMessageIds('USE1-42', ['<A@X.com>', 'A@x.COM', ' <b@y.org>', '<>']);
    const items = ddb.commandCalls(PutCommand).map((c) => c.args[0].input);
    expect(items).toHaveLength(2);
    for (const input of items) {
      expect(input.ConditionExpression).toBe('attribute_not_exists(pk)');
      expect(input.Item?.ticketId).toBe('USE1-42');
      expect(input.Item?.sk).toBe('MSGID');
    }
    expect(items.map((i) => i.Item?.pk).sort()).toEqual([messageIdKey('A@x.com').pk, messageIdKey('b@y.org').pk].sort());
  });

  it('leaves ids that are already mapped alone and still indexes the rest', async () => {
    ddb.on(PutCommand, { Item: expect.objectContaining({ messageId: 'taken@x.com' }) }).rejects(ccf());
    ddb.on(PutCommand, { Item: expect.objectContaining({ messageId: 'new@x.com' }) }).resolves({});

    await expect(repo().indexMessageIds('USE1-42', ['taken@x.com', 'new@x.com'])).resolves.toBeUndefined();
    expect(ddb).toHaveReceivedCommandTimes(PutCommand, 2);
  });

  it('surfaces other failures as domain errors', async () => {
    ddb.on(PutCommand).rejects(new ProvisionedThroughputExceededException({ message: 'busy', $metadata: {} }));
    await expect(repo().indexMessageIds('USE1-42', ['a@x.com'])).rejects.toBeInstanceOf(TransientError);
  });

  it('finds the ticket of the first id in the given order that is indexed', async () => {
    ddb.on(BatchGetCommand).resolves({
      Responses: {
        [TABLE]: [
          { ...messageIdKey('late@x.com'), ticketId: 'USE1-2' },
          { ...messageIdKey('early@x.com'), ticketId: 'USE1-1' },
        ],
      },
    });

    await expect(repo().findTicketByMessageIds(['<unknown@x.com>', '<early@X.COM>', 'late@x.com'])).resolves.toBe('USE1-1');
    expect(ddb).toHaveReceivedCommandWith(BatchGetCommand, {
      RequestItems: {
        [TABLE]: {
          Keys: [messageIdKey('unknown@x.com'), messageIdKey('early@x.com'), messageIdKey('late@x.com')],
          ConsistentRead: true,
        },
      },
    });
  });

  it('retries unprocessed keys and chunks more than 100 ids', async () => {
    const ids = Array.from({ length: 150 }, (_, i) => `id${i}@x.com`);
    ddb
      .on(BatchGetCommand)
      .resolvesOnce({ Responses: { [TABLE]: [] }, UnprocessedKeys: { [TABLE]: { Keys: [messageIdKey('id99@x.com')] } } })
      .resolvesOnce({ Responses: { [TABLE]: [{ ...messageIdKey('id99@x.com'), ticketId: 'USE1-99' }] } })
      .resolves({ Responses: { [TABLE]: [] } });

    await expect(repo().findTicketByMessageIds(ids)).resolves.toBe('USE1-99');
    const calls = ddb.commandCalls(BatchGetCommand).map((c) => c.args[0].input.RequestItems![TABLE].Keys!.length);
    expect(calls).toEqual([100, 1, 50]);
  });

  it('answers null without a call for no usable ids', async () => {
    await expect(repo().findTicketByMessageIds(['<>', '  '])).resolves.toBeNull();
    expect(ddb).not.toHaveReceivedCommand(BatchGetCommand);
  });
});
