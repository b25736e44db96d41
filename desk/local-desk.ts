import type { AwsClients } from '../lambdas/adapters/clients';
import type { Clock } from '../lambdas/domain/clock';
import type { SlaService } from '../lambdas/use-cases/sla-service';
import type { RuntimeConfig } from '../lambdas/use-cases/runtime-config';
import { dynamoDbDeskSource } from './desk-source';
import { startDeskServer, type RunningDesk } from './server';

export interface LocalDeskOptions {
  clients: Pick<AwsClients, 'doc' | 's3'>;
  tableName: string;
  bucket: string;
  clock: Clock;
  config: RuntimeConfig;
  sla: Pick<SlaService, 'policy'>;
  host: string;
  /** 0: a free port. */
  port: number;
  pollMs?: number;
}

/** The desk page of the local stack: its table and bucket, its clock (which `sesdesk clock` moves), its policy's zone. */
export function startLocalDesk(o: LocalDeskOptions): Promise<RunningDesk> {
  const source = dynamoDbDeskSource({
    label: 'local stack',
    doc: o.clients.doc,
    s3: o.clients.s3,
    tableName: o.tableName,
    bucket: o.bucket,
    now: () => o.clock.now(),
    timeZone: o.config.displayTimezone ?? o.sla.policy.timezone,
    priorities: o.sla.policy.priorityOrder,
    ticketPrefix: o.config.ticketPrefix,
    pollMs: o.pollMs,
  });
  return startDeskServer(source, { host: o.host, port: o.port });
}
