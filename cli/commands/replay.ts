import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { SingleBar, Presets } from 'cli-progress';
import type { Command } from 'commander';
import { createClients, type AwsClients } from '../../lambdas/adapters/clients';
import { DynamoDbInboundLedger } from '../../lambdas/adapters/dynamodb-inbound-ledger';
import { S3RawMailStore } from '../../lambdas/adapters/s3-raw-mail-store';
import type { InboundLedger, RawMailStore } from '../../lambdas/domain/ports';
import { SesReceiptEventSchema } from '../../lambdas/handlers/ses-event-schema';
import { sesRecordToIngestInput } from '../../lambdas/handlers/ses-input';
import { buildIngestDeps } from '../../lambdas/handlers/wiring';
import { ingestEmail, type IngestDeps, type IngestInput, type IngestResult } from '../../lambdas/use-cases/ingest-email';
import { replayInbound, type ReplaySummary } from '../../lambdas/use-cases/replay';
import { LocalTimers } from '../../local/local-timers';
import { FileOffsetClock } from '../../local/local-clock';
import { defaultLocalConfig } from '../../local/local-config';
import { buildSesReceiptEvent } from '../../local/ses-event';
import { DEFAULT_DATA_DIR, LOCAL_CREDENTIALS, readStackInfo } from '../../local/stack-info';
import { FUNCTION_NAMES, INBOUND_PREFIX } from '../../lib/names';
import { resolveRegionStack } from '../region-stack';
import { ExitStatus, UsageError, printJson } from '../usage-error';

/** Where audit and replay read from: the local stack of a data dir, or a deployed region. */
export interface InboundTarget {
  label: string;
  region: string;
  inboundPrefix: string;
  rawMail: RawMailStore;
  ledger: InboundLedger;
  /** Envelope recipient for rebuilt events (the raw mail does not carry the envelope). */
  recipient: string;
  /** Ingest deps for replay and for probing dedupe keys. */
  deps: () => Promise<IngestDeps>;
  close(): void;
}

export interface TargetOptions {
  dataDir: string;
  region?: string;
  policy?: string;
}

function targetFrom(clients: AwsClients, p: { label: string; region: string; tableName: string; bucket: string; recipient: string }, deps: () => Promise<IngestDeps>): InboundTarget {
  return {
    label: p.label,
    region: p.region,
    inboundPrefix: INBOUND_PREFIX,
    rawMail: new S3RawMailStore({ client: clients.s3, bucket: p.bucket }),
    ledger: new DynamoDbInboundLedger({ client: clients.doc, tableName: p.tableName }),
    recipient: p.recipient,
    deps,
    close: () => {
      for (const c of [clients.dynamodb, clients.s3, clients.ses, clients.scheduler]) c.destroy();
    },
  };
}

/** Opens the local stack of `--data-dir`, or with `--region` the deployed stack's table and bucket. */
export async function openInboundTarget(opts: TargetOptions): Promise<InboundTarget> {
  if (opts.region) {
    const region = opts.region;
    const outputs = await resolveRegionStack(region);
    const clients = createClients({ region });
    return targetFrom(
      clients,
      { label: region, region, tableName: outputs.tableName, bucket: outputs.bucket, recipient: process.env.SESDESK_SUPPORT_ADDRESS ?? 'support@invalid' },
      async () => {
        throw new Error('a deployed region is replayed through its own ingest function (see replayThroughFunction), not in this process');
      },
    );
  }
  const dataDir = resolve(opts.dataDir);
  const stack = readStackInfo(dataDir);
  const clients = createClients({
    region: stack.region,
    endpoints: { dynamodb: stack.endpoints.dynamodb, s3: stack.endpoints.s3, ses: stack.endpoints.ses },
    credentials: LOCAL_CREDENTIALS,
  });
  const secretFile = join(dataDir, 'reply-token.secret');
  return targetFrom(
    clients,
    { label: dataDir, region: stack.region, tableName: stack.tableName, bucket: stack.bucket, recipient: stack.supportAddress },
    async () => {
      if (!existsSync(secretFile)) throw new Error(`${secretFile} is missing: replay needs the reply-token secret of the stack`);
      return buildIngestDeps({
        clients,
        region: stack.region,
        tableName: stack.tableName,
        bucket: stack.bucket,
        config: defaultLocalConfig(opts.policy ?? 'platform'),
        replyTokenSecret: readFileSync(secretFile, 'utf8').trim(),
        timers: new LocalTimers({ client: clients.doc, tableName: stack.tableName }),
        clock: new FileOffsetClock(join(dataDir, 'clock.json')),
      });
    },
  );
}

/**
 * The ingest input SES would have delivered for a stored raw object: the event is rebuilt
 * from the bytes with the object's id as SES message id, then mapped like the handler maps
 * it. What the bytes cannot tell (envelope recipients, verdicts) is the support address and
 * GRAY verdicts.
 */
export function ingestInputForObject(
  object: { key: string; lastModified: Date; raw: Buffer },
  target: Pick<InboundTarget, 'inboundPrefix' | 'region' | 'recipient'>,
): IngestInput {
  if (!object.key.startsWith(target.inboundPrefix)) throw new Error(`${object.key} is not under ${target.inboundPrefix}`);
  const sesMessageId = object.key.slice(target.inboundPrefix.length);
  const event = buildSesReceiptEvent({
    raw: object.raw,
    sesMessageId,
    objectKey: object.key,
    recipients: [target.recipient],
    region: target.region,
    now: object.lastModified,
  });
  const parsed = SesReceiptEventSchema.parse(event);
  return sesRecordToIngestInput(parsed.Records[0].ses, target.inboundPrefix);
}

function parseInstant(flag: string, value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const at = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(at.getTime())) {
    throw new UsageError(`${flag}: "${value}" is not an ISO 8601 date or date-time`);
  }
  return at;
}

export function formatReplaySummary(summary: ReplaySummary): string {
  const c = summary.counts;
  const lines = [
    `replayed ${summary.total} raw message${summary.total === 1 ? '' : 's'}`,
    `  created ${c.created}, appended ${c.appended}, duplicate ${c.duplicate}, quarantined ${c.quarantined}, dropped ${c.dropped}, rejected ${c.rejected}, failed ${c.failed}`,
    ...summary.failures.map((f) => `  failed ${f.rawKey}: ${f.error}`),
  ];
  return `${lines.join('\n')}\n`;
}

type IngestRaw = (object: { key: string; lastModified: Date; raw: Buffer }) => Promise<IngestResult>;

/** The local stack: the same use case and adapters, run in this process on the emulators. */
async function replayInProcess(target: InboundTarget): Promise<IngestRaw> {
  const deps = await target.deps();
  return (object) => ingestEmail(deps, ingestInputForObject(object, target));
}

/**
 * A deployed region: each stored object becomes the SES event the receipt rule would have sent
 * and is handed to the region's own ingest function (synchronously, to read its outcome), so
 * replay runs with exactly the deployed code, config, secret and timers.
 */
export function replayThroughFunction(target: Pick<InboundTarget, 'region' | 'inboundPrefix' | 'recipient'>): IngestRaw {
  const lambda = new LambdaClient({ region: target.region });
  return async (object) => {
    const event = buildSesReceiptEvent({
      raw: object.raw,
      sesMessageId: object.key.slice(target.inboundPrefix.length),
      objectKey: object.key,
      recipients: [target.recipient],
      region: target.region,
      now: object.lastModified,
    });
    const out = await lambda.send(
      new InvokeCommand({ FunctionName: FUNCTION_NAMES.ingestEmail, InvocationType: 'RequestResponse', Payload: Buffer.from(JSON.stringify(event)) }),
    );
    const payload = out.Payload ? Buffer.from(out.Payload).toString('utf8') : '';
    if (out.FunctionError) throw new Error(`${FUNCTION_NAMES.ingestEmail} failed: ${payload.slice(0, 500)}`);
    return JSON.parse(payload) as IngestResult;
  };
}

export function registerReplay(program: Command): void {
  program
    .command('replay')
    .description('re-ingest raw mail kept under the inbound prefix (idempotent: processed mail is a duplicate)')
    .option('--since <iso>', 'only mail stored at or after this instant')
    .option('--until <iso>', 'only mail stored before this instant')
    .option('--data-dir <dir>', 'data directory of the local stack', DEFAULT_DATA_DIR)
    .option('--region <region>', 'a deployed region: objects from its bucket (stack outputs) through its own ingest function; set SESDESK_SUPPORT_ADDRESS to the envelope recipient')
    .option('--policy <preset-or-file>', 'SLA policy the local stack runs with', 'platform')
    .option('--json', 'print the summary as JSON')
    .action(async (opts: { since?: string; until?: string; dataDir: string; region?: string; policy: string; json?: boolean }) => {
      const since = parseInstant('--since', opts.since);
      const until = parseInstant('--until', opts.until);
      if (since && until && since.getTime() >= until.getTime()) throw new UsageError('--since must be before --until');
      const target = await openInboundTarget(opts);
      const bar = process.stderr.isTTY
        ? new SingleBar({ stream: process.stderr, format: 'replay [{bar}] {value}/{total} {outcome}', hideCursor: true }, Presets.shades_classic)
        : null;
      try {
        const ingestRaw = opts.region ? replayThroughFunction(target) : await replayInProcess(target);
        let started = false;
        const summary = await replayInbound(
          {
            rawMail: target.rawMail,
            inboundPrefix: target.inboundPrefix,
            ingestRaw,
            onProgress: (p) => {
              if (!bar) return;
              if (!started) {
                bar.start(p.total, 0, { outcome: '' });
                started = true;
              }
              bar.update(p.done, { outcome: p.outcome });
            },
          },
          { since, until },
        );
        bar?.stop();
        if (opts.json) printJson(summary);
        else process.stdout.write(formatReplaySummary(summary));
        if (summary.counts.failed > 0) throw new ExitStatus(1);
      } finally {
        bar?.stop();
        target.close();
      }
    });
}
