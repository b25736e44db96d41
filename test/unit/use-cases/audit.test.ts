import type { InboundRecord } from '../../../lambdas/domain/ports';
import { auditInbound, compareInbound, probeDedupeKey } from '../../../lambdas/use-cases/audit';
import { ingestEmail } from '../../../lambdas/use-cases/ingest-email';
import { ingestInputForObject } from '../../../cli/commands/replay';
import { memoryIngestDeps } from '../fuzz/memory-deps';

const P = 'inbound/';
const at = new Date('2026-11-20T10:00:00Z');

function record(key: string, ses: string, patch: Partial<InboundRecord> = {}): InboundRecord {
  return {
    key, sesMessageId: ses, rawKey: `${P}${ses}`, receivedAt: at.toISOString(), state: 'done', leaseUntil: null,
    outcome: 'created', reason: null, ticketId: 'LOCAL-1', steps: [], ...patch,
  };
}
const raw = (ses: string) => ({ key: `${P}${ses}`, lastModified: at });

describe('compareInbound', () => {
  it('is clean when every raw object has exactly one finished record, and counts outcomes', () => {
    const report = compareInbound({
      inboundPrefix: P,
      rawObjects: [raw('a'), raw('b'), raw('c')],
      records: [record('k1', 'a'), record('k2', 'b', { outcome: 'quarantined' }), record('k3', 'c', { outcome: 'dropped' })],
    });
    expect(report).toMatchObject({ clean: true, rawObjects: 3, records: 3, orphans: [], missingRaw: [], unfinished: [], ambiguous: [] });
    expect(report.outcomes).toEqual({ created: 1, quarantined: 1, dropped: 1 });
  });

  it('reports a raw object without a record as an orphan', () => {
    const report = compareInbound({ inboundPrefix: P, rawObjects: [raw('a'), raw('lost')], records: [record('k1', 'a')] });
    expect(report.clean).toBe(false);
    expect(report.orphans.map((o) => o.key)).toEqual([`${P}lost`]);
  });

  it('reports a record whose raw object is gone', () => {
    const report = compareInbound({ inboundPrefix: P, rawObjects: [raw('a')], records: [record('k1', 'a'), record('k2', 'gone')] });
    expect(report.clean).toBe(false);
    expect(report.missingRaw).toEqual([{ recordKey: 'k2', rawKey: `${P}gone`, outcome: 'created' }]);
  });

  it('does not count a record still processing as an outcome', () => {
    const report = compareInbound({
      inboundPrefix: P,
      rawObjects: [raw('a')],
      records: [record('k1', 'a', { state: 'processing', outcome: null, leaseUntil: '2026-11-20T10:00:45Z' })],
    });
    expect(report.clean).toBe(false);
    expect(report.unfinished).toEqual([{ recordKey: 'k1', rawKey: `${P}a`, leaseUntil: '2026-11-20T10:00:45Z' }]);
    expect(report.outcomes).toEqual({});
  });

  it('accounts a later delivery of a recorded message as a duplicate, but not of an unknown or unfinished one', () => {
    const records = [record('k1', 'a'), record('k2', 'b', { state: 'processing', outcome: null })];
    const report = compareInbound({
      inboundPrefix: P,
      rawObjects: [raw('a'), raw('b'), raw('a2'), raw('b2'), raw('x2')],
      records,
      duplicates: new Map([[`${P}a2`, 'k1'], [`${P}b2`, 'k2'], [`${P}x2`, 'nope']]),
    });
    expect(report.outcomes).toEqual({ created: 1, duplicate: 1 });
    expect(report.orphans.map((o) => o.key).sort()).toEqual([`${P}b2`, `${P}x2`]);
  });

  it('flags a raw object claimed by two records', () => {
    const report = compareInbound({ inboundPrefix: P, rawObjects: [raw('a')], records: [record('k1', 'a'), record('k2', 'a')] });
    expect(report.clean).toBe(false);
    expect(report.ambiguous).toEqual([{ rawKey: `${P}a`, recordKeys: ['k1', 'k2'] }]);
  });

  it('matches a record by its SES message id when its raw key differs', () => {
    const report = compareInbound({ inboundPrefix: P, rawObjects: [raw('a')], records: [record('k1', 'a', { rawKey: 'old/a' })] });
    expect(report.clean).toBe(true);
  });
});

function mail(id: string | null, subject: string): Buffer {
  return Buffer.from(
    [
      'From: Ana <ana@customer.example>',
      'To: support@example.com',
      `Subject: ${subject}`,
      'Date: Fri, 20 Nov 2026 10:00:00 +0000',
      ...(id ? [`Message-ID: <${id}>`] : []),
      '',
      'Hello',
      '',
    ].join('\r\n'),
  );
}

describe('probeDedupeKey and auditInbound over in-memory ingest', () => {
  const target = { inboundPrefix: P, region: 'us-east-1', recipient: 'support@example.com' };

  async function deliver(deps: ReturnType<typeof memoryIngestDeps>, ses: string, body: Buffer) {
    await deps.rawMail.putObject(`${P}${ses}`, body, 'message/rfc822');
    return ingestEmail(deps, ingestInputForObject({ key: `${P}${ses}`, lastModified: at, raw: body }, target));
  }

  it.each([
    ['with a Message-ID', 'm1@customer.example'],
    ['without a Message-ID', null],
  ])('finds the key ingest claimed for mail %s, with no effect on the ports', async (_label, id) => {
    const deps = memoryIngestDeps();
    const body = mail(id, 'probe me');
    await deliver(deps, 'first', body);
    const [claimed] = await deps.ledger.list();
    const before = { sent: deps.mailer.sent.length, objects: deps.rawMail.objects.size, tickets: deps.tickets.tickets.size };
    const key = await probeDedupeKey(deps, ingestInputForObject({ key: `${P}second`, lastModified: at, raw: body }, target), body);
    expect(key).toBe(claimed.key);
    expect({ sent: deps.mailer.sent.length, objects: deps.rawMail.objects.size, tickets: deps.tickets.tickets.size }).toEqual(before);
    expect(await deps.ledger.list()).toHaveLength(1);
  });

  it('accounts ingested mail, a redelivered copy as duplicate, and reports mail stored but never ingested', async () => {
    const deps = memoryIngestDeps();
    await deliver(deps, 's1', mail('a@c.example', 'one'));
    await deliver(deps, 's2', mail(null, 'two'));
    expect((await deliver(deps, 's3', mail('a@c.example', 'one'))).outcome).toBe('duplicate');
    expect((await deliver(deps, 's4', mail(null, 'two'))).outcome).toBe('duplicate');
    await deps.rawMail.putObject(`${P}never`, mail('n@c.example', 'never ingested'), 'message/rfc822');
    await deps.rawMail.putObject('tickets/LOCAL-1/bodies/x.txt', 'not inbound', 'text/plain');

    const report = await auditInbound({
      rawMail: deps.rawMail,
      ledger: deps.ledger,
      inboundPrefix: P,
      dedupeKeyOf: (key, body) => probeDedupeKey(deps, ingestInputForObject({ key, lastModified: at, raw: body }, target), body),
    });
    expect(report.outcomes).toEqual({ created: 2, duplicate: 2 });
    expect(report.orphans.map((o) => o.key)).toEqual([`${P}never`]);
    expect(report.clean).toBe(false);
  });
});
