import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { openInboundTarget } from '../../../cli/commands/replay';
import { resolveDeployTarget } from '../../../cli/deploy-target';
import { main } from '../../../cli/main';
import { sampleMessage, sampleTicket } from '../adapters/fixtures';
import { mockStatefulStack } from './stack-mock';

/**
 * `--region R [--env E]` is looked up in the deploy config before any AWS call: a region the
 * config does not name is misuse (exit 2) and nothing reaches AWS. The config also picks the
 * desk's stack names (environment), time zone and support address.
 */
const cfn = mockClient(CloudFormationClient);
const ddb = mockClient(DynamoDBDocumentClient);
const lambda = mockClient(LambdaClient);
let dir: string;
let config: string;
let out: string;
let err: string;

const block = (region: string, extra: Record<string, unknown> = {}) => ({
  region,
  mailDomain: 'example.com',
  supportAddresses: [`support-${region}@example.com`],
  escalation: { tier1: 't1@example.com', tier2: 't2@example.com', tier3: 't3@example.com' },
  slaPolicy: 'platform',
  alarmEmail: 'ops@example.com',
  ...extra,
});

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sesdesk-region-check-'));
  config = join(dir, 'cdk.json');
  writeFileSync(
    config,
    JSON.stringify({
      context: {
        sesdesk: {
          regions: [
            block('us-east-1'),
            block('us-east-1', { environment: 'staging', supportAddresses: ['support@staging.example.com'], slaPolicy: 'policies/facs.json' }),
            block('ap-southeast-2', { environment: 'qa' }),
            block('ap-southeast-2', { environment: 'uat' }),
          ],
        },
      },
    }),
  );
  // A relative policy path is read beside the config, as cdk synth reads it beside cdk.json.
  mkdirSync(join(dir, 'policies'));
  writeFileSync(join(dir, 'policies', 'facs.json'), JSON.stringify({ name: 'facs', timezone: 'America/Los_Angeles' }));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeEach(() => {
  for (const m of [cfn, ddb, lambda]) m.reset();
  out = '';
  err = '';
  jest.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
  jest.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
});
afterEach(() => jest.restoreAllMocks());

const awsCalls = () => cfn.calls().length + ddb.calls().length + lambda.calls().length;

describe('--region is checked against the deploy config first', () => {
  it.each([
    [['tickets', '--region', 'eu-central-1'], /--region eu-central-1 is not a region of the deploy config .*\(configured: us-east-1, us-east-1 \(environment staging\), ap-southeast-2 \(environment qa\), ap-southeast-2 \(environment uat\)\)/],
    [['show', 'USE1-1', '--region', 'us-east-1', '--env', 'prod'], /--env prod: us-east-1 has no desk of that environment/],
    [['audit', '--region', 'ap-southeast-2'], /--region ap-southeast-2 has several desks .*: name one with --env/],
    [['replay', '--region', 'eu-west-3'], /--region eu-west-3 is not a region of the deploy config/],
  ])('%j is misuse (exit 2) and makes no AWS call', async (args, message) => {
    expect(await main(['node', 'sesdesk', ...args, '--config', config])).toBe(2);
    expect(err).toMatch(message);
    expect(awsCalls()).toBe(0);
  });

  it('a missing deploy config says where it looked', async () => {
    expect(await main(['node', 'sesdesk', 'tickets', '--region', 'us-east-1', '--config', join(dir, 'nope.json')])).toBe(2);
    expect(err).toMatch(/--region us-east-1 needs the deploy config: cannot read .*nope\.json: no such file/);
    expect(awsCalls()).toBe(0);
  });

  it('picks the desk without environment, or the one --env names, by its stack names', async () => {
    mockStatefulStack(cfn, 'us-east-1', { table: 't', bucket: 'b' });
    ddb.on(QueryCommand).resolves({ Items: [] });
    expect(await main(['node', 'sesdesk', 'tickets', '--region', 'us-east-1', '--config', config])).toBe(0);
    expect(cfn.commandCalls(DescribeStacksCommand)[0].args[0].input.StackName).toBe('sesdesk-us-east-1-stateful');
    cfn.reset();
    expect(await main(['node', 'sesdesk', 'tickets', '--region', 'us-east-1', '--env', 'staging', '--config', config])).toBe(1);
    expect(cfn.commandCalls(DescribeStacksCommand)[0].args[0].input.StackName).toBe('sesdesk-staging-us-east-1-stateful');
    expect(err).toMatch(/cannot read the sesdesk stacks of us-east-1 \(environment staging\)/);
  });

  it("knows each desk's time zone from its SLA policy (a preset, or a file beside the config)", () => {
    expect(resolveDeployTarget({ region: 'us-east-1', config }).timeZone).toBe('Europe/Berlin');
    expect(resolveDeployTarget({ region: 'us-east-1', env: 'staging', config }).timeZone).toBe('America/Los_Angeles');
  });

  it('replay of a staging desk goes through its own function, mailed to its support address', async () => {
    cfn.on(DescribeStacksCommand).resolves({
      Stacks: [{ StackName: 'x', CreationTime: new Date(), StackStatus: 'CREATE_COMPLETE', Outputs: [{ OutputKey: 'TableName', OutputValue: 't' }, { OutputKey: 'RawMailBucketName', OutputValue: 'b' }] }],
    });
    const target = await openInboundTarget({ dataDir: dir, region: 'us-east-1', env: 'staging', config });
    try {
      expect(target).toMatchObject({ label: 'us-east-1 (environment staging)', recipient: 'support@staging.example.com', ingestFunction: 'sesdesk-staging-ingest-email' });
    } finally {
      target.close();
    }
  });
});

describe('show', () => {
  const ticket = sampleTicket({ id: 'USE1-42', sla: { ...sampleTicket().sla, firstResponseDue: '2026-12-03T12:00:00.000Z' } });

  beforeEach(() => {
    mockStatefulStack(cfn, 'us-east-1', { table: 't', bucket: 'b' });
    ddb.on(GetCommand).resolves({});
    ddb.on(GetCommand, { Key: { pk: 'TICKET#USE1-42', sk: 'META' } }).resolves({ Item: { ...ticket, pk: 'TICKET#USE1-42', sk: 'META' } });
    ddb.on(QueryCommand).resolves({ Items: [{ ...sampleMessage({ at: '2026-12-02T17:55:00.000Z' }), pk: 'TICKET#USE1-42', sk: 'MSG#x' }] });
  });

  it('an unknown ticket is a failure (exit 1) that names the ticket and where it looked', async () => {
    expect(await main(['node', 'sesdesk', 'show', 'USE1-99', '--region', 'us-east-1', '--config', config])).toBe(1);
    expect(err).toBe('sesdesk: no ticket USE1-99 in us-east-1 (`sesdesk tickets` lists them)\n');
    expect(out).toBe('');
  });

  it("prints times in the desk's time zone with the offset (platform policy: Europe/Berlin); --json keeps UTC instants", async () => {
    expect(await main(['node', 'sesdesk', 'show', 'USE1-42', '--region', 'us-east-1', '--config', config])).toBe(0);
    expect(out).toContain('first response due 2026-12-03 13:00 +01:00');
    expect(out).toContain('--- 2026-12-02 18:55 +01:00  inbound customer');
    expect(out).toContain('Times:     Europe/Berlin');
    out = '';
    expect(await main(['node', 'sesdesk', 'show', 'USE1-42', '--region', 'us-east-1', '--config', config, '--json'])).toBe(0);
    const doc = JSON.parse(out) as { sla: { firstResponseDue: string }; messages: Array<{ at: string }> };
    expect(doc.sla.firstResponseDue).toBe('2026-12-03T12:00:00.000Z');
    expect(doc.messages[0].at).toBe('2026-12-02T17:55:00.000Z');
  });

  it('tickets --json and show --json describe a ticket alike, without internal fields', async () => {
    ddb.on(QueryCommand, { IndexName: 'byKind' }).resolves({ Items: [{ ...ticket, pk: 'TICKET#USE1-42', sk: 'META' }] });
    expect(await main(['node', 'sesdesk', 'show', 'USE1-42', '--region', 'us-east-1', '--config', config, '--json'])).toBe(0);
    const { messages, ...shown } = JSON.parse(out) as Record<string, unknown>;
    expect(messages).toHaveLength(1);
    out = '';
    expect(await main(['node', 'sesdesk', 'tickets', '--region', 'us-east-1', '--config', config, '--json'])).toBe(0);
    const [listed] = JSON.parse(out) as Array<Record<string, unknown>>;
    expect(listed).toEqual(shown);
    for (const internal of ['replyToken', 'outbox', 'applied', 'threadIds', 'rootMessageId', 'version', 'remindersSent', 'pk', 'sk']) expect(listed).not.toHaveProperty(internal);
    expect(listed.sla).not.toHaveProperty('warned');
  });
});
