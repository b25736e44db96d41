import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { CallCounter, countCalls, createDynamoDbClients } from '../../lambdas/adapters/clients';
import { DynamoDbInboundLedger } from '../../lambdas/adapters/dynamodb-inbound-ledger';
import { COUNTER_KEY, DynamoDbTicketRepository } from '../../lambdas/adapters/dynamodb-ticket-repository';
import { AlreadyExistsError, ConcurrentModificationError } from '../../lambdas/domain/errors';
import { sampleMessage, sampleTicket } from '../unit/adapters/fixtures';
import { createTestTable, localStack } from './local-stack';

const stack = localStack();
const { dynamodb, doc } = createDynamoDbClients({
  region: stack.region,
  endpoints: { dynamodb: stack.dynamodb.endpoint },
  credentials: stack.credentials,
});
const calls = new CallCounter();
countCalls(doc, calls);

afterAll(() => dynamodb.destroy());

async function freshRepo(prefix: string) {
  const tableName = await createTestTable(prefix);
  return { tableName, repo: new DynamoDbTicketRepository({ client: doc, tableName, ticketPrefix: 'LOCAL' }) };
}

async function counterValue(tableName: string): Promise<number | undefined> {
  const out = await doc.send(new GetCommand({ TableName: tableName, Key: COUNTER_KEY, ConsistentRead: true }));
  return out.Item?.n as number | undefined;
}

describe('ticket numbers', () => {
  it('gives a retried claim the same number and moves the counter once', async () => {
    const { tableName, repo } = await freshRepo('alloc-retry');

    calls.reset();
    const first = await repo.allocateTicketNumber('ses-aaa');
    expect(calls.byCommand()).toEqual({ 'DynamoDB.GetItem': 2, 'DynamoDB.TransactWriteItems': 1 });
    calls.reset();
    const again = await repo.allocateTicketNumber('ses-aaa');
    expect(calls.byCommand()).toEqual({ 'DynamoDB.GetItem': 1 });

    expect(first).toBe(1);
    expect(again).toBe(1);
    expect(await counterValue(tableName)).toBe(1);
    await expect(repo.allocateTicketNumber('ses-bbb')).resolves.toBe(2);
    expect(await counterValue(tableName)).toBe(2);
  });

  it('gives 30 concurrent claims 30 distinct consecutive numbers', async () => {
    const { tableName, repo } = await freshRepo('alloc-30');

    const numbers = await Promise.all(Array.from({ length: 30 }, (_, i) => repo.allocateTicketNumber(`key-${i}`)));
    expect([...numbers].sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(await counterValue(tableName)).toBe(30);
  });

  it('gives concurrent deliveries of one message a single number', async () => {
    const { tableName, repo } = await freshRepo('alloc-twins');

    const numbers = await Promise.all(Array.from({ length: 10 }, () => repo.allocateTicketNumber('same-key')));
    expect(new Set(numbers)).toEqual(new Set([1]));
    expect(await counterValue(tableName)).toBe(1);
  });
});

describe('tickets and messages', () => {
  it('round-trips a ticket exactly and refuses a second create', async () => {
    const { repo } = await freshRepo('tickets');
    const ticket = sampleTicket({ id: 'LOCAL-1', number: 1 });

    calls.reset();
    await repo.createTicket(ticket);
    await expect(repo.getTicket('LOCAL-1')).resolves.toStrictEqual(ticket);
    expect(calls.byCommand()).toEqual({ 'DynamoDB.PutItem': 1, 'DynamoDB.GetItem': 1 });
    await expect(repo.createTicket(ticket)).rejects.toBeInstanceOf(AlreadyExistsError);
    await expect(repo.getTicket('LOCAL-404')).resolves.toBeNull();
  });

  it('saves over the previous version and refuses a stale one', async () => {
    const { repo } = await freshRepo('save');
    const v1 = sampleTicket({ id: 'LOCAL-1', number: 1, version: 1 });
    await repo.createTicket(v1);

    const v2 = { ...v1, version: 2, status: 'pending' as const, assignee: 'agent@desk.example' };
    await repo.saveTicket(v2);
    const staleWriter = { ...v1, version: 2, status: 'resolved' as const };
    await expect(repo.saveTicket(staleWriter)).rejects.toBeInstanceOf(ConcurrentModificationError);
    await expect(repo.saveTicket({ ...v1, id: 'LOCAL-9', version: 2 })).rejects.toBeInstanceOf(ConcurrentModificationError);
    await expect(repo.getTicket('LOCAL-1')).resolves.toStrictEqual(v2);
  });

  it('lists tickets by kind with the status filter and limit', async () => {
    const { repo } = await freshRepo('list');
    const statuses = ['open', 'pending', 'open', 'closed', 'open'] as const;
    for (const [i, status] of statuses.entries()) {
      await repo.createTicket(
        sampleTicket({ id: `LOCAL-${i + 1}`, number: i + 1, status, createdAt: `2026-03-0${i + 1}T00:00:00.000Z` }),
      );
    }

    expect((await repo.listTickets()).map((t) => t.id)).toEqual(['LOCAL-1', 'LOCAL-2', 'LOCAL-3', 'LOCAL-4', 'LOCAL-5']);
    expect((await repo.listTickets({ status: 'open' })).map((t) => t.id)).toEqual(['LOCAL-1', 'LOCAL-3', 'LOCAL-5']);
    expect((await repo.listTickets({ status: 'open', limit: 2 })).map((t) => t.id)).toEqual(['LOCAL-1', 'LOCAL-3']);
    // The ledger's items share the index but not its partition.
    expect((await repo.listTickets())[0]).toStrictEqual(
      sampleTicket({ id: 'LOCAL-1', number: 1, status: 'open', createdAt: '2026-03-01T00:00:00.000Z' }),
    );
  });

  it('stores messages once, in time order, refusing a different one under the same key', async () => {
    const { repo } = await freshRepo('messages');
    const later = sampleMessage({ ticketId: 'LOCAL-1', at: '2026-03-02T10:00:00.000Z', key: '2026-03-02T10:00:00.000Z#b' });
    const earlier = sampleMessage({
      ticketId: 'LOCAL-1',
      at: '2026-03-02T09:00:00.000Z',
      key: '2026-03-02T09:00:00.000Z#a',
      meta: { commands: ['#close'], throttled: false },
    });

    await repo.appendMessage(later);
    await repo.appendMessage(earlier);
    await repo.appendMessage(earlier); // a retried delivery
    await expect(repo.appendMessage({ ...earlier, text: 'edited' })).rejects.toBeInstanceOf(AlreadyExistsError);

    await expect(repo.listMessages('LOCAL-1')).resolves.toStrictEqual([earlier, later]);
    await expect(repo.listMessages('LOCAL-2')).resolves.toEqual([]);
  });

  it('indexes message ids without ever stealing one mapped to another ticket', async () => {
    const { repo } = await freshRepo('msgids');

    await repo.indexMessageIds('LOCAL-1', ['<shared@Example.com>', '<one@example.com>']);
    calls.reset();
    await repo.indexMessageIds('LOCAL-2', ['<SHARED@example.COM>', '<two@example.com>']);
    expect(calls.byCommand()).toEqual({ 'DynamoDB.PutItem': 2 });

    calls.reset();
    await expect(repo.findTicketByMessageIds(['<shared@example.com>'])).resolves.toBe('LOCAL-1');
    expect(calls.byCommand()).toEqual({ 'DynamoDB.BatchGetItem': 1 });
    await expect(repo.findTicketByMessageIds(['<nobody@x>', '<two@EXAMPLE.com>', '<one@example.com>'])).resolves.toBe(
      'LOCAL-2',
    );
    await expect(repo.findTicketByMessageIds(['<nobody@x>'])).resolves.toBeNull();
    // The local part is case-sensitive.
    await expect(repo.findTicketByMessageIds(['<ONE@example.com>'])).resolves.toBeNull();
  });
});

describe('inbound ledger', () => {
  const t0 = new Date('2026-03-02T09:00:00.000Z');
  const at = (ms: number) => new Date(t0.getTime() + ms);

  async function freshLedger(prefix: string) {
    const tableName = await createTestTable(prefix);
    return new DynamoDbInboundLedger({ client: doc, tableName });
  }

  it('lets exactly one of 50 concurrent deliveries of a key in', async () => {
    const ledger = await freshLedger('ledger-50');

    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        ledger.begin({ key: 'mid-1', sesMessageId: `ses-${i}`, rawKey: `inbound/ses-${i}`, now: t0, leaseMs: 60_000 }),
      ),
    );
    const kinds = results.map((r) => r.kind);
    expect(kinds.filter((k) => k === 'fresh')).toHaveLength(1);
    expect(kinds.filter((k) => k !== 'fresh').every((k) => k === 'busy' || k === 'duplicate')).toBe(true);
    const winner = results.find((r) => r.kind === 'fresh')!;
    await expect(ledger.get('mid-1')).resolves.toStrictEqual(winner.record);
  });

  it('answers a finished key as duplicate with one call', async () => {
    const ledger = await freshLedger('ledger-dup');
    await ledger.begin({ key: 'mid-1', sesMessageId: 'ses-1', rawKey: 'inbound/ses-1', now: t0, leaseMs: 60_000 });
    await ledger.complete('mid-1', 'created', { ticketId: 'LOCAL-1', reason: 'new ticket' });

    calls.reset();
    const again = await ledger.begin({ key: 'mid-1', sesMessageId: 'ses-2', rawKey: 'inbound/ses-2', now: at(1000), leaseMs: 60_000 });
    expect(calls.byCommand()).toEqual({ 'DynamoDB.UpdateItem': 1 });
    expect(again.kind).toBe('duplicate');
    expect(again.record).toMatchObject({ state: 'done', outcome: 'created', ticketId: 'LOCAL-1', leaseUntil: null, reason: 'new ticket' });
    // Long after any lease: still a duplicate, a finished record is never taken over.
    await expect(
      ledger.begin({ key: 'mid-1', sesMessageId: 'ses-3', rawKey: 'inbound/ses-3', now: at(86_400_000), leaseMs: 60_000 }),
    ).resolves.toMatchObject({ kind: 'duplicate' });
  });

  it('resumes a crashed attempt after its lease ran out, keeping its steps', async () => {
    const ledger = await freshLedger('ledger-resume');
    const first = await ledger.begin({ key: 'mid-1', sesMessageId: 'ses-1', rawKey: 'inbound/ses-1', now: t0, leaseMs: 1000 });
    expect(first.kind).toBe('fresh');
    await ledger.progress('mid-1', { step: 'ticket', ticketId: 'LOCAL-4' });
    await ledger.progress('mid-1', { step: 'message' });

    await expect(
      ledger.begin({ key: 'mid-1', sesMessageId: 'ses-2', rawKey: 'inbound/ses-2', now: at(500), leaseMs: 1000 }),
    ).resolves.toMatchObject({ kind: 'busy' });
    const resumed = await ledger.begin({ key: 'mid-1', sesMessageId: 'ses-2', rawKey: 'inbound/ses-2', now: at(5000), leaseMs: 1000 });
    expect(resumed.kind).toBe('resume');
    expect(resumed.record).toMatchObject({
      steps: ['ticket', 'message'],
      ticketId: 'LOCAL-4',
      sesMessageId: 'ses-1',
      receivedAt: t0.toISOString(),
      leaseUntil: at(6000).toISOString(),
    });

    await ledger.progress('mid-1', { step: 'message' }); // the resumed attempt repeats a step
    await ledger.progress('mid-1', { step: 'ack' });
    await ledger.complete('mid-1', 'created');
    await expect(ledger.get('mid-1')).resolves.toMatchObject({
      steps: ['ticket', 'message', 'ack'],
      state: 'done',
      ticketId: 'LOCAL-4',
      leaseUntil: null,
      outcome: 'created',
    });
    const listed = await ledger.list();
    expect(listed.map((r) => r.key)).toEqual(['mid-1']);
  });
});

describe('ingest commit (one transaction)', () => {
  async function begun(prefix: string) {
    const { tableName, repo } = await freshRepo(prefix);
    const ledger = new DynamoDbInboundLedger({ client: doc, tableName });
    const now = new Date('2026-11-20T10:00:00Z');
    await ledger.begin({ key: 'k1', sesMessageId: 's1', rawKey: 'r1', now, leaseMs: 45_000 });
    return { tableName, repo, ledger };
  }

  it('creates ticket, message, id map, throttle and ledger step in one call, and refuses the step twice', async () => {
    const { tableName, repo, ledger } = await begun('commit-create');
    calls.reset();
    const number = await repo.nextTicketNumber();
    expect(number).toBe(1);
    const ticket = { ...sampleTicket(), id: 'LOCAL-1', number: 1, version: 1 };
    const message = { ...sampleMessage(), ticketId: 'LOCAL-1' };
    const commit = {
      ledger: { key: 'k1', step: 'ticket', ticketId: 'LOCAL-1' },
      ticket: { write: 'create' as const, ticket },
      messages: [message],
      messageIds: ['<first@customer.example>'],
      throttles: [{ key: 'THROTTLE#ack#a', limit: 1, expiresAt: new Date('2026-11-21T00:00:00Z') }],
    };
    expect(await repo.commit(commit)).toEqual({ ok: true });
    expect(calls.byCommand()).toEqual({ 'DynamoDB.GetItem': 1, 'DynamoDB.TransactWriteItems': 1 });
    expect(await counterValue(tableName)).toBe(1);
    expect(await repo.getTicket('LOCAL-1')).toEqual(ticket);
    expect(await repo.listMessages('LOCAL-1')).toHaveLength(1);
    expect(await repo.findTicketByMessageIds(['first@customer.example'])).toBe('LOCAL-1');
    expect((await ledger.get('k1'))).toMatchObject({ ticketId: 'LOCAL-1', steps: ['ticket'], state: 'processing' });

    const again = await repo.commit(commit);
    expect(again).toMatchObject({ ok: false, conflict: 'done', record: { ticketId: 'LOCAL-1', steps: ['ticket'] } });
    expect(await counterValue(tableName)).toBe(1);
    expect(await repo.nextTicketNumber()).toBe(2);
  });

  it('reports a moved counter with its value, a stale version and a full throttle, writing nothing', async () => {
    const { tableName, repo, ledger } = await begun('commit-conflicts');
    const ticket = { ...sampleTicket(), id: 'LOCAL-5', number: 5, version: 1 };
    await repo.allocateTicketNumber('other-1'); // counter at 1: a guess of 4 is stale
    expect(await repo.commit({ ledger: { key: 'k1', step: 'ticket', ticketId: 'LOCAL-5' }, ticket: { write: 'create', ticket } })).toEqual({
      ok: false,
      conflict: 'number',
      current: 1,
    });
    const two = { ...ticket, id: 'LOCAL-2', number: 2 };
    const throttle = { key: 'THROTTLE#ack#b', limit: 1, expiresAt: new Date('2026-11-21T00:00:00Z') };
    expect(await repo.commit({ ledger: { key: 'k1', step: 'ticket', ticketId: 'LOCAL-2' }, ticket: { write: 'create', ticket: two }, throttles: [throttle] })).toEqual({ ok: true });
    await ledger.begin({ key: 'k2', sesMessageId: 's2', rawKey: 'r2', now: new Date('2026-11-20T10:00:00Z'), leaseMs: 45_000 });
    const three = { ...ticket, id: 'LOCAL-3', number: 3 };
    expect(await repo.commit({ ledger: { key: 'k2', step: 'ticket', ticketId: 'LOCAL-3' }, ticket: { write: 'create', ticket: three }, throttles: [throttle] })).toEqual({
      ok: false,
      conflict: 'throttle',
      key: throttle.key,
    });
    expect(await counterValue(tableName)).toBe(2);
    expect(await repo.getTicket('LOCAL-3')).toBeNull();
    expect(await repo.commit({ ledger: { key: 'k2', step: 'change', ticketId: 'LOCAL-2' }, ticket: { write: 'save', ticket: { ...two, version: 5 } } })).toEqual({
      ok: false,
      conflict: 'version',
    });
    expect((await ledger.get('k2'))!.steps).toEqual([]);
    expect(await repo.commit({ ledger: { key: 'k2', step: 'change', ticketId: 'LOCAL-2', complete: 'appended' }, ticket: { write: 'save', ticket: { ...two, version: 2 } } })).toEqual({ ok: true });
    expect(await ledger.get('k2')).toMatchObject({ state: 'done', outcome: 'appended', ticketId: 'LOCAL-2', steps: ['change'] });
  });
});

describe('new-ticket claim (ledger record, counter and ack throttles in one transaction)', () => {
  const now = new Date('2026-11-20T10:00:00Z');
  type Throttle = { key: string; limit: number; expiresAt: Date };
  const input = (key: string, throttles: Throttle[] = []) => ({ key, sesMessageId: `s-${key}`, rawKey: `r-${key}`, now, leaseMs: 45_000, throttles });

  it('reserves the next number with the claim (one call once the counter is known); a claimed key comes back taken for one call', async () => {
    const { tableName, repo } = await freshRepo('claim-new');
    const ledger = new DynamoDbInboundLedger({ client: doc, tableName });
    calls.reset();
    expect(await repo.claimNewTicket(input('k1'))).toMatchObject({ kind: 'fresh', number: 1, throttled: false, record: { steps: ['number:1'], state: 'processing' } });
    expect(calls.byCommand()).toEqual({ 'DynamoDB.GetItem': 1, 'DynamoDB.TransactWriteItems': 1 });
    calls.reset();
    expect(await repo.claimNewTicket(input('k2'))).toMatchObject({ kind: 'fresh', number: 2 });
    expect(calls.byCommand()).toEqual({ 'DynamoDB.TransactWriteItems': 1 });
    expect(await counterValue(tableName)).toBe(2);
    expect(await ledger.get('k1')).toMatchObject({ key: 'k1', sesMessageId: 's-k1', rawKey: 'r-k1', state: 'processing', steps: ['number:1'], ticketId: null });
    expect((await ledger.list()).map((r) => r.key).sort()).toEqual(['k1', 'k2']);

    calls.reset();
    expect(await repo.claimNewTicket(input('k1'))).toMatchObject({ kind: 'taken', record: { key: 'k1', steps: ['number:1'] } });
    expect(calls.byCommand()).toEqual({ 'DynamoDB.TransactWriteItems': 1 });
    expect(await counterValue(tableName)).toBe(2);
  });

  it('learns a counter moved by another container from the refusal, and claims without a throttle at its limit', async () => {
    const { tableName, repo } = await freshRepo('claim-stale');
    const other = new DynamoDbTicketRepository({ client: doc, tableName, ticketPrefix: 'LOCAL' });
    await repo.claimNewTicket(input('a'));
    await other.claimNewTicket(input('b'));
    calls.reset();
    expect(await repo.claimNewTicket(input('c'))).toMatchObject({ kind: 'fresh', number: 3 });
    expect(calls.byCommand()).toEqual({ 'DynamoDB.TransactWriteItems': 2 });
    const throttle = { key: 'THROTTLE#ack#ana@customer.example', limit: 1, expiresAt: new Date('2026-11-21T00:00:00Z') };
    expect(await repo.claimNewTicket(input('d', [throttle]))).toMatchObject({ kind: 'fresh', number: 4, throttled: false });
    expect(await repo.claimNewTicket(input('e', [throttle]))).toMatchObject({ kind: 'fresh', number: 5, throttled: true, record: { steps: ['number:5', 'ack-throttled'] } });
    expect(await counterValue(tableName)).toBe(5);
  });

  it('gives 20 concurrent claims from two containers 20 distinct consecutive numbers', async () => {
    const { tableName, repo } = await freshRepo('claim-20');
    const other = new DynamoDbTicketRepository({ client: doc, tableName, ticketPrefix: 'LOCAL' });
    const claims = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? repo : other).claimNewTicket(input(`k${i}`))));
    const numbers = claims.map((c) => (c.kind === 'fresh' ? c.number : -1));
    expect([...numbers].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(await counterValue(tableName)).toBe(20);
  });

  it('gives a number back only while it is the last one (else it stays a gap)', async () => {
    const { tableName, repo } = await freshRepo('claim-release');
    await repo.claimNewTicket(input('a'));
    await repo.claimNewTicket(input('b'));
    await repo.releaseTicketNumber(2);
    expect(await counterValue(tableName)).toBe(1);
    expect(await repo.claimNewTicket(input('c'))).toMatchObject({ number: 2 });
    expect(await repo.claimNewTicket(input('d'))).toMatchObject({ number: 3 });
    await repo.releaseTicketNumber(2);
    expect(await counterValue(tableName)).toBe(3);
  });

  it('a commit of the reserved ticket leaves the counter alone', async () => {
    const { tableName, repo } = await freshRepo('claim-commit');
    await repo.claimNewTicket(input('k1'));
    const ticket = { ...sampleTicket(), id: 'LOCAL-1', number: 1, version: 1 };
    calls.reset();
    expect(
      await repo.commit({
        ledger: { key: 'k1', step: 'ticket', ticketId: 'LOCAL-1', complete: 'created' },
        ticket: { write: 'create', ticket, numberReserved: true },
        messages: [{ ...sampleMessage(), ticketId: 'LOCAL-1' }],
        messageIds: ['<first@customer.example>'],
      }),
    ).toEqual({ ok: true });
    expect(calls.byCommand()).toEqual({ 'DynamoDB.TransactWriteItems': 1 });
    expect(await counterValue(tableName)).toBe(1);
    expect(await repo.getTicket('LOCAL-1')).toEqual(ticket);
    expect(await new DynamoDbInboundLedger({ client: doc, tableName }).get('k1')).toMatchObject({ state: 'done', outcome: 'created', steps: ['number:1', 'ticket'] });
  });
});
