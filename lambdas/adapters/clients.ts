import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import type { InitializeMiddleware, MiddlewareStack } from '@aws-sdk/types';

export interface ClientEndpoints {
  dynamodb?: string;
  s3?: string;
  ses?: string;
  scheduler?: string;
}

export interface StaticCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface ClientOptions {
  region: string;
  /** Local emulator URLs; unset services use the real AWS endpoint. */
  endpoints?: ClientEndpoints;
  /** Explicit credentials; defaults to dummy ones when any endpoint is set (emulators accept anything). */
  credentials?: StaticCredentials;
  /** SDK retry attempts (default: SDK default of 3). */
  maxAttempts?: number;
}

export interface AwsClients {
  dynamodb: DynamoDBClient;
  /** Document client over `dynamodb` (plain JS values in and out; undefined values dropped). */
  doc: DynamoDBDocumentClient;
  s3: S3Client;
  ses: SESv2Client;
  scheduler: SchedulerClient;
}

const DUMMY_CREDENTIALS: StaticCredentials = { accessKeyId: 'local', secretAccessKey: 'local' };

function base(options: ClientOptions, endpoint: string | undefined) {
  const credentials =
    options.credentials ??
    (endpoint !== undefined || hasAnyEndpoint(options) ? DUMMY_CREDENTIALS : undefined);
  return {
    region: options.region,
    ...(endpoint !== undefined ? { endpoint } : {}),
    ...(credentials !== undefined ? { credentials } : {}),
    ...(options.maxAttempts !== undefined ? { maxAttempts: options.maxAttempts } : {}),
  };
}

function hasAnyEndpoint(options: ClientOptions): boolean {
  return Object.values(options.endpoints ?? {}).some((v) => v !== undefined);
}

export function createDynamoDbClients(options: ClientOptions): { dynamodb: DynamoDBClient; doc: DynamoDBDocumentClient } {
  const dynamodb = new DynamoDBClient(base(options, options.endpoints?.dynamodb));
  const doc = DynamoDBDocumentClient.from(dynamodb, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
    unmarshallOptions: { wrapNumbers: false },
  });
  return { dynamodb, doc };
}

export function createS3Client(options: ClientOptions): S3Client {
  const endpoint = options.endpoints?.s3;
  // Emulators (s3rver) serve buckets by path, not by virtual host name. (The timer functions,
  // which never touch S3, do not load this client: the bundler drops it from their code.)
  return new S3Client({ ...base(options, endpoint), ...(endpoint !== undefined ? { forcePathStyle: true } : {}) });
}

export function createSesClient(options: ClientOptions): SESv2Client {
  return new SESv2Client(base(options, options.endpoints?.ses));
}

export function createSchedulerClient(options: ClientOptions): SchedulerClient {
  return new SchedulerClient(base(options, options.endpoints?.scheduler));
}

/** All SDK clients the adapters need, configured for AWS or the local emulators. */
export function createClients(options: ClientOptions): AwsClients {
  return {
    ...createDynamoDbClients(options),
    s3: createS3Client(options),
    ses: createSesClient(options),
    scheduler: createSchedulerClient(options),
  };
}

/** Counts SDK commands by `<service>.<command>` (e.g. `DynamoDB.TransactWriteItems`). */
export class CallCounter {
  private readonly counts = new Map<string, number>();

  public record(service: string, command: string): void {
    const key = `${service}.${command}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  /** Total commands, optionally only those of one service. */
  public total(service?: string): number {
    let sum = 0;
    for (const [key, n] of this.counts) {
      if (service === undefined || key.startsWith(`${service}.`)) sum += n;
    }
    return sum;
  }

  public byCommand(): Record<string, number> {
    return Object.fromEntries([...this.counts.entries()].sort(([a], [b]) => a.localeCompare(b)));
  }

  public reset(): void {
    this.counts.clear();
  }
}

function serviceOf(clientName: string | undefined): string {
  return (clientName ?? 'Unknown').replace(/(Document)?Client$/, '').replace(/^DynamoDBDocument$/, 'DynamoDB');
}

function operationOf(commandName: string | undefined): string {
  const name = (commandName ?? 'Unknown').replace(/Command$/, '');
  // Document-client commands wrap the low-level ones: count them under the API operation.
  const doc: Record<string, string> = {
    Put: 'PutItem',
    Get: 'GetItem',
    Update: 'UpdateItem',
    Delete: 'DeleteItem',
    Query: 'Query',
    Scan: 'Scan',
    BatchGet: 'BatchGetItem',
    BatchWrite: 'BatchWriteItem',
    TransactWrite: 'TransactWriteItems',
    TransactGet: 'TransactGetItems',
  };
  return doc[name] ?? name;
}

/**
 * Adds a middleware that records every command sent through `client` (one count per
 * command, SDK retries not counted again). Used by the benchmark for calls per ticket.
 * Safe to call twice on the same client: the second registration replaces the first.
 */
export function countCalls<Input extends object, Output extends object>(
  client: { middlewareStack: MiddlewareStack<Input, Output> },
  counter: CallCounter,
): void {
  const middleware: InitializeMiddleware<Input, Output> = (next, context) => async (args) => {
    counter.record(serviceOf(context.clientName), operationOf(context.commandName));
    return next(args);
  };
  client.middlewareStack.add(
    middleware,
    { step: 'initialize', name: 'sesdeskCountCalls', override: true },
  );
}
