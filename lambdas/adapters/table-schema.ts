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
 */
export const TABLE_SCHEMA = {
  partitionKey: 'pk',
  sortKey: 'sk',
  ttlAttribute: 'expiresAt',
  indexes: [{ name: 'byKind', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' }],
} as const;
