import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { DynamoDBDocumentClient, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { regionDeskSettings } from '../../../desk/region-settings';
import { queueKeys, ticketKey } from '../../../lambdas/adapters/dynamodb-ticket-repository';
import { main } from '../../../cli/main';
import { sampleTicket } from '../adapters/fixtures';
import { mockStatefulStack } from './stack-mock';

/**
 * `sesdesk desk --region R`: the region's table and bucket come from its stack outputs, its
 * time zone and priorities from the deploy config's SLA policy; the page listens on 127.0.0.1
 * and reads the queue with Query on GSI byQueue (never a Scan). AWS is mocked at the SDK.
 */
const REGION = 'eu-west-1';
const cfn = mockClient(CloudFormationClient);
const ddb = mockClient(DynamoDBDocumentClient);
const dir = mkdtempSync(join(tmpdir(), 'sesdesk-desk-region-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeEach(() => {
  cfn.reset();
  ddb.reset();
});

const cdkJson = (regions: unknown[]) => {
  const file = join(dir, `cdk-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify({ context: { sesdesk: { regions } } }));
  return file;
};

describe('regionDeskSettings', () => {
  it('takes the zone and priorities of the region\'s SLA policy (a preset here) and its ticket prefix', () => {
    const s = regionDeskSettings(REGION, cdkJson([{ region: 'us-east-1', slaPolicy: 'platform' }, { region: REGION, slaPolicy: 'fairfax', ticketPrefix: 'FFX' }]));
    expect(s.timeZone).toBe('America/New_York');
    expect(s.priorities.length).toBeGreaterThan(1);
    expect(s.ticketPrefix).toBe('FFX');
  });

  it('falls back to UTC and the region\'s default prefix, saying why', () => {
    const s = regionDeskSettings(REGION, join(dir, 'missing.json'));
    expect(s).toMatchObject({ timeZone: 'UTC', priorities: [], ticketPrefix: 'EUW1' });
    expect(s.from).toContain('not found');
    expect(regionDeskSettings('ap-southeast-2', cdkJson([{ region: REGION, slaPolicy: 'fairfax' }])).from).toContain('no region ap-southeast-2');
  });
});

describe('sesdesk desk --region', () => {
  it('serves the region\'s queue from its table (Query on byQueue) on 127.0.0.1 until interrupted', async () => {
    mockStatefulStack(cfn, REGION, { table: 'sesdesk-tickets', bucket: 'raw-bucket' });
    const t = sampleTicket({ id: 'EUW1-7', number: 7, subject: 'Region ticket <b>bold</b>' });
    ddb.on(QueryCommand).resolves({ Items: [] });
    ddb.on(QueryCommand, { IndexName: 'byQueue', ExpressionAttributeValues: { ':pk': 'QUEUE#open' } }).resolves({
      Items: [{ ...t, ...ticketKey(t.id), ...queueKeys(t) }],
      ScannedCount: 1,
    });
    const out: string[] = [];
    const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out.push(String(chunk));
      return true;
    });
    try {
      const running = main(['node', 'sesdesk', 'desk', '--region', REGION, '--port', '0', '--config', cdkJson([{ region: REGION, slaPolicy: 'fairfax' }])]);
      let url: string | undefined;
      for (let i = 0; i < 600 && !url; i += 1) {
        url = /Desk page:\s+(http:\/\/127\.0\.0\.1:\d+\/)/.exec(out.join(''))?.[1];
        if (!url) await new Promise((r) => setTimeout(r, 50));
      }
      expect(url).toBeDefined();
      const res = await fetch(url!);
      const page = await res.text();
      expect(res.status).toBe(200);
      expect(page).toContain('eu-west-1 (read-only)');
      expect(page).toContain('America/New_York');
      expect(page).toContain('Region ticket &lt;b&gt;bold&lt;/b&gt;');
      expect(ddb.commandCalls(ScanCommand)).toHaveLength(0);
      const queries = ddb.commandCalls(QueryCommand).map((c) => c.args[0].input);
      expect(queries.every((q) => q.TableName === 'sesdesk-tickets' && q.IndexName === 'byQueue' && q.Limit === 26)).toBe(true);
      expect((await fetch(url!, { method: 'POST' })).status).toBe(405);
      process.emit('SIGINT');
      await expect(running).resolves.toBe(0);
    } finally {
      write.mockRestore();
    }
  });
});
