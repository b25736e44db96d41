import fc from 'fast-check';
import type { LedgerOutcome } from '../../../lambdas/domain/ports';
import { ingestEmail } from '../../../lambdas/use-cases/ingest-email';
import { probeDedupeKey } from '../../../lambdas/use-cases/audit';
import { parseMessage } from '../../../lambdas/mail/parse-message';
import { ingestInputForObject } from '../../../cli/commands/replay';
import { newSesMessageId } from '../../../local/ses-event';
import { buildMail, mailParts, mutate, mutation, verdicts } from './mail-arbitraries';
import { MAX_PARSE_BYTES, memoryIngestDeps } from './memory-deps';

/**
 * Hostile and broken mail through the parser and the ingest use case (issue 7 point 4).
 * Default: a short run; `FUZZ_RUNS=10000 npx jest test/unit/fuzz` for the long one.
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 300);
const SEED = process.env.FUZZ_SEED !== undefined ? Number(process.env.FUZZ_SEED) : undefined;
jest.setTimeout(Math.max(300_000, RUNS * 1_000));

const FINAL: readonly LedgerOutcome[] = ['created', 'appended', 'quarantined', 'dropped', 'rejected'];
const target = { inboundPrefix: 'inbound/', region: 'us-east-1', recipient: 'support@example.com' };
const message = fc.tuple(mailParts, mutation).map(([parts, m]) => mutate(buildMail(parts), m));

describe(`fuzzed mail (${RUNS} runs)`, () => {
  it('parseMessage never throws and always returns a model that names its problems', async () => {
    await fc.assert(
      fc.asyncProperty(message, async (raw) => {
        const parsed = await parseMessage(raw, { maxBytes: MAX_PARSE_BYTES });
        expect(Array.isArray(parsed.message.problems)).toBe(true);
        expect(typeof parsed.message.text).toBe('string');
        for (const a of parsed.attachments) expect(a.size).toBe(a.content.length);
      }),
      { numRuns: RUNS, seed: SEED },
    );
  });

  it('every message yields a recorded outcome with its raw mail kept, and a redelivery is a duplicate', async () => {
    await fc.assert(
      fc.asyncProperty(message, verdicts, async (raw, v) => {
        const deps = memoryIngestDeps();
        const key = `inbound/${newSesMessageId()}`;
        await deps.rawMail.putObject(key, raw, 'message/rfc822');
        const input = { ...ingestInputForObject({ key, lastModified: new Date('2026-11-20T10:00:00Z'), raw }, target), verdicts: v };

        const result = await ingestEmail(deps, input);
        expect(FINAL).toContain(result.outcome);

        const records = await deps.ledger.list();
        expect(records).toHaveLength(1);
        const [record] = records;
        expect(record).toMatchObject({ state: 'done', outcome: result.outcome, rawKey: key });
        if (result.outcome === 'dropped' || result.outcome === 'quarantined') expect(record.reason).toBeTruthy();
        if (result.outcome === 'created') expect(deps.tickets.tickets.get(record.ticketId ?? '')).toBeDefined();
        expect((await deps.rawMail.getRaw(key)).equals(raw)).toBe(true);
        expect(await probeDedupeKey(deps, input, raw)).toBe(record.key);

        const again = await ingestEmail(deps, { ...input, sesMessageId: 'redelivery', rawKey: key });
        expect(again.outcome).toBe('duplicate');
        expect(await deps.ledger.list()).toHaveLength(1);
      }),
      { numRuns: RUNS, seed: SEED },
    );
  });
});
