import { createDynamoDbClients } from '../lambdas/adapters/clients';
import { DynamoDbTicketRepository } from '../lambdas/adapters/dynamodb-ticket-repository';
import { DynamoDbInboundLedger } from '../lambdas/adapters/dynamodb-inbound-ledger';
import type { InboundLedger, TicketRepository } from '../lambdas/domain/ports';
import { readStackInfo, type StackInfo } from '../local/stack-info';

export interface TicketSource {
  tickets: TicketRepository;
  ledger: InboundLedger;
  /** The local stack, when reading one (null for a deployed region). */
  stack: StackInfo | null;
}

/** Opens the tickets of the local stack found through `--data-dir`. */
export function localTicketSource(dataDir: string): TicketSource {
  const stack = readStackInfo(dataDir);
  const { doc } = createDynamoDbClients({ region: stack.region, endpoints: { dynamodb: stack.endpoints.dynamodb } });
  return {
    tickets: new DynamoDbTicketRepository({ client: doc, tableName: stack.tableName, ticketPrefix: 'LOCAL' }),
    ledger: new DynamoDbInboundLedger({ client: doc, tableName: stack.tableName }),
    stack,
  };
}

/** Opens the tickets of a deployed region (`--region R`), found through its stack outputs. */
export async function regionTicketSource(region: string): Promise<TicketSource> {
  // Only --region needs CloudFormation: the local stack never loads its client.
  const { resolveRegionStack } = await import('./region-stack');
  const stack = await resolveRegionStack(region);
  const { doc } = createDynamoDbClients({ region });
  return {
    tickets: new DynamoDbTicketRepository({ client: doc, tableName: stack.tableName, ticketPrefix: 'READ' }),
    ledger: new DynamoDbInboundLedger({ client: doc, tableName: stack.tableName }),
    stack: null,
  };
}

/** `--region R` when given, else the local stack of `--data-dir`. */
export async function openTicketSource(opts: { region?: string; dataDir: string }): Promise<TicketSource> {
  return opts.region ? regionTicketSource(opts.region) : localTicketSource(opts.dataDir);
}
