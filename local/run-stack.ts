import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Context } from 'aws-lambda';
import { createClients } from '../lambdas/adapters/clients';
import { DynamoDbQueueReader } from '../lambdas/adapters/dynamodb-queue-reader';
import type { Clock } from '../lambdas/domain/clock';
import { isFollowUpKind } from '../lambdas/domain/sla/follow-ups';
import { makeIngestHandler } from '../lambdas/handlers/ingest-email';
import { observability } from '../lambdas/handlers/observability';
import { makeTimerHandler } from '../lambdas/handlers/timer-handler';
import { buildIngestDeps } from '../lambdas/handlers/wiring';
import type { IngestDeps, IngestResult } from '../lambdas/use-cases/ingest-email';
import type { RuntimeConfig } from '../lambdas/use-cases/runtime-config';
import { startLocalDesk } from '../desk/local-desk';
import type { RunningDesk } from '../desk/server';
import { startEmulators, type Emulators } from './emulators';
import { LocalTimerRunner, LocalTimers, type TimerFire } from './local-timers';
import { ensureBucket, ensureTable } from './provision';
import { startSmtpInbound, type SmtpInbound } from './smtp-inbound';
import { writeStackInfo, type StackInfo } from './stack-info';
import { defaultLocalConfig } from './local-config';
import { CLOCK_FILE, FileOffsetClock } from './local-clock';

export { defaultLocalConfig, readPolicyJson } from './local-config';
export { CLOCK_FILE, FileOffsetClock, readClockOffset, writeClockOffset } from './local-clock';

export const LOCAL_TABLE = 'sesdesk-local';
export const LOCAL_BUCKET = 'sesdesk-raw-mail-local';
export const LOCAL_REGION = 'us-east-1';
export const INBOUND_PREFIX = 'inbound/';

/** A Lambda context for running handlers in-process. */
export function localContext(functionName: string): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${LOCAL_REGION}:000000000000:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: randomBytes(16).toString('hex'),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => 30_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

export interface LocalStackOptions {
  /** Persist DynamoDB and S3 here (default: in-memory / temp, nothing written). */
  dataDir?: string;
  /**
   * Use emulators that are already running (integration tests share one set) instead of
   * starting them; `stop()` then leaves them running.
   */
  existing?: { dynamodb: string; s3: string; ses: string; viewerUrl: string };
  /** @default sesdesk-local */
  tableName?: string;
  /** @default sesdesk-raw-mail-local */
  bucket?: string;
  host?: string;
  /** @default 2525; 0 picks a free port */
  smtpPort?: number;
  config?: RuntimeConfig;
  /** Overrides the clock (tests); default: the file-offset clock of the data dir. */
  clock?: Clock;
  /**
   * Fires due local timers. Default: the sla-breach / follow-up handler chains, picked by the
   * timer's kind as the Scheduler adapter picks its target.
   */
  fireTimer?: (deps: IngestDeps) => TimerFire;
  timerIntervalMs?: number;
  /** Serve the desk page too (`sesdesk start` does); port 0 picks a free one. @default off */
  desk?: { port: number; pollMs?: number } | false;
  /** Where to log handler errors. @default console */
  logger?: Pick<Console, 'info' | 'error'>;
}

export interface RunningLocalStack {
  info: StackInfo;
  deps: IngestDeps;
  timers: LocalTimers;
  runner: LocalTimerRunner;
  smtp: SmtpInbound;
  /** The desk page, when asked for. */
  desk: RunningDesk | null;
  emulators: Pick<Emulators, 'dynamodb' | 's3' | 'ses'>;
  ingest: (event: unknown) => Promise<IngestResult>;
  stop(): Promise<void>;
}

/**
 * Fires a local timer the way Scheduler invokes a function: its payload is the event of the
 * sla-breach or follow-up handler chain, chosen by kind.
 */
export function localTimerFire(deps: IngestDeps, logger: Pick<Console, 'info' | 'error'>): TimerFire {
  const obs = observability('sesdesk-local');
  const slaBreach = makeTimerHandler(async () => deps, obs);
  const followUp = makeTimerHandler(async () => deps, obs);
  return async (timer) => {
    const followUpKind = isFollowUpKind(timer.kind);
    const handler = followUpKind ? followUp : slaBreach;
    const result = await handler(timer.payload, localContext(followUpKind ? 'sesdesk-follow-up' : 'sesdesk-sla-breach'));
    if (result.outcome === 'acted') {
      logger.info(`timer ${timer.name}: ${result.action}${result.notified.length ? ` -> ${result.notified.join(', ')}` : ''}`);
    }
  };
}

/** The zone the desk shows times in: its display zone, else its SLA policy's. */
function deskTimeZone(config: RuntimeConfig): string | undefined {
  const policyZone = (config.policy as { timezone?: unknown } | null)?.timezone;
  return config.displayTimezone ?? (typeof policyZone === 'string' ? policyZone : undefined);
}

/** The reply-token secret of a data dir, generated once so tokens outlive restarts. */
function localSecret(dataDir: string | undefined): string {
  if (!dataDir) return randomBytes(32).toString('hex');
  const file = join(resolve(dataDir), 'reply-token.secret');
  if (!existsSync(file)) {
    mkdirSync(resolve(dataDir), { recursive: true });
    writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600 });
  }
  return readFileSync(file, 'utf8').trim();
}

/**
 * Starts the whole local stack: emulators, table and bucket, the ingest handler on the
 * emulators, the SMTP listener playing SES, and the local timer runner.
 */
export async function runLocalStack(options: LocalStackOptions = {}): Promise<RunningLocalStack> {
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
  const host = options.host ?? '127.0.0.1';
  const dataDir = options.dataDir ? resolve(options.dataDir) : undefined;
  const tableName = options.tableName ?? LOCAL_TABLE;
  const bucket = options.bucket ?? LOCAL_BUCKET;
  const emulators: Emulators = options.existing
    ? {
        dynamodb: { endpoint: options.existing.dynamodb },
        s3: { endpoint: options.existing.s3 },
        ses: { endpoint: options.existing.ses, viewerUrl: options.existing.viewerUrl },
        stop: async () => undefined,
      }
    : await startEmulators({ dataDir, host });
  try {
    const clients = createClients({
      region: LOCAL_REGION,
      endpoints: { dynamodb: emulators.dynamodb.endpoint, s3: emulators.s3.endpoint, ses: emulators.ses.endpoint },
    });
    if ((await ensureTable(clients.dynamodb, tableName)) === 'upgraded') {
      // A data dir from before the desk's queue index: key its tickets once.
      await new DynamoDbQueueReader({ client: clients.doc, tableName }).reindexTickets();
    }
    await ensureBucket(clients.s3, bucket);
    const config = options.config ?? defaultLocalConfig();
    const clock = options.clock ?? new FileOffsetClock(dataDir ? join(dataDir, CLOCK_FILE) : null);
    const timers = new LocalTimers({ client: clients.doc, tableName });
    const deps = buildIngestDeps({
      clients,
      region: LOCAL_REGION,
      tableName,
      bucket,
      config,
      replyTokenSecret: localSecret(dataDir),
      timers,
      clock,
    });
    const handler = makeIngestHandler(async () => deps, () => INBOUND_PREFIX, observability('sesdesk-local'));
    const ingest = (event: unknown) => handler(event, localContext('sesdesk-ingest-email'));
    const logger = options.logger ?? console;
    const smtp = await startSmtpInbound({
      host,
      port: options.smtpPort ?? 2525,
      s3Client: clients.s3,
      bucket,
      inboundPrefix: INBOUND_PREFIX,
      region: LOCAL_REGION,
      onMessage: ingest,
      formatReply: (result, sesMessageId) => {
        const r = result as IngestResult | undefined;
        if (!r) return `Ok: queued as ${sesMessageId} (ingest failed: raw mail kept)`;
        return `Ok: ${r.outcome}${r.ticketId ? ` ${r.ticketId}` : ''}${r.reason ? ` (${r.reason})` : ''} queued as ${sesMessageId}`;
      },
      logger,
      now: () => clock.now(),
    });
    const fire: TimerFire = options.fireTimer ? options.fireTimer(deps) : localTimerFire(deps, logger);
    const runner = new LocalTimerRunner({
      timers,
      now: () => clock.now(),
      fire,
      intervalMs: options.timerIntervalMs ?? 1000,
      onError: (timer, error) => logger.error(`local timer ${timer.name} failed`, error),
    });
    runner.start();
    const desk = options.desk
      ? await startLocalDesk({ clients, tableName, bucket, clock, config, sla: deps.sla, host, port: options.desk.port, pollMs: options.desk.pollMs }).catch(
          async (error: unknown) => {
            await runner.stop();
            await smtp.close();
            throw new Error(`desk page: cannot listen on ${host}:${options.desk ? options.desk.port : 0} (${error instanceof Error ? error.message : String(error)})`, { cause: error });
          },
        )
      : null;
    const info: StackInfo = {
      pid: process.pid,
      startedAt: new Date().toISOString(),
      region: LOCAL_REGION,
      tableName,
      bucket,
      inboundPrefix: INBOUND_PREFIX,
      supportAddress: config.supportAddresses[0],
      endpoints: { dynamodb: emulators.dynamodb.endpoint, s3: emulators.s3.endpoint, ses: emulators.ses.endpoint },
      smtp: { host: smtp.host, port: smtp.port },
      sesViewerUrl: emulators.ses.viewerUrl,
      timeZone: deskTimeZone(config),
      ...(desk ? { deskUrl: desk.url } : {}),
    };
    if (dataDir) writeStackInfo(dataDir, info);
    return {
      info,
      deps,
      timers,
      runner,
      smtp,
      desk,
      emulators,
      ingest,
      stop: async () => {
        await desk?.close();
        await runner.stop();
        await smtp.close();
        for (const c of [clients.dynamodb, clients.s3, clients.ses, clients.scheduler]) c.destroy();
        await emulators.stop();
      },
    };
  } catch (error) {
    await emulators.stop();
    throw error;
  }
}
