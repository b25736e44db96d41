import { resolve } from 'node:path';
import { createDynamoDbClients } from '../lambdas/adapters/clients';
import { DynamoDbTicketRepository } from '../lambdas/adapters/dynamodb-ticket-repository';
import { DynamoDbInboundLedger } from '../lambdas/adapters/dynamodb-inbound-ledger';
import type { InboundLedger, TicketRepository } from '../lambdas/domain/ports';
import { readStackInfo, type StackInfo } from '../local/stack-info';
import { resolveDeployTarget, type RegionOptions } from './deploy-target';

export interface TicketSource {
  tickets: TicketRepository;
  ledger: InboundLedger;
  /** The local stack, when reading one (null for a deployed region). */
  stack: StackInfo | null;
  /** Where the tickets come from, for messages: `the local stack in <dir>`, `us-east-1`. */
  label: string;
  /** The desk's time zone, which the CLI prints times in (null: unknown, UTC). */
  timeZone: string | null;
}

/** Opens the tickets of the local stack found through `--data-dir`. */
export function localTicketSource(dataDir: string): TicketSource {
  const stack = readStackInfo(dataDir);
  const { doc } = createDynamoDbClients({ region: stack.region, endpoints: { dynamodb: stack.endpoints.dynamodb } });
  return {
    tickets: new DynamoDbTicketRepository({ client: doc, tableName: stack.tableName, ticketPrefix: 'LOCAL' }),
    ledger: new DynamoDbInboundLedger({ client: doc, tableName: stack.tableName }),
    stack,
    label: `the local stack in ${resolve(dataDir)}`,
    timeZone: stack.timeZone ?? null,
  };
}

/**
 * Opens the tickets of a deployed desk (`--region R [--env E]`): the region is looked up in the
 * deploy config first (a typo is misuse, before any AWS call), then its table in its stack outputs.
 */
export async function regionTicketSource(opts: RegionOptions & { region: string }): Promise<TicketSource> {
  const target = resolveDeployTarget(opts);
  // Only --region needs CloudFormation: the local stack never loads its client.
  const { resolveRegionStack } = await import('./region-stack');
  const stack = await resolveRegionStack({ region: target.region, environment: target.environment });
  const { doc } = createDynamoDbClients({ region: target.region });
  return {
    tickets: new DynamoDbTicketRepository({ client: doc, tableName: stack.tableName, ticketPrefix: 'READ' }),
    ledger: new DynamoDbInboundLedger({ client: doc, tableName: stack.tableName }),
    stack: null,
    label: target.label,
    timeZone: target.timeZone,
  };
}

/** `--region R` when given, else the local stack of `--data-dir`. */
export async function openTicketSource(opts: Partial<RegionOptions> & { dataDir: string }): Promise<TicketSource> {
  return opts.region ? regionTicketSource({ config: 'cdk.json', ...opts, region: opts.region }) : localTicketSource(opts.dataDir);
}
