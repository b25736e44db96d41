import { CreateTableCommand, DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { createDynamoDbClients } from '../../lambdas/adapters/clients';
import { DynamoDbQueueReader, type QueueTicket } from '../../lambdas/adapters/dynamodb-queue-reader';
import { DynamoDbTicketRepository, TICKET_KIND, ticketKey } from '../../lambdas/adapters/dynamodb-ticket-repository';
import { InvalidInputError } from '../../lambdas/domain/errors';
import { byUrgency } from '../../lambdas/domain/queue-order';
import type { Ticket, TicketStatus } from '../../lambdas/domain/ticket';
import { startDynamoDbLocal, type RunningDynamoDb } from '../../local/emulators';
import { ensureTable } from '../../local/provision';
import { sampleTicket } from '../unit/adapters/fixtures';
import { createTestTable, localStack, uniqueName } from './local-stack';

/**
 * GSI `byQueue` on DynamoDB Local: every ticket save writes its status lane and urgency key, the
 * desk's reader merges the lanes in urgency order page by page (items read bounded by the page),
 * "overdue" is a key range, other filters spend a bounded read budget, and tickets saved before
 * the index existed are re-keyed by `reindexTickets`.
 */
const stack = localStack();
const { dynamodb, doc } = createDynamoDbClients({ region: stack.region, endpoints: { dynamodb: stack.dynamodb.endpoint }, credentials: stack.credentials });
afterAll(() => dynamodb.destroy());

const H = 3_600_000;
const T0 = Date.parse('2026-11-18T10:00:00.000Z');
const at = (hours: number) => new Date(T0 + hours * H).toISOString();
const ACTIVE: TicketStatus[] = ['open', 'pending', 'needs_clarification', 'planned', 'in_progress'];

function ticket(n: number, status: TicketStatus, dueHours: number | null, extra: Partial<Ticket> = {}): Ticket {
  const base = sampleTicket();
  return sampleTicket({
    id: `LOCAL-${n}`,
    number: n,
    status,
    priority: n % 3 === 0 ? 'high' : 'normal',
    assignee: n % 4 === 0 ? 'sam@example.com' : null,
    createdAt: at(-100 + n),
    updatedAt: at(-100 + n),
    sla: { ...base.sla, firstResponseDue: dueHours === null ? null : at(dueHours), resolutionDue: null },
    ...extra,
  });
}

async function seeded(prefix: string, tickets: Ticket[]) {
  const tableName = await createTestTable(prefix);
  const repo = new DynamoDbTicketRepository({ client: doc, tableName, ticketPrefix: 'LOCAL' });
  for (const t of tickets) await repo.createTicket(t);
  return { tableName, repo, reader: new DynamoDbQueueReader({ client: doc, tableName }) };
}

async function allPages(reader: DynamoDbQueueReader, q: Omit<Parameters<DynamoDbQueueReader['page']>[0], 'cursor'>) {
  const seen: QueueTicket[] = [];
  const reads: number[] = [];
  let cursor: string | null = null;
  for (let i = 0; i < 100; i += 1) {
    const page = await reader.page({ ...q, cursor });
    seen.push(...page.tickets);
    reads.push(page.itemsRead);
    cursor = page.next;
    if (!cursor) break;
  }
  return { ids: seen.map((t) => t.id), reads };
}

const statuses: TicketStatus[] = ['open', 'pending', 'needs_clarification', 'planned', 'in_progress', 'resolved', 'closed'];
const many = Array.from({ length: 61 }, (_, i) => ticket(i + 1, statuses[i % statuses.length], i % 5 === 0 ? null : ((i * 37) % 50) - 20));

describe('the byQueue index', () => {
  it('pages the open lanes in byUrgency order, each page reading at most lanes x (page + 1) items', async () => {
    const { reader } = await seeded('queue-order', many);
    const expected = many.filter((t) => ACTIVE.includes(t.status)).sort(byUrgency).map((t) => t.id);
    const { ids, reads } = await allPages(reader, { statuses: ACTIVE, pageSize: 7 });
    expect(ids).toEqual(expected);
    for (const r of reads) expect(r).toBeLessThanOrEqual(ACTIVE.length * 8);
  });

  it('reads one status lane alone, and resolved/closed ones newest first', async () => {
    const { reader } = await seeded('queue-lane', many);
    const closed = await allPages(reader, { statuses: ['closed'], pageSize: 4 });
    expect(closed.ids).toEqual(many.filter((t) => t.status === 'closed').sort((a, b) => b.createdAt.localeCompare(a.createdAt)).map((t) => t.id));
    const first = await reader.page({ statuses: ['open'], pageSize: 3 });
    expect(first.itemsRead).toBeLessThanOrEqual(4);
    expect(first.queries).toBe(1);
  });

  it('serves "overdue now" as a key range: exactly the active tickets whose deadline passed', async () => {
    const { reader } = await seeded('queue-overdue', many);
    const now = new Date(T0);
    const { ids } = await allPages(reader, { statuses: ACTIVE, pageSize: 5, overdueAt: now });
    const expected = many
      .filter((t) => ACTIVE.includes(t.status) && t.sla.firstResponseDue !== null && Date.parse(t.sla.firstResponseDue) < T0)
      .sort(byUrgency)
      .map((t) => t.id);
    expect(expected.length).toBeGreaterThan(3);
    expect(ids).toEqual(expected);
  });

  it('filters what the index cannot serve within a read budget, and the cursor goes on from there', async () => {
    const { reader } = await seeded('queue-filter', many);
    const match = (t: QueueTicket) => t.assignee === 'sam@example.com';
    const expected = many.filter((t) => ACTIVE.includes(t.status) && t.assignee === 'sam@example.com').sort(byUrgency).map((t) => t.id);
    const tight = await reader.page({ statuses: ACTIVE, pageSize: 50, match, readBudget: 10 });
    expect(tight.budgetSpent).toBe(true);
    expect(tight.itemsRead).toBeLessThan(60);
    const rest = await allPages(reader, { statuses: ACTIVE, pageSize: 50, match, readBudget: 10 });
    expect(rest.ids).toEqual(expected);
  });

  it('moves a ticket between lanes and places when it is saved', async () => {
    const t = ticket(1, 'open', 5);
    const other = ticket(2, 'open', 1);
    const { repo, reader } = await seeded('queue-move', [t, other]);
    expect((await reader.page({ statuses: ['open'], pageSize: 10 })).tickets.map((x) => x.id)).toEqual(['LOCAL-2', 'LOCAL-1']);
    await repo.saveTicket({ ...t, version: t.version + 1, sla: { ...t.sla, firstResponseDue: at(0.5) } });
    expect((await reader.page({ statuses: ['open'], pageSize: 10 })).tickets.map((x) => x.id)).toEqual(['LOCAL-1', 'LOCAL-2']);
    await repo.saveTicket({ ...t, version: t.version + 2, status: 'resolved' });
    expect((await reader.page({ statuses: ['open'], pageSize: 10 })).tickets.map((x) => x.id)).toEqual(['LOCAL-2']);
    expect((await reader.page({ statuses: ['resolved'], pageSize: 10 })).tickets.map((x) => x.id)).toEqual(['LOCAL-1']);
    // The repository strips the index keys: a read ticket is the domain object.
    expect(Object.keys((await repo.getTicket('LOCAL-1'))!)).not.toContain('gsi2sk');
  });

  it('projects only the queue attributes', async () => {
    const { reader } = await seeded('queue-projection', [ticket(1, 'open', 1)]);
    const [row] = (await reader.page({ statuses: ['open'], pageSize: 1 })).tickets;
    expect(Object.keys(row).sort()).toEqual(['account', 'assignee', 'createdAt', 'id', 'number', 'priority', 'requester', 'sla', 'status', 'subject', 'tier', 'updatedAt']);
  });

  it('refuses a forged cursor and a page size out of range', async () => {
    const { reader } = await seeded('queue-cursor', []);
    await expect(reader.page({ statuses: ['open'], pageSize: 5, cursor: 'eyJ2IjoxLCJsYW5lcyI6eyJvcGVuIjpbMSwyXX19' })).rejects.toThrow(InvalidInputError);
    await expect(reader.page({ statuses: ['open'], pageSize: 5, cursor: '%%%' })).rejects.toThrow(InvalidInputError);
    await expect(reader.page({ statuses: ['open'], pageSize: 0 })).rejects.toThrow(InvalidInputError);
  });

  it('reads the tickets opened in a period from byKind, and only those', async () => {
    const { reader } = await seeded('queue-period', many);
    const { tickets, itemsRead } = await reader.ticketsCreated({ since: new Date(at(-90)), until: new Date(at(-80)) });
    expect(tickets.map((t) => t.number).sort((a, b) => a - b)).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
    expect(itemsRead).toBe(10);
    expect(Object.keys(tickets[0])).not.toContain('gsi1pk');
  });
});

describe('tables and tickets from before the queue index', () => {
  // Its own DynamoDB Local: the shared one holds every test file's tables, and DynamoDB Local
  // 10.3 never finishes a GSI added by UpdateTable once ten or more tables hold items (a local
  // stack has one table; AWS has no such limit).
  let own: RunningDynamoDb;
  let clients: ReturnType<typeof createDynamoDbClients>;
  beforeAll(async () => {
    own = await startDynamoDbLocal();
    clients = createDynamoDbClients({ region: stack.region, endpoints: { dynamodb: own.endpoint }, credentials: stack.credentials });
  });
  afterAll(async () => {
    clients?.dynamodb.destroy();
    await own?.stop();
  });

  it('ensureTable adds byQueue to an old table and reindexTickets keys its tickets once', async () => {
    const { dynamodb, doc } = clients;
    const tableName = uniqueName('queue-old', 255);
    await dynamodb.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: ['pk', 'sk', 'gsi1pk', 'gsi1sk'].map((AttributeName) => ({ AttributeName, AttributeType: 'S' })),
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
        GlobalSecondaryIndexes: [{
          IndexName: 'byKind',
          KeySchema: [{ AttributeName: 'gsi1pk', KeyType: 'HASH' }, { AttributeName: 'gsi1sk', KeyType: 'RANGE' }],
          Projection: { ProjectionType: 'ALL' },
        }],
      }),
    );
    // Written as an older sesdesk did: no byQueue keys.
    const old = [ticket(1, 'open', 3), ticket(2, 'open', 1), ticket(3, 'closed', null)];
    for (const t of old) await doc.send(new PutCommand({ TableName: tableName, Item: { ...t, ...ticketKey(t.id), gsi1pk: TICKET_KIND, gsi1sk: t.createdAt } }));

    expect(await ensureTable(dynamodb, tableName)).toBe('upgraded');
    expect(await ensureTable(dynamodb, tableName)).toBe('exists');
    const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: tableName }));
    expect(Table?.GlobalSecondaryIndexes?.map((i) => i.IndexName).sort()).toEqual(['byKind', 'byQueue']);

    const reader = new DynamoDbQueueReader({ client: doc, tableName });
    expect((await reader.page({ statuses: ['open'], pageSize: 10 })).tickets).toEqual([]);
    expect(await reader.reindexTickets()).toEqual({ tickets: 3, updated: 3 });
    expect(await reader.reindexTickets()).toEqual({ tickets: 3, updated: 0 });
    expect((await reader.page({ statuses: ['open'], pageSize: 10 })).tickets.map((t) => t.id)).toEqual(['LOCAL-2', 'LOCAL-1']);
    expect((await reader.page({ statuses: ['closed'], pageSize: 10 })).tickets.map((t) => t.id)).toEqual(['LOCAL-3']);
  });
});
