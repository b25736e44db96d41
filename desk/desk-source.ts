import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import { DynamoDbQueueReader } from '../lambdas/adapters/dynamodb-queue-reader';
import { DynamoDbTicketRepository } from '../lambdas/adapters/dynamodb-ticket-repository';
import { S3RawMailStore } from '../lambdas/adapters/s3-raw-mail-store';
import type { RawMailStore, TicketRepository } from '../lambdas/domain/ports';

/**
 * What the desk page reads, and nothing it could write with: the queue index, tickets with
 * their messages, and objects of the raw-mail bucket (bodies, attachments, raw mail).
 */
export interface DeskSource {
  /** Where the data comes from, shown in the page header ("local stack", "us-east-1"). */
  label: string;
  queue: Pick<DynamoDbQueueReader, 'page' | 'ticketsCreated'>;
  tickets: Pick<TicketRepository, 'getTicket' | 'listMessages'>;
  objects: Pick<RawMailStore, 'getObject'>;
  /** The desk's clock: the local stack's (which `sesdesk clock` moves) or real time. */
  now(): Date;
  /** The desk's time zone (its SLA policy's): every time is shown in it. */
  timeZone: string;
  /** Priorities most urgent first (the policy's order); the filter offers them. */
  priorities: readonly string[];
  /** Ticket id prefix, so a search for "#12" finds `<prefix>-12`. */
  ticketPrefix: string;
  /** How often the page asks for fresh data, ms. */
  pollMs: number;
}

export interface DeskSourceOptions {
  label: string;
  doc: DynamoDBDocumentClient;
  s3: S3Client;
  tableName: string;
  bucket: string;
  now: () => Date;
  timeZone: string;
  priorities: readonly string[];
  ticketPrefix: string;
  pollMs?: number;
}

/** A desk source over DynamoDB and S3 clients (local emulators or a deployed region). */
export function dynamoDbDeskSource(o: DeskSourceOptions): DeskSource {
  return {
    label: o.label,
    queue: new DynamoDbQueueReader({ client: o.doc, tableName: o.tableName }),
    // The repository is only read from here (getTicket, listMessages); its prefix only names new tickets.
    tickets: new DynamoDbTicketRepository({ client: o.doc, tableName: o.tableName, ticketPrefix: o.ticketPrefix }),
    objects: new S3RawMailStore({ client: o.s3, bucket: o.bucket }),
    now: o.now,
    timeZone: o.timeZone,
    priorities: o.priorities,
    ticketPrefix: o.ticketPrefix,
    pollMs: o.pollMs ?? 5000,
  };
}
