import { readFileSync } from 'node:fs';
import { parseMessage } from '../lambdas/mail/parse-message';
import { ingestEmail } from '../lambdas/use-cases/ingest-email';
import { NotFoundError } from '../lambdas/domain/errors';
import { InMemoryRawMailStore } from '../test/support/in-memory';
import { MAX_PARSE_BYTES, memoryIngestDeps } from '../test/unit/fuzz/memory-deps';

/**
 * Child process of the benchmark: ingests one raw message file through the ingest use case on
 * in-memory fakes and prints its peak RSS. The raw store keeps and returns buffers without the
 * fake's defensive copies, which the Lambda (S3 streams) does not make either.
 */
class SharedBufferStore extends InMemoryRawMailStore {
  private readonly shared = new Map<string, Buffer>();
  public bytesStored = 0;

  public override async putObject(key: string, body: Buffer | string): Promise<void> {
    const buf = typeof body === 'string' ? Buffer.from(body) : body;
    this.bytesStored += buf.length;
    this.shared.set(key, buf);
  }

  public override async getObject(key: string): Promise<Buffer> {
    const body = this.shared.get(key);
    if (!body) throw new NotFoundError(`no object ${key}`);
    return body;
  }
}

async function main(): Promise<void> {
  const file = process.argv[2];
  const mode = process.argv[3] ?? 'ingest';
  const baseline = process.resourceUsage().maxRSS;
  let raw: Buffer | null = readFileSync(file);
  const size = raw.length;
  const deps = memoryIngestDeps();
  const store = new SharedBufferStore();
  // 'ingest-copying' keeps the test fake's defensive copies, to show what they cost.
  if (mode !== 'ingest-copying') deps.rawMail = store;
  let outcome = 'parse-only';
  let attachments: number;
  if (mode.startsWith('ingest')) {
    await deps.rawMail.putObject('inbound/big', raw, 'message/rfc822');
    // eslint-disable-next-line no-useless-assignment -- dropping the last reference is the point: the peak RSS must not count a copy the Lambda never holds
    raw = null; // the Lambda gets the bytes from S3, it does not hold a copy of its own
    const result = await ingestEmail(deps, {
      sesMessageId: 'big',
      rawKey: 'inbound/big',
      recipients: ['support@example.com'],
      receivedAt: new Date('2026-11-20T10:00:00Z'),
      messageId: null,
      verdicts: { spamVerdict: 'PASS', virusVerdict: 'PASS', spfVerdict: 'PASS', dkimVerdict: 'PASS', dmarcVerdict: 'PASS' },
    });
    outcome = result.outcome;
    attachments = [...deps.tickets.messages.values()].flat().reduce((n, m) => n + m.attachments.length, 0);
  } else {
    const parsed = await parseMessage(raw, { maxBytes: MAX_PARSE_BYTES });
    attachments = parsed.attachments.length;
  }
  const usage = process.resourceUsage();
  process.stdout.write(
    `${JSON.stringify({ size, outcome, attachments, peakRssMb: usage.maxRSS / 1024, baselineRssMb: baseline / 1024, storedMb: store.bytesStored / 1048576 })}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
