import 'aws-sdk-client-mock-jest';
import { mockClient } from 'aws-sdk-client-mock';
import { ConditionalCheckFailedException, DynamoDBClient, InternalServerError } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { DynamoDBDocumentClient, GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDbInboundLedger } from '../../../lambdas/adapters/dynamodb-inbound-ledger';
import { NotFoundError, TransientError } from '../../../lambdas/domain/errors';
import type { InboundRecord } from '../../../lambdas/domain/ports';

const TABLE = 'sesdesk-test';
const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
const ddb = mockClient(doc);
const ledger = () => new DynamoDbInboundLedger({ client: doc, tableName: TABLE });

const NOW = new Date('2026-03-02T09:00:00.000Z');
const beginInput = { key: 'mid-1', sesMessageId: 'ses-1', rawKey: 'inbound/ses-1', now: NOW, leaseMs: 60_000 };

function storedRecord(overrides: Partial<InboundRecord> = {}): Record<string, unknown> {
  return {
    pk: 'INBOUND#mid-1',
    sk: 'INBOUND',
    gsi1pk: 'KIND#INBOUND',
    gsi1sk: '2026-03-02T08:00:00.000Z',
    key: 'mid-1',
    sesMessageId: 'ses-0',
    rawKey: 'inbound/ses-0',
    receivedAt: '2026-03-02T08:00:00.000Z',
    state: 'processing',
    leaseUntil: '2026-03-02T08:01:00.000Z',
    outcome: null,
    reason: null,
    ticketId: 'USE1-7',
    steps: ['ticket', 'message'],
    ...overrides,
  };
}

const ccf = (item?: Record<string, unknown>) =>
  new ConditionalCheckFailedException({
    message: 'The conditional request failed',
    $metadata: {},
    ...(item ? { Item: marshall(item) } : {}),
  });

beforeEach(() => ddb.reset());

describe('begin', () => {
  it('claims a new key with one conditional update that returns the old image either way', async () => {
    ddb.on(UpdateCommand).resolves({});

    const result = await ledger().begin(beginInput);
    expect(result).toEqual({
      kind: 'fresh',
      record: {
        key: 'mid-1',
        sesMessageId: 'ses-1',
        rawKey: 'inbound/ses-1',
        receivedAt: '2026-03-02T09:00:00.000Z',
        state: 'processing',
        leaseUntil: '2026-03-02T09:01:00.000Z',
        outcome: null,
        reason: null,
        ticketId: null,
        steps: [],
      },
    });
    expect(ddb).toHaveReceivedCommandTimes(UpdateCommand, 1);
    const input = ddb.commandCalls(UpdateCommand)[0].args[0].input;
    expect(input).toMatchObject({
      TableName: TABLE,
      Key: { pk: 'INBOUND#mid-1', sk: 'INBOUND' },
      ConditionExpression: 'attribute_not_exists(pk) OR (#state = :processing AND #leaseUntil < :now)',
      ReturnValues: 'ALL_OLD',
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
    expect(input.ExpressionAttributeValues).toMatchObject({
      ':now': '2026-03-02T09:00:00.000Z',
      ':leaseUntil': '2026-03-02T09:01:00.000Z',
      ':kind': 'KIND#INBOUND',
    });
    // Steps and ticket id of an earlier attempt must survive a take-over.
    expect(input.UpdateExpression).toContain('#steps = if_not_exists(#steps, :noSteps)');
    expect(input.UpdateExpression).toContain('#ticketId = if_not_exists(#ticketId, :null)');
  });

  it('resumes over an expired lease keeping the earlier steps and ticket id', async () => {
    ddb.on(UpdateCommand).resolves({ Attributes: storedRecord() });

    const result = await ledger().begin(beginInput);
    expect(result.kind).toBe('resume');
    expect(result.record).toMatchObject({
      steps: ['ticket', 'message'],
      ticketId: 'USE1-7',
      receivedAt: '2026-03-02T08:00:00.000Z',
      state: 'processing',
      leaseUntil: '2026-03-02T09:01:00.000Z',
    });
  });

  it('reports a finished key as duplicate from the old image of the failed condition', async () => {
    ddb.on(UpdateCommand).rejects(ccf(storedRecord({ state: 'done', leaseUntil: null, outcome: 'created' })));

    const result = await ledger().begin(beginInput);
    expect(result.kind).toBe('duplicate');
    expect(result.record.outcome).toBe('created');
    expect(ddb).toHaveReceivedCommandTimes(UpdateCommand, 1);
    expect(ddb).not.toHaveReceivedCommand(GetCommand);
  });

  it('reports a live lease as busy', async () => {
    ddb.on(UpdateCommand).rejects(ccf(storedRecord({ leaseUntil: '2026-03-02T09:00:30.000Z' })));

    const result = await ledger().begin(beginInput);
    expect(result.kind).toBe('busy');
    expect(result.record.leaseUntil).toBe('2026-03-02T09:00:30.000Z');
  });

  it('translates service failures', async () => {
    ddb.on(UpdateCommand).rejects(new InternalServerError({ message: 'oops', $metadata: {} }));
    await expect(ledger().begin(beginInput)).rejects.toBeInstanceOf(TransientError);
  });
});

describe('progress and complete', () => {
  it('appends a step once and sets the ticket id', async () => {
    ddb.on(UpdateCommand).resolves({});

    await ledger().progress('mid-1', { step: 'ticket', ticketId: 'USE1-7' });
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
      Key: { pk: 'INBOUND#mid-1', sk: 'INBOUND' },
      UpdateExpression: 'SET #ticketId = :ticketId, #steps = list_append(if_not_exists(#steps, :noSteps), :step)',
      ConditionExpression: 'attribute_exists(pk) AND NOT contains(#steps, :stepValue)',
      ExpressionAttributeValues: { ':ticketId': 'USE1-7', ':noSteps': [], ':step': ['ticket'], ':stepValue': 'ticket' },
    });
  });

  it('treats a step already recorded as done, still writing a new ticket id', async () => {
    ddb
      .on(UpdateCommand)
      .rejectsOnce(ccf(storedRecord({ ticketId: null, steps: ['ticket'] })))
      .resolves({});

    await ledger().progress('mid-1', { step: 'ticket', ticketId: 'USE1-8' });
    const second = ddb.commandCalls(UpdateCommand)[1].args[0].input;
    expect(second.UpdateExpression).toBe('SET #ticketId = :ticketId');
    expect(second.ExpressionAttributeValues).toEqual({ ':ticketId': 'USE1-8' });
  });

  it('does nothing more for a repeated step with the same ticket id', async () => {
    ddb.on(UpdateCommand).rejects(ccf(storedRecord({ ticketId: 'USE1-7', steps: ['ticket'] })));
    await ledger().progress('mid-1', { step: 'ticket', ticketId: 'USE1-7' });
    expect(ddb).toHaveReceivedCommandTimes(UpdateCommand, 1);
  });

  it('reports progress on a missing record as NotFoundError', async () => {
    ddb.on(UpdateCommand).rejects(ccf());
    await expect(ledger().progress('nope', { step: 'ticket' })).rejects.toBeInstanceOf(NotFoundError);
  });

  it('completes: state done, outcome, reason, ticket id, lease cleared', async () => {
    ddb.on(UpdateCommand).resolves({});

    await ledger().complete('mid-1', 'created', { reason: 'new ticket', ticketId: 'USE1-7' });
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
      UpdateExpression:
        'SET #state = :done, #outcome = :outcome, #reason = :reason, #leaseUntil = :null, #ticketId = :ticketId',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeValues: {
        ':done': 'done',
        ':outcome': 'created',
        ':reason': 'new ticket',
        ':null': null,
        ':ticketId': 'USE1-7',
      },
    });
  });

  it('keeps the ticket id when complete does not mention it', async () => {
    ddb.on(UpdateCommand).resolves({});
    await ledger().complete('mid-1', 'dropped');
    const input = ddb.commandCalls(UpdateCommand)[0].args[0].input;
    expect(input.UpdateExpression).not.toContain('ticketId');
    expect(input.ExpressionAttributeValues?.[':reason']).toBeNull();
  });

  it('reports completing a missing record as NotFoundError', async () => {
    ddb.on(UpdateCommand).rejects(ccf());
    await expect(ledger().complete('nope', 'failed')).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe('get and list', () => {
  it('reads one record consistently and maps it to the domain shape', async () => {
    ddb.on(GetCommand).resolves({});
    ddb.on(GetCommand, { Key: { pk: 'INBOUND#mid-1', sk: 'INBOUND' } }).resolves({ Item: storedRecord() });

    await expect(ledger().get('mid-1')).resolves.toStrictEqual({
      key: 'mid-1',
      sesMessageId: 'ses-0',
      rawKey: 'inbound/ses-0',
      receivedAt: '2026-03-02T08:00:00.000Z',
      state: 'processing',
      leaseUntil: '2026-03-02T08:01:00.000Z',
      outcome: null,
      reason: null,
      ticketId: 'USE1-7',
      steps: ['ticket', 'message'],
    });
    expect(ddb).toHaveReceivedCommandWith(GetCommand, { ConsistentRead: true });
    await expect(ledger().get('other')).resolves.toBeNull();
  });

  it('lists all pages of KIND#INBOUND', async () => {
    ddb
      .on(QueryCommand)
      .resolvesOnce({ Items: [storedRecord()], LastEvaluatedKey: { pk: 'INBOUND#mid-1' } })
      .resolvesOnce({ Items: [storedRecord({ key: 'mid-2' })] });

    const records = await ledger().list();
    expect(records.map((r) => r.key)).toEqual(['mid-1', 'mid-2']);
    expect(ddb.commandCalls(QueryCommand)[0].args[0].input).toMatchObject({
      IndexName: 'byKind',
      ExpressionAttributeValues: { ':kind': 'KIND#INBOUND' },
    });
    expect(ddb.commandCalls(QueryCommand)[1].args[0].input.ExclusiveStartKey).toEqual({ pk: 'INBOUND#mid-1' });
  });
});
