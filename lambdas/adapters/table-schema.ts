/** The ticket attributes the `byQueue` index carries (besides the table and index keys). */
export const QUEUE_ATTRIBUTES = [
  'id', 'number', 'status', 'priority', 'requester', 'subject', 'account', 'assignee', 'tier', 'createdAt', 'updatedAt', 'sla',
] as const;

export interface IndexSchema {
  readonly name: string;
  readonly partitionKey: string;
  readonly sortKey: string;
  /** Non-key attributes projected (INCLUDE); all attributes when absent. */
  readonly include?: readonly string[];
}

/**
 * The single-table layout shared by the DynamoDB adapters, the local emulator set-up and the
 * CDK stateful stack, so the three cannot drift apart. (No @aws-sdk import here: the CDK
 * code reads it too.)
 *
 * | item            | pk                    | sk                 |
 * |-----------------|-----------------------|--------------------|
 * | ticket          | TICKET#<id>           | META               |
 * | message         | TICKET#<id>           | MSG#<iso>#<key>    |
 * | message-id map  | MSGID#<sha256(id)>    | MSGID              |
 * | inbound record  | INBOUND#<dedupe key>  | INBOUND            |
 * | number claim    | CLAIM#<claim key>     | CLAIM              |
 * | counter         | COUNTER#TICKET        | COUNTER            |
 * | local timer     | TIMER#<name>          | TIMER              |
 *
 * GSI `byKind` lists items of one kind (tickets, inbound records, timers) ordered by a
 * sortable value: gsi1pk = `KIND#TICKET` / `KIND#INBOUND` / `KIND#TIMER`, gsi1sk = a
 * time or due string.
 *
 * GSI `byQueue` is the desk page's queue: ticket items only, gsi2pk = `QUEUE#<status>`,
 * gsi2sk = the urgency key of domain/queue-order.ts (soonest running deadline first, then
 * newest without one). It projects only what a queue row shows, so a page of the queue reads
 * small index items. Both keys are written with every ticket save (DynamoDbTicketRepository).
 */
export const TABLE_SCHEMA = {
  partitionKey: 'pk',
  sortKey: 'sk',
  ttlAttribute: 'expiresAt',
  indexes: [
    { name: 'byKind', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
    { name: 'byQueue', partitionKey: 'gsi2pk', sortKey: 'gsi2sk', include: QUEUE_ATTRIBUTES },
  ],
} as const satisfies { indexes: readonly IndexSchema[] } & Record<string, unknown>;
