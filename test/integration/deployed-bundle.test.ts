import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { bundleHandlers } from '../../bench/bundles';
import { defaultLocalConfig } from '../../local/local-config';
import { buildSesReceiptEvent, newSesMessageId } from '../../local/ses-event';
import { createTestBucket, createTestTable, localClients, localStack, sesStore } from './local-stack';

/**
 * The ingest function as it is deployed: its bundle (built with the CDK's bundling options,
 * SDK inside, tables beside it) loaded by a fresh Node with only a Lambda-like environment, no
 * node_modules in reach, and every AWS endpoint set by the standard AWS_ENDPOINT_URL_<SERVICE>
 * variables: DynamoDB Local, s3rver and the local SES for the real calls; a small fake for
 * Scheduler and Secrets Manager, which have no emulator here.
 */

const tag = randomBytes(4).toString('hex');
const dir = mkdtempSync(join(tmpdir(), 'sesdesk-deployed-'));
let fake: Server;
let fakeUrl: string;
const fakeCalls: Array<{ target: string; path: string; body: Record<string, unknown> }> = [];
let bundle: string;
let table: string;
let bucket: string;

async function bodyOf(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

beforeAll(async () => {
  fake = createServer((req, res) => {
    void bodyOf(req).then((body) => {
      const target = String(req.headers['x-amz-target'] ?? '');
      fakeCalls.push({ target, path: req.url ?? '', body });
      if (target === 'secretsmanager.GetSecretValue') {
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify({ ARN: body.SecretId, Name: 'reply-token', SecretString: 'bundle-test-secret', VersionId: 'v1' }));
      } else if (req.method === 'POST' && req.url?.startsWith('/schedules/')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ ScheduleArn: `arn:aws:scheduler:us-east-1:000000000000:schedule/sesdesk-timers/${req.url.slice(11)}` }));
      } else {
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message: `unexpected ${req.method} ${req.url} ${target}` }));
      }
    });
  });
  await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
  fakeUrl = `http://127.0.0.1:${(fake.address() as AddressInfo).port}`;

  const built = await bundleHandlers(join(dir, 'bundles'));
  if ('error' in built.ingest) throw new Error(built.ingest.error);
  bundle = built.ingest.file;
  table = await createTestTable('deployed');
  bucket = await createTestBucket('deployed-raw');
});

afterAll(async () => {
  await new Promise<void>((resolve) => fake.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

/**
 * Runs the bundled handler once on `event` in a fresh Node; answers what it returned or threw.
 * Asynchronous: the fake Scheduler and Secrets Manager answer from this process.
 */
async function invoke(event: unknown): Promise<{ result?: Record<string, unknown>; error?: string; stderr: string }> {
  const stack = localStack();
  const config = { ...defaultLocalConfig('facs'), region: 'us-east-1', ticketPrefix: 'BNDL', trustAgentsWithoutVerdicts: false };
  const runner = join(dir, 'invoke.js');
  writeFileSync(
    runner,
    `const { handler } = require(${JSON.stringify(bundle)});
const context = { functionName: 'sesdesk-ingest', functionVersion: '$LATEST', invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:sesdesk-ingest', memoryLimitInMB: '256', awsRequestId: 'req-1', logGroupName: '/aws/lambda/sesdesk-ingest', logStreamName: 's', getRemainingTimeInMillis: () => 30000, callbackWaitsForEmptyEventLoop: true };
handler(JSON.parse(process.argv[2]), context).then(
  (r) => console.log('RESULT ' + JSON.stringify(r)),
  (e) => { console.log('ERROR ' + e.name + ': ' + e.message); process.exitCode = 1; });`,
  );
  const child = spawn(process.execPath, [runner, JSON.stringify(event)], {
    cwd: dir,
    env: {
      PATH: process.env.PATH,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: stack.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: stack.credentials.secretAccessKey,
      AWS_SESSION_TOKEN: 'session',
      AWS_ENDPOINT_URL_DYNAMODB: stack.dynamodb.endpoint,
      AWS_ENDPOINT_URL_S3: stack.s3.endpoint,
      AWS_ENDPOINT_URL_SESV2: stack.ses.endpoint,
      AWS_ENDPOINT_URL_SCHEDULER: fakeUrl,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: fakeUrl,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      POWERTOOLS_SERVICE_NAME: 'sesdesk',
      POWERTOOLS_METRICS_NAMESPACE: 'Sesdesk',
      TABLE_NAME: table,
      RAW_MAIL_BUCKET: bucket,
      INBOUND_PREFIX: 'inbound/',
      SESDESK_CONFIG: JSON.stringify(config),
      REPLY_TOKEN_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:reply-token',
      SCHEDULE_GROUP: 'sesdesk-timers',
      SCHEDULER_ROLE_ARN: 'arn:aws:iam::000000000000:role/scheduler',
      SLA_BREACH_FUNCTION_ARN: 'arn:aws:lambda:us-east-1:000000000000:function:sesdesk-sla-breach',
      FOLLOW_UP_FUNCTION_ARN: 'arn:aws:lambda:us-east-1:000000000000:function:sesdesk-follow-up',
      TIMER_DLQ_ARN: 'arn:aws:sqs:us-east-1:000000000000:timers-dlq',
    },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const r = { stdout, stderr, status };
  const line = r.stdout.split('\n').find((l) => l.startsWith('RESULT ') || l.startsWith('ERROR '));
  if (line?.startsWith('RESULT ')) return { result: JSON.parse(line.slice(7)) as Record<string, unknown>, stderr: r.stderr };
  return { error: line?.slice(6) ?? `no result (status ${r.status}): ${r.stdout.slice(-500)} ${r.stderr.slice(-500)}`, stderr: r.stderr };
}

it('opens a ticket, acknowledges it, arms its timer and knows the redelivery, from the bundle alone', async () => {
  const customer = `kenji.${tag}@customer.example`;
  const raw = Buffer.from(
    [
      `From: =?Shift_JIS?B?j6yW7CCMkpPx?= <${customer}>`,
      'To: support@example.com',
      `Subject: Printer on fire ${tag}`,
      `Message-ID: <${tag}@customer.example>`,
      'Date: Wed, 02 Dec 2026 09:00:00 +0000',
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'The printer in room 4 is on fire.',
      '',
    ].join('\r\n'),
  );
  const sesMessageId = newSesMessageId();
  const { s3, dynamodb } = localClients();
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `inbound/${sesMessageId}`, Body: raw }));
  const event = buildSesReceiptEvent({
    raw,
    sesMessageId,
    recipients: ['support@example.com'],
    region: 'us-east-1',
    now: new Date(),
    verdicts: { spam: 'PASS', virus: 'PASS', spf: 'PASS', dkim: 'PASS', dmarc: 'PASS' },
  });

  const first = await invoke(event);
  expect(first.error).toBeUndefined();
  expect(first.stderr).not.toMatch(/Cannot find (module|package)/);
  expect(first.result).toMatchObject({ outcome: 'created', ticketId: 'BNDL-1' });

  const doc = DynamoDBDocumentClient.from(dynamodb);
  const tickets = await doc.send(new GetCommand({ TableName: table, Key: { pk: 'TICKET#BNDL-1', sk: 'META' } }));
  expect(tickets.Item).toMatchObject({ subject: `Printer on fire ${tag}`, requester: { address: customer, name: '小野 健二' } });

  const ack = (await sesStore()).emails.filter((e) => e.destination.to.some((t) => t.includes(customer)));
  expect(ack).toHaveLength(1);
  expect(ack[0].subject).toBe(`[#BNDL-1] Printer on fire ${tag}`);

  expect(fakeCalls.filter((c) => c.target === 'secretsmanager.GetSecretValue')).toHaveLength(1);
  const schedules = fakeCalls.filter((c) => c.path.startsWith('/schedules/BNDL-1-'));
  expect(schedules).toHaveLength(1);
  expect(schedules[0].body).toMatchObject({ GroupName: 'sesdesk-timers', Target: { RoleArn: 'arn:aws:iam::000000000000:role/scheduler' } });

  // SES delivers again (a fresh container, as after a Lambda retry): same ticket, no second ack.
  const again = await invoke(event);
  expect(again.result).toMatchObject({ outcome: 'duplicate' });
  expect((await sesStore()).emails.filter((e) => e.destination.to.some((t) => t.includes(customer)))).toHaveLength(1);
});
