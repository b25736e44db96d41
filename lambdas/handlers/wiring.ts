import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createClients, type AwsClients } from '../adapters/clients';
import { DynamoDbCounters } from '../adapters/dynamodb-counters';
import { DynamoDbInboundLedger } from '../adapters/dynamodb-inbound-ledger';
import { DynamoDbTicketRepository } from '../adapters/dynamodb-ticket-repository';
import { EventBridgeSchedulerTimers } from '../adapters/scheduler-timers';
import { S3RawMailStore } from '../adapters/s3-raw-mail-store';
import { SecretsManagerSecret } from '../adapters/secrets-manager-secret';
import { SesMailer } from '../adapters/ses-mailer';
import type { Clock } from '../domain/clock';
import { ConfigError } from '../domain/config-error';
import type { TimerScheduler } from '../domain/ports';
import { isFollowUpKind } from '../domain/sla/follow-ups';
import { parseMessage } from '../mail/parse-message';
import type { IngestDeps } from '../use-cases/ingest-email';
import { parseRuntimeConfig, type RuntimeConfig } from '../use-cases/runtime-config';
import { createSlaService } from '../use-cases/sla-service';

/** The wall clock, for deployed functions; tests and the local stack pass their own. */
export const systemClock: Clock = { now: () => new Date() };

/** Largest message SES accepts (40 MB): anything beyond is not parsed but still kept raw. */
const MAX_PARSE_BYTES = 41 * 1024 * 1024;

export interface WiringInput {
  clients: Pick<AwsClients, 'doc' | 's3' | 'ses'>;
  region: string;
  tableName: string;
  bucket: string;
  config: RuntimeConfig;
  replyTokenSecret: string;
  timers: TimerScheduler;
  clock: Clock;
}

/** Composition root shared by the Lambda and the local stack: adapters bound into use-case deps. */
export function buildIngestDeps(input: WiringInput): IngestDeps {
  return {
    tickets: new DynamoDbTicketRepository({
      client: input.clients.doc,
      tableName: input.tableName,
      ticketPrefix: input.config.ticketPrefix,
    }),
    ledger: new DynamoDbInboundLedger({ client: input.clients.doc, tableName: input.tableName }),
    counters: new DynamoDbCounters({ client: input.clients.doc, tableName: input.tableName }),
    rawMail: new S3RawMailStore({ client: input.clients.s3, bucket: input.bucket }),
    mailer: new SesMailer({ client: input.clients.ses, region: input.region }),
    timers: input.timers,
    clock: input.clock,
    config: input.config,
    sla: createSlaService(input.config),
    parse: (raw) => parseMessage(raw, { maxBytes: MAX_PARSE_BYTES }),
    replyTokenSecret: input.replyTokenSecret,
  };
}

function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new ConfigError(`environment variable ${name} is not set`);
  return value;
}

export function inboundPrefixFromEnv(): string {
  return process.env.INBOUND_PREFIX ?? 'inbound/';
}

let cached: Promise<IngestDeps> | null = null;

/** Deps of a deployed function, built once per container from its environment. */
export function ingestDepsFromEnv(): Promise<IngestDeps> {
  cached ??= (async () => {
    const region = requireEnv('AWS_REGION');
    let rawConfig: unknown;
    try {
      rawConfig = JSON.parse(requireEnv('SESDESK_CONFIG'));
    } catch (error) {
      throw new ConfigError(`SESDESK_CONFIG is not JSON: ${(error as Error).message}`, { cause: error });
    }
    const config = parseRuntimeConfig(rawConfig, 'SESDESK_CONFIG');
    const clients = createClients({ region });
    const secret = new SecretsManagerSecret({
      client: new SecretsManagerClient({ region }),
      secretId: requireEnv('REPLY_TOKEN_SECRET_ARN'),
    });
    const timers = new EventBridgeSchedulerTimers({
      client: clients.scheduler,
      groupName: requireEnv('SCHEDULE_GROUP'),
      roleArn: requireEnv('SCHEDULER_ROLE_ARN'),
      targets: (kind) =>
        isFollowUpKind(kind) ? requireEnv('FOLLOW_UP_FUNCTION_ARN') : requireEnv('SLA_BREACH_FUNCTION_ARN'),
      deadLetterArn: requireEnv('TIMER_DLQ_ARN'),
      retry: { maximumRetryAttempts: 10, maximumEventAgeInSeconds: 3600 },
    });
    return buildIngestDeps({
      clients,
      region,
      tableName: requireEnv('TABLE_NAME'),
      bucket: requireEnv('RAW_MAIL_BUCKET'),
      config,
      replyTokenSecret: await secret.value(),
      timers,
      clock: systemClock,
    });
  })().catch((error: unknown) => {
    cached = null;
    throw error;
  });
  return cached;
}
