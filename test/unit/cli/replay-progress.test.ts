import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { InvokeCommand, LambdaClient, type InvokeCommandOutput } from '@aws-sdk/client-lambda';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { SingleBar } from 'cli-progress';
import { main } from '../../../cli/main';
import { SesReceiptEventSchema } from '../../../lambdas/handlers/ses-event-schema';
import { mockStatefulStack } from './stack-mock';

/**
 * `sesdesk replay --region R` end to end inside this process, with CloudFormation, S3 and Lambda
 * mocked: on a terminal it draws a progress bar on stderr that counts every stored object up to
 * the total, and it always prints the summary of outcomes on stdout.
 */
const REGION = 'eu-west-1';
const BUCKET = 'sesdesk-raw-mail-123456789012-eu-west-1';
const cfn = mockClient(CloudFormationClient);
const s3 = mockClient(S3Client);
const lambda = mockClient(LambdaClient);

/** Stored objects, listed out of order; replay works in arrival order. The outcome is what the ingest function answers. */
const OBJECTS = [
  { id: 'obj-c', at: '2026-11-20T10:03:00Z', outcome: 'duplicate' },
  { id: 'obj-a', at: '2026-11-20T10:01:00Z', outcome: 'created' },
  { id: 'obj-e', at: '2026-11-20T10:05:00Z', outcome: 'boom' },
  { id: 'obj-b', at: '2026-11-20T10:02:00Z', outcome: 'appended' },
  { id: 'obj-d', at: '2026-11-20T10:04:00Z', outcome: 'quarantined' },
] as const;

function rawMail(id: string): Buffer {
  return Buffer.from(['From: Ana <ana@customer.example>', 'To: support@example.com', `Subject: ${id}`, `Message-ID: <${id}@customer.example>`, '', 'Hello'].join('\r\n'));
}

function payload(text: string): InvokeCommandOutput['Payload'] {
  return Object.assign(Buffer.from(text), { transformToString: () => text });
}

let stdout: string;
let stderr: string;
let isTTY: boolean | undefined;

beforeEach(() => {
  cfn.reset();
  s3.reset();
  lambda.reset();
  isTTY = process.stderr.isTTY;
  stdout = '';
  stderr = '';
  jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });

  // The stateless stack (schedule group) is not needed by replay.
  mockStatefulStack(cfn, REGION, { table: 'sesdesk-tickets', bucket: BUCKET });
  s3.on(ListObjectsV2Command, { Bucket: BUCKET, Prefix: 'inbound/' }).resolves({
    Contents: OBJECTS.map((o) => ({ Key: `inbound/${o.id}`, LastModified: new Date(o.at) })),
  });
  s3.on(GetObjectCommand).callsFake((input: { Bucket: string; Key: string }) => {
    if (input.Bucket !== BUCKET) throw new Error(`unexpected bucket ${input.Bucket}`);
    const bytes = rawMail(input.Key.slice('inbound/'.length));
    return { Body: { transformToByteArray: async () => new Uint8Array(bytes) } };
  });
  lambda.on(InvokeCommand).callsFake((input: { Payload: Uint8Array }) => {
    const event = SesReceiptEventSchema.parse(JSON.parse(Buffer.from(input.Payload).toString('utf8')));
    const id = event.Records[0].ses.mail.messageId;
    const outcome = OBJECTS.find((o) => o.id === id)?.outcome;
    if (outcome === 'boom') return { StatusCode: 200, FunctionError: 'Unhandled', Payload: payload('{"errorMessage":"boom"}') };
    return { StatusCode: 200, Payload: payload(JSON.stringify({ outcome, ticketId: 'EUW1-1' })) };
  });
});

afterEach(() => {
  jest.restoreAllMocks();
  process.stderr.isTTY = isTTY as true;
});

/**
 * Records the arguments of each call to a SingleBar method as they were at the call (cli-progress
 * keeps the payload object and merges later updates into it), then runs the real method.
 */
function record(method: 'start' | 'update' | 'stop'): unknown[][] {
  const calls: unknown[][] = [];
  // eslint-disable-next-line @typescript-eslint/unbound-method -- called below with apply(this), on the instance the spy was called on
  const original = SingleBar.prototype[method] as (...args: unknown[]) => void;
  jest.spyOn(SingleBar.prototype, method).mockImplementation(function (this: SingleBar, ...args: unknown[]) {
    calls.push(JSON.parse(JSON.stringify(args)) as unknown[]);
    return original.apply(this, args);
  });
  return calls;
}

const replay = (...args: string[]) => main(['node', 'sesdesk', 'replay', '--region', REGION, ...args]);
// eslint-disable-next-line no-control-regex -- ESC starts the terminal sequences this strips
const plain = (text: string) => text.replace(/\x1B(?:\[[0-9;?]*[A-Za-z]|[78])/g, '');

describe('sesdesk replay progress and summary', () => {
  it('on a terminal: a bar from 0 to the total, one step per object, then the summary of every outcome', async () => {
    process.stderr.isTTY = true;
    const start = record('start');
    const update = record('update');
    const stop = record('stop');

    const code = await replay();

    // One failed object: exit code 1 (a failure while running), returned, not left in the process.
    expect(code).toBe(1);
    expect(process.exitCode).toBeUndefined();
    expect(start).toEqual([[5, 0, { outcome: '' }]]);
    // One step per object, in arrival order, each showing its outcome.
    expect(update).toEqual([
      [1, { outcome: 'created' }],
      [2, { outcome: 'appended' }],
      [3, { outcome: 'duplicate' }],
      [4, { outcome: 'quarantined' }],
      [5, { outcome: 'failed' }],
    ]);
    expect(stop.length).toBeGreaterThan(0);
    // The bar is drawn on stderr and ends full.
    expect(plain(stderr)).toMatch(/replay \[[^\]]+\] 5\/5 failed/);
    expect(plain(stderr)).toMatch(/replay \[[^\]]+\] 0\/5/);
    // The summary goes to stdout, not into the bar.
    expect(stdout).toBe(
      [
        'replayed 5 raw messages',
        '  created 1, appended 1, duplicate 1, quarantined 1, dropped 0, rejected 0, failed 1',
        '  failed inbound/obj-e: sesdesk-ingest-email failed: {"errorMessage":"boom"}',
        '',
      ].join('\n'),
    );
    expect(lambda.commandCalls(InvokeCommand)).toHaveLength(5);
  });

  it('not on a terminal: no bar at all, the same summary', async () => {
    process.stderr.isTTY = false;
    const start = record('start');

    const code = await replay();

    expect(code).toBe(1);
    expect(start).toEqual([]);
    expect(stderr).toBe('');
    expect(stdout).toContain('replayed 5 raw messages\n');
    expect(stdout).toContain('  created 1, appended 1, duplicate 1, quarantined 1, dropped 0, rejected 0, failed 1\n');
  });

  it('--json prints the summary counts as one JSON document', async () => {
    process.stderr.isTTY = false;
    expect(await replay('--json')).toBe(1);
    expect(JSON.parse(stdout)).toEqual({
      total: 5,
      counts: { created: 1, appended: 1, duplicate: 1, quarantined: 1, dropped: 0, rejected: 0, failed: 1 },
      failures: [{ rawKey: 'inbound/obj-e', error: 'sesdesk-ingest-email failed: {"errorMessage":"boom"}' }],
    });
  });

  it('a window counts only its objects: the bar total and the summary follow --since/--until', async () => {
    process.stderr.isTTY = true;
    const start = record('start');
    const update = record('update');

    const code = await replay('--since', '2026-11-20T10:02:00Z', '--until', '2026-11-20T10:04:00Z');

    expect(code).toBe(0);
    expect(start).toEqual([[2, 0, { outcome: '' }]]);
    expect(update).toEqual([
      [1, { outcome: 'appended' }],
      [2, { outcome: 'duplicate' }],
    ]);
    expect(plain(stderr)).toMatch(/2\/2 duplicate/);
    expect(stdout).toBe('replayed 2 raw messages\n  created 0, appended 1, duplicate 1, quarantined 0, dropped 0, rejected 0, failed 0\n');
  });
});
