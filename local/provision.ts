import {
  CreateTableCommand,
  DescribeTableCommand,
  ResourceInUseException,
  ResourceNotFoundException,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  type AttributeDefinition,
  type DynamoDBClient,
  type GlobalSecondaryIndex,
} from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, HeadBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { TABLE_SCHEMA, type IndexSchema } from '../lambdas/adapters/table-schema';

/**
 * Creates the local stack's table and bucket when missing. Idempotent, so `sesdesk start`
 * runs it on every start. The table follows `TABLE_SCHEMA`, like the CDK stateful stack.
 */

/** `upgraded`: the table existed and got the indexes it lacked (its older items need `reindexTickets`). */
export type EnsureResult = 'created' | 'exists' | 'upgraded';

const indexes = TABLE_SCHEMA.indexes as readonly IndexSchema[];

function indexDefinition(index: IndexSchema): GlobalSecondaryIndex {
  return {
    IndexName: index.name,
    KeySchema: [
      { AttributeName: index.partitionKey, KeyType: 'HASH' },
      { AttributeName: index.sortKey, KeyType: 'RANGE' },
    ],
    Projection: index.include ? { ProjectionType: 'INCLUDE', NonKeyAttributes: [...index.include] } : { ProjectionType: 'ALL' },
  };
}

const keyAttributes = (index: IndexSchema): AttributeDefinition[] => [
  { AttributeName: index.partitionKey, AttributeType: 'S' },
  { AttributeName: index.sortKey, AttributeType: 'S' },
];

export async function ensureTable(client: DynamoDBClient, tableName: string): Promise<EnsureResult> {
  try {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    const added = await addMissingIndexes(client, tableName, new Set((Table?.GlobalSecondaryIndexes ?? []).map((i) => i.IndexName ?? '')));
    return added > 0 ? 'upgraded' : 'exists';
  } catch (err) {
    if (!(err instanceof ResourceNotFoundException)) throw err;
  }
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: TABLE_SCHEMA.partitionKey, AttributeType: 'S' },
          { AttributeName: TABLE_SCHEMA.sortKey, AttributeType: 'S' },
          ...indexes.flatMap(keyAttributes),
        ],
        KeySchema: [
          { AttributeName: TABLE_SCHEMA.partitionKey, KeyType: 'HASH' },
          { AttributeName: TABLE_SCHEMA.sortKey, KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: indexes.map(indexDefinition),
      }),
    );
  } catch (err) {
    // Two starters raced: the other one created it.
    if (err instanceof ResourceInUseException) return 'exists';
    throw err;
  }
  await waitForActive(client, tableName);
  await client.send(
    new UpdateTimeToLiveCommand({
      TableName: tableName,
      TimeToLiveSpecification: { AttributeName: TABLE_SCHEMA.ttlAttribute, Enabled: true },
    }),
  );
  return 'created';
}

/**
 * A table made by an older sesdesk (data dir kept across upgrades) gets the indexes added
 * since, one per UpdateTable as DynamoDB requires. Items written before carry no keys for a
 * new index: `reindexTickets` (dynamodb-queue-reader.ts) rewrites them.
 */
async function addMissingIndexes(client: DynamoDBClient, tableName: string, present: ReadonlySet<string>): Promise<number> {
  let added = 0;
  for (const index of indexes) {
    if (present.has(index.name)) continue;
    added += 1;
    try {
      await client.send(
        new UpdateTableCommand({
          TableName: tableName,
          AttributeDefinitions: keyAttributes(index),
          GlobalSecondaryIndexUpdates: [{ Create: indexDefinition(index) }],
        }),
      );
    } catch (err) {
      // Another starter added it a moment ago.
      if (!(err instanceof ResourceInUseException) && !/already exists/i.test(String((err as Error).message))) throw err;
    }
    await waitForActive(client, tableName);
  }
  return added;
}

async function waitForActive(client: DynamoDBClient, tableName: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (Table?.TableStatus === 'ACTIVE' && (Table.GlobalSecondaryIndexes ?? []).every((i) => i.IndexStatus === 'ACTIVE')) return;
    if (Date.now() > deadline) throw new Error(`table ${tableName} is not ACTIVE after 60 s (${Table?.TableStatus}; ${(Table?.GlobalSecondaryIndexes ?? []).map((i) => `${i.IndexName} ${i.IndexStatus}`).join(", ")})`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function httpStatus(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
}

export async function ensureBucket(s3: S3Client, name: string): Promise<EnsureResult> {
  try {
    await s3.send(new HeadBucketCommand({ Bucket: name }));
    return 'exists';
  } catch (err) {
    if (httpStatus(err) !== 404) throw err;
  }
  try {
    await s3.send(new CreateBucketCommand({ Bucket: name }));
    return 'created';
  } catch (err) {
    const code = (err as { name?: string }).name;
    if (code === 'BucketAlreadyOwnedByYou' || code === 'BucketAlreadyExists') return 'exists';
    throw err;
  }
}
