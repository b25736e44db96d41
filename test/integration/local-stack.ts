import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { LOCAL_CREDENTIALS } from '../../local/emulators';
import { ensureBucket, ensureTable } from '../../local/provision';

/**
 * Helpers for integration test files. The emulators are started once per jest run by
 * `global-setup.ts` (free ports); their endpoints reach the test workers through env vars
 * (inherited, workers are forked after global setup) and a JSON file named by
 * `SESDESK_TEST_STACK_FILE`. Test files run in parallel against the same emulators: create
 * your own table and bucket with `createTestTable` / `createTestBucket`, and find your SES
 * mail by a unique recipient or subject rather than clearing the shared store.
 */

export const STACK_ENV = {
  dynamodb: 'SESDESK_TEST_DYNAMODB_ENDPOINT',
  s3: 'SESDESK_TEST_S3_ENDPOINT',
  ses: 'SESDESK_TEST_SES_ENDPOINT',
  sesViewer: 'SESDESK_TEST_SES_VIEWER_URL',
  file: 'SESDESK_TEST_STACK_FILE',
} as const;

export interface LocalStack {
  readonly region: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  readonly dynamodb: { readonly endpoint: string };
  readonly s3: { readonly endpoint: string };
  readonly ses: { readonly endpoint: string; readonly viewerUrl: string };
}

/** What global setup writes to the stack file. */
export interface StackFile {
  readonly dynamodb: { readonly endpoint: string };
  readonly s3: { readonly endpoint: string };
  readonly ses: { readonly endpoint: string; readonly viewerUrl: string };
}

const REGION = 'us-east-1';
const CREDENTIALS = LOCAL_CREDENTIALS;

/** Endpoints of the emulators started by global setup, region `us-east-1`, the local dummy credentials. */
export function localStack(): LocalStack {
  const env = process.env;
  let stack: StackFile | null = null;
  if (env[STACK_ENV.dynamodb] && env[STACK_ENV.s3] && env[STACK_ENV.ses] && env[STACK_ENV.sesViewer]) {
    stack = {
      dynamodb: { endpoint: env[STACK_ENV.dynamodb] as string },
      s3: { endpoint: env[STACK_ENV.s3] as string },
      ses: { endpoint: env[STACK_ENV.ses] as string, viewerUrl: env[STACK_ENV.sesViewer] as string },
    };
  } else if (env[STACK_ENV.file]) {
    stack = JSON.parse(readFileSync(env[STACK_ENV.file] as string, 'utf8')) as StackFile;
  }
  if (stack === null) {
    throw new Error('no local stack: run integration tests through jest (the integration project starts the emulators in its global setup)');
  }
  return { region: REGION, credentials: CREDENTIALS, ...stack };
}

/** SDK clients for the local stack. The caller destroys them (`client.destroy()`). */
export function localClients(stack: LocalStack = localStack()): { dynamodb: DynamoDBClient; s3: S3Client; ses: SESv2Client } {
  const base = { region: stack.region, credentials: stack.credentials };
  return {
    dynamodb: new DynamoDBClient({ ...base, endpoint: stack.dynamodb.endpoint }),
    // s3rver only understands path-style addressing.
    s3: new S3Client({ ...base, endpoint: stack.s3.endpoint, forcePathStyle: true }),
    ses: new SESv2Client({ ...base, endpoint: stack.ses.endpoint }),
  };
}

/** `<prefix>-<random>`, restricted to what both DynamoDB tables and S3 buckets allow. */
export function uniqueName(prefix: string, maxLength = 63): string {
  const clean = prefix.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '') || 't';
  const suffix = `${process.pid.toString(36)}-${randomBytes(5).toString('hex')}`;
  return `${clean.slice(0, maxLength - suffix.length - 1)}-${suffix}`;
}

/** Creates a table with the sesdesk schema, unique to the caller; returns its name. */
export async function createTestTable(prefix: string): Promise<string> {
  const name = uniqueName(prefix, 255);
  const client = localClients().dynamodb;
  try {
    await ensureTable(client, name);
  } finally {
    client.destroy();
  }
  return name;
}

/** Creates an S3 bucket unique to the caller; returns its name. */
export async function createTestBucket(prefix: string): Promise<string> {
  const name = uniqueName(prefix, 63);
  const client = localClients().s3;
  try {
    await ensureBucket(client, name);
  } finally {
    client.destroy();
  }
  return name;
}

/** One mail in aws-ses-v2-local's store (`GET /store`). */
export interface SesStoredEmail {
  /** The emulator's id (`ses-<digits>`), as returned by SendEmail. */
  messageId: string;
  from: string;
  replyTo: string[];
  destination: { to: string[]; cc: string[]; bcc: string[] };
  subject: string;
  body: { text?: string; html?: string };
  attachments: Array<{ filename?: string; contentType?: string; size?: number; content?: string }>;
  /**
   * Headers. For Simple/Template sends: the `Headers` passed. For raw sends: every header of
   * the raw MIME, added by our recorder front (aws-ses-v2-local itself drops them).
   */
  headers?: Array<{ name: string; value: string }>;
  /** Raw sends only: where `GET` returns the raw MIME. */
  rawUrl?: string;
  /** Epoch seconds. */
  at: number;
}

export interface SesStore {
  emails: SesStoredEmail[];
  templates: Record<string, unknown>;
}

/** Everything the local SES has "sent". */
export async function sesStore(stack: LocalStack = localStack()): Promise<SesStore> {
  const res = await fetch(`${stack.ses.endpoint}/store`);
  if (!res.ok) throw new Error(`GET /store answered ${res.status}`);
  return (await res.json()) as SesStore;
}

/** The raw MIME of a raw send, by the MessageId SendEmail returned. */
export async function sesRawMessage(messageId: string, stack: LocalStack = localStack()): Promise<Buffer> {
  const res = await fetch(`${stack.ses.endpoint}/raw/${encodeURIComponent(messageId)}`);
  if (!res.ok) throw new Error(`GET /raw/${messageId} answered ${res.status}`);
  return Buffer.from(await res.arrayBuffer());
}

/**
 * Empties the local SES store. The store is shared by every test file of the run, which
 * run in parallel: only use this in a file that runs alone, prefer filtering.
 */
export async function clearSesStore(stack: LocalStack = localStack()): Promise<void> {
  const res = await fetch(`${stack.ses.endpoint}/clear-store`, { method: 'POST' });
  if (!res.ok) throw new Error(`POST /clear-store answered ${res.status}`);
}
