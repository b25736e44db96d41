import { createDynamoDbClients, createSchedulerClient, createSesClient, type AwsClients } from '../adapters/clients';
import { DynamoDbTicketRepository } from '../adapters/dynamodb-ticket-repository';
import { EventBridgeSchedulerTimers } from '../adapters/scheduler-timers';
import { SesMailer } from '../adapters/ses-mailer';
import type { Clock } from '../domain/clock';
import { ConfigError } from '../domain/config-error';
import { isFollowUpKind } from '../domain/sla/follow-ups';
import type { TimerDeps } from '../use-cases/handle-timer';
import { parseRuntimeConfig, type RuntimeConfig } from '../use-cases/runtime-config';
import { createSlaService } from '../use-cases/sla-service';

/**
 * What every deployed function reads from its environment (set by the stateless stack). Kept
 * apart from the ingest wiring so the timer functions do not bundle the mail parser, S3 or
 * Secrets Manager, which they never use.
 */

/** The wall clock, for deployed functions; tests and the local stack pass their own. */
export const systemClock: Clock = { now: () => new Date() };

export function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new ConfigError(`environment variable ${name} is not set`);
  return value;
}

export function inboundPrefixFromEnv(): string {
  return process.env.INBOUND_PREFIX ?? 'inbound/';
}

/** Region and runtime config (`SESDESK_CONFIG`) of a deployed function. */
export function deployedBasics(): { region: string; config: RuntimeConfig } {
  const region = requireEnv('AWS_REGION');
  let rawConfig: unknown;
  try {
    rawConfig = JSON.parse(requireEnv('SESDESK_CONFIG'));
  } catch (error) {
    throw new ConfigError(`SESDESK_CONFIG is not JSON: ${(error as Error).message}`, { cause: error });
  }
  return { region, config: parseRuntimeConfig(rawConfig, 'SESDESK_CONFIG') };
}

/** The Scheduler adapter: timers go to the follow-up or the sla-breach function by kind. */
export function schedulerTimersFromEnv(clients: Pick<AwsClients, 'scheduler'>): EventBridgeSchedulerTimers {
  return new EventBridgeSchedulerTimers({
    client: clients.scheduler,
    groupName: requireEnv('SCHEDULE_GROUP'),
    roleArn: requireEnv('SCHEDULER_ROLE_ARN'),
    targets: (kind) => (isFollowUpKind(kind) ? requireEnv('FOLLOW_UP_FUNCTION_ARN') : requireEnv('SLA_BREACH_FUNCTION_ARN')),
    deadLetterArn: requireEnv('TIMER_DLQ_ARN'),
    retry: { maximumRetryAttempts: 10, maximumEventAgeInSeconds: 3600 },
  });
}

/** Builds `make()` once per container; a failed build is retried on the next invocation. */
export function oncePerContainer<T>(make: () => Promise<T>): () => Promise<T> {
  let cached: Promise<T> | null = null;
  return () => {
    cached ??= make().catch((error: unknown) => {
      cached = null;
      throw error;
    });
    return cached;
  };
}

/** Deps of the timer functions (sla-breach, follow-up): tickets, mail, timers, SLA. */
export const timerDepsFromEnv = oncePerContainer<TimerDeps>(async () => {
  const { region, config } = deployedBasics();
  const { doc } = createDynamoDbClients({ region });
  return {
    tickets: new DynamoDbTicketRepository({ client: doc, tableName: requireEnv('TABLE_NAME'), ticketPrefix: config.ticketPrefix }),
    mailer: new SesMailer({ client: createSesClient({ region }), region }),
    timers: schedulerTimersFromEnv({ scheduler: createSchedulerClient({ region }) }),
    clock: systemClock,
    config,
    sla: createSlaService(config),
  };
});
