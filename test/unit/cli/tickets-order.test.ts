import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { byUrgency, urgentDue } from '../../../cli/format';
import { main } from '../../../cli/main';
import type { Ticket, TicketStatus } from '../../../lambdas/domain/ticket';
import { mockStatefulStack } from './stack-mock';
import { sampleTicket } from '../adapters/fixtures';

/**
 * cli.md: `tickets [--status S] [--json]` lists tickets, most urgent SLA first. The deadline
 * that counts is the first response until it is met, then resolution; tickets with no running
 * deadline (resolved, closed, no SLA target) come last, newest first. Run through the real
 * command (`--region`, CloudFormation and DynamoDB mocked), which gets the tickets in table order.
 */
const REGION = 'eu-west-1';
const TABLE = 'sesdesk-tickets';
const cfn = mockClient(CloudFormationClient);
const ddb = mockClient(DynamoDBDocumentClient);

const H = 3_600_000;
const T0 = Date.parse('2026-11-18T10:00:00.000Z');
const at = (hours: number) => new Date(T0 + hours * H).toISOString();

let n = 0;
function ticket(p: {
  status?: TicketStatus;
  priority?: string;
  createdAt: string;
  firstResponseDue?: string | null;
  firstRespondedAt?: string | null;
  resolutionDue?: string | null;
}): Ticket {
  n += 1;
  const base = sampleTicket();
  return sampleTicket({
    id: `EUW1-${n}`,
    number: n,
    status: p.status ?? 'open',
    priority: p.priority ?? 'normal',
    createdAt: p.createdAt,
    updatedAt: p.createdAt,
    subject: `ticket ${n}`,
    sla: {
      ...base.sla,
      firstResponseDue: p.firstResponseDue ?? null,
      firstRespondedAt: p.firstRespondedAt ?? null,
      resolutionDue: p.resolutionDue ?? null,
      resolvedAt: p.status === 'resolved' || p.status === 'closed' ? p.createdAt : null,
    },
  });
}

/** The tickets, named by what makes them (not) urgent; stored in the table in id order. */
const T = {
  // First response not met, due in 1 h; resolution due later.
  frIn1h: ticket({ createdAt: at(-1), firstResponseDue: at(1), resolutionDue: at(8) }),
  // First response met: resolution (due in 30 min) is what counts, not the met first-response due time.
  resolutionIn30m: ticket({ status: 'in_progress', createdAt: at(-5), firstResponseDue: at(-4), firstRespondedAt: at(-4.5), resolutionDue: at(0.5) }),
  // Resolved long ago, created early: no running deadline even though its resolution due is the earliest.
  resolvedOld: ticket({ status: 'resolved', createdAt: at(-48), firstResponseDue: at(-47), firstRespondedAt: at(-47.5), resolutionDue: at(-40) }),
  // Already breached: its first response was due 2 h ago.
  breached: ticket({ priority: 'low', createdAt: at(-6), firstResponseDue: at(-2), resolutionDue: at(20) }),
  // Critical, but its first response is due later than the others.
  criticalIn3h: ticket({ priority: 'critical', status: 'pending', createdAt: at(-0.5), firstResponseDue: at(3), resolutionDue: at(4) }),
  // Closed recently: newest of the ones without a running deadline.
  closedNew: ticket({ status: 'closed', createdAt: at(-2), firstResponseDue: at(-1), firstRespondedAt: at(-1.5), resolutionDue: at(5) }),
  // Open, but its policy sets no target for the priority: no deadline at all.
  noTargets: ticket({ createdAt: at(-10) }),
};

const EXPECTED = [T.breached, T.resolutionIn30m, T.frIn1h, T.criticalIn3h, T.closedNew, T.noTargets, T.resolvedOld].map((t) => t.id);

let stdout: string;

beforeEach(() => {
  cfn.reset();
  ddb.reset();
  stdout = '';
  jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  mockStatefulStack(cfn, REGION, { table: TABLE, bucket: 'bucket' });
  // Two pages, in table (id) order, with the storage attributes a real item has; the filter of --status applied like DynamoDB would.
  const items = Object.values(T).map((t) => ({ ...t, pk: `TICKET#${t.id}`, sk: 'META', gsi1pk: 'KIND#TICKET', gsi1sk: t.id }));
  ddb.on(QueryCommand).callsFake((input: { TableName: string; ExclusiveStartKey?: unknown; ExpressionAttributeValues?: Record<string, unknown> }) => {
    if (input.TableName !== TABLE) throw new Error(`unexpected table ${input.TableName}`);
    const status = input.ExpressionAttributeValues?.[':status'];
    const page = input.ExclusiveStartKey === undefined ? items.slice(0, 4) : items.slice(4);
    return {
      Items: page.filter((i) => status === undefined || i.status === status),
      LastEvaluatedKey: input.ExclusiveStartKey === undefined ? { pk: 'x', sk: 'y' } : undefined,
    };
  });
});

afterEach(() => {
  jest.restoreAllMocks();
});

const tickets = (...args: string[]) => main(['node', 'sesdesk', 'tickets', '--region', REGION, ...args]);

describe('sesdesk tickets: most urgent SLA first', () => {
  it('--json: breached first, then by the deadline that counts now; no running deadline last, newest first', async () => {
    expect(await tickets('--json')).toBe(0);
    const listed = JSON.parse(stdout) as Ticket[];
    expect(listed.map((t) => t.id)).toEqual(EXPECTED);
    // Whole tickets, without the storage attributes.
    expect(listed[0]).toEqual(T.breached);
  });

  it('the table shows the same order and the deadline it ordered by ("-" when none runs)', async () => {
    expect(await tickets()).toBe(0);
    const rows = stdout.trimEnd().split('\n').slice(2);
    const cells = rows.map((r) => r.split(/\s{2,}/));
    expect(cells.map((c) => c[0])).toEqual(EXPECTED);
    expect(cells.map((c) => c[3])).toEqual([at(-2), at(0.5), at(1), at(3), '-', '-', '-']);
    expect(stdout.split('\n')[0]).toMatch(/^ID\s+STATUS\s+PRIORITY\s+DUE\s+REQUESTER\s+SUBJECT$/);
  });

  it('--status keeps the order inside the status asked for', async () => {
    expect(await tickets('--status', 'open', '--json')).toBe(0);
    expect((JSON.parse(stdout) as Ticket[]).map((t) => t.id)).toEqual([T.breached, T.frIn1h, T.noTargets].map((t) => t.id));
    const query = ddb.commandCalls(QueryCommand)[0].args[0].input;
    expect(query.ExpressionAttributeValues).toMatchObject({ ':status': 'open' });
  });

  it('an unknown --status is misuse (exit 2) and reads nothing', async () => {
    expect(await tickets('--status', 'urgent')).toBe(2);
    expect(ddb.commandCalls(QueryCommand)).toHaveLength(0);
  });
});

describe('byUrgency / urgentDue', () => {
  it('the order does not depend on the order the table returns', () => {
    const all = Object.values(T);
    for (let shift = 0; shift < all.length; shift += 1) {
      const rotated = [...all.slice(shift), ...all.slice(0, shift)].reverse();
      expect([...rotated].sort(byUrgency).map((t) => t.id)).toEqual(EXPECTED);
    }
  });

  it('uses the first response due until it is met, then the resolution due; nothing once resolved or closed', () => {
    expect(urgentDue(T.frIn1h)).toBe(at(1));
    expect(urgentDue(T.resolutionIn30m)).toBe(at(0.5));
    expect(urgentDue(T.resolvedOld)).toBeNull();
    expect(urgentDue(T.closedNew)).toBeNull();
    expect(urgentDue(T.noTargets)).toBeNull();
  });

  it('priority alone does not make a ticket more urgent than an earlier deadline', () => {
    expect([T.criticalIn3h, T.frIn1h].sort(byUrgency).map((t) => t.priority)).toEqual(['normal', 'critical']);
  });
});

describe('a ticket waiting on the customer', () => {
  it('has no running deadline while its resolution clock is paused, so it sorts after running ones', () => {
    const { urgentDue: due, byUrgency: order } = jest.requireActual<typeof import('../../../cli/format')>('../../../cli/format');
    const base = { status: 'in_progress', createdAt: '2026-11-20T10:00:00.000Z', sla: { firstRespondedAt: '2026-11-20T10:05:00.000Z', firstResponseDue: '2026-11-20T11:00:00.000Z', resolutionDue: '2026-11-21T10:00:00.000Z', pausedAt: null } };
    const paused = { ...base, id: 'P', status: 'needs_clarification', sla: { ...base.sla, resolutionDue: '2026-11-20T12:00:00.000Z', pausedAt: '2026-11-20T11:00:00.000Z' } };
    const running = { ...base, id: 'R' };
    expect(due(paused as never)).toBeNull();
    expect(due(running as never)).toBe('2026-11-21T10:00:00.000Z');
    expect([paused, running].sort(order as never).map((t) => t.id)).toEqual(['R', 'P']);
  });
});
