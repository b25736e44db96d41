import { createClients, type AwsClients } from '../adapters/clients';
import { DynamoDbCounters } from '../adapters/dynamodb-counters';
import { DynamoDbInboundLedger } from '../adapters/dynamodb-inbound-ledger';
import { DynamoDbTicketRepository } from '../adapters/dynamodb-ticket-repository';
import { S3RawMailStore } from '../adapters/s3-raw-mail-store';
import { createSecretsClient, SecretsManagerSecret } from '../adapters/secrets-manager-secret';
import { SesMailer } from '../adapters/ses-mailer';
import type { Clock } from '../domain/clock';
import type { TimerScheduler } from '../domain/ports';
import { parseMessage } from '../mail/parse-message';
import type { IngestDeps } from '../use-cases/ingest-email';
import type { RuntimeConfig } from '../use-cases/runtime-config';
import { createSlaService } from '../use-cases/sla-service';
import { deployedBasics, oncePerContainer, requireEnv, schedulerTimersFromEnv, systemClock } from './env';

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

/** Deps of the deployed ingest function, built once per container from its environment. */
export const ingestDepsFromEnv = oncePerContainer<IngestDeps>(async () => {
  const { region, config } = deployedBasics();
  const clients = createClients({ region });
  const secret = new SecretsManagerSecret({
    client: createSecretsClient({ region }),
    secretId: requireEnv('REPLY_TOKEN_SECRET_ARN'),
  });
  return buildIngestDeps({
    clients,
    region,
    tableName: requireEnv('TABLE_NAME'),
    bucket: requireEnv('RAW_MAIL_BUCKET'),
    config,
    replyTokenSecret: await secret.value(),
    timers: schedulerTimersFromEnv(clients),
    clock: systemClock,
  });
});
