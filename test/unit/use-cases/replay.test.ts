import { ingestEmail } from '../../../lambdas/use-cases/ingest-email';
import { replayInbound, selectForReplay } from '../../../lambdas/use-cases/replay';
import { ingestInputForObject } from '../../../cli/commands/replay';
import { memoryIngestDeps } from '../fuzz/memory-deps';

const P = 'inbound/';
const target = { inboundPrefix: P, region: 'us-east-1', recipient: 'support@example.com' };

function mail(id: string, from = 'ana@customer.example'): Buffer {
  return Buffer.from(`From: ${from}\r\nTo: support@example.com\r\nSubject: about ${id}\r\nMessage-ID: <${id}>\r\n\r\nBody of ${id}\r\n`);
}

describe('selectForReplay', () => {
  const o = (key: string, iso: string) => ({ key, lastModified: new Date(iso) });
  it('keeps [since, until) and orders by arrival', () => {
    const objects = [o('c', '2026-11-20T12:00:00Z'), o('a', '2026-11-20T10:00:00Z'), o('b', '2026-11-20T11:00:00Z'), o('d', '2026-11-20T13:00:00Z')];
    const picked = selectForReplay(objects, { since: new Date('2026-11-20T10:00:00Z'), until: new Date('2026-11-20T13:00:00Z') });
    expect(picked.map((x) => x.key)).toEqual(['a', 'b', 'c']);
  });
});

describe('replayInbound over in-memory ingest', () => {
  it('ingests what was never processed, is a no-op for the rest, and counts a failing object without stopping', async () => {
    const deps = memoryIngestDeps();
    const ingestRaw = (object: { key: string; lastModified: Date; raw: Buffer }) => ingestEmail(deps, ingestInputForObject(object, target));
    const put = (ses: string, body: Buffer, iso: string) => deps.rawMail.objects.set(`${P}${ses}`, { body, contentType: 'message/rfc822', lastModified: new Date(iso) });
    put('s1', mail('one@c.example'), '2026-11-20T10:00:00Z');
    await ingestRaw({ key: `${P}s1`, lastModified: new Date(), raw: mail('one@c.example') });
    put('s2', mail('two@c.example'), '2026-11-20T10:01:00Z');
    put('s3', mail('old@c.example'), '2026-11-19T10:00:00Z');
    put('not-an-event', Buffer.alloc(0), '2026-11-20T10:02:00Z');
    const acksBefore = deps.mailer.sent.length;

    const progress: string[] = [];
    const summary = await replayInbound(
      {
        rawMail: deps.rawMail,
        inboundPrefix: P,
        ingestRaw: async (object) => {
          if (object.raw.length === 0) throw new Error('empty object');
          return ingestRaw(object);
        },
        onProgress: (p) => progress.push(`${p.done}/${p.total} ${p.outcome}`),
      },
      { since: new Date('2026-11-20T00:00:00Z') },
    );
    expect(summary.total).toBe(3);
    expect(summary.counts).toMatchObject({ created: 1, duplicate: 1, failed: 1 });
    expect(summary.failures).toEqual([{ rawKey: `${P}not-an-event`, error: 'empty object' }]);
    expect(progress).toEqual(['1/3 duplicate', '2/3 created', '3/3 failed']);
    expect(deps.mailer.sent.length).toBe(acksBefore + 1);
    expect(deps.tickets.tickets.size).toBe(2);

    const again = await replayInbound({ rawMail: deps.rawMail, inboundPrefix: P, ingestRaw }, { since: new Date('2026-11-20T00:00:00Z'), until: new Date('2026-11-20T10:02:00Z') });
    expect(again.counts).toMatchObject({ created: 0, duplicate: 2 });
    expect(deps.mailer.sent.length).toBe(acksBefore + 1);
  });
});
