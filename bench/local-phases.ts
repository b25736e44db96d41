import { randomBytes } from 'node:crypto';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { createTransport } from 'nodemailer';
import { CallCounter, countCalls, createClients } from '../lambdas/adapters/clients';
import type { TimerRequest, TimerScheduler } from '../lambdas/domain/ports';
import { SesReceiptEventSchema } from '../lambdas/handlers/ses-event-schema';
import { sesRecordToIngestInput } from '../lambdas/handlers/ses-input';
import { buildIngestDeps } from '../lambdas/handlers/wiring';
import { ingestEmail, type IngestResult } from '../lambdas/use-cases/ingest-email';
import { LOCAL_CREDENTIALS } from '../local/emulators';
import { INBOUND_PREFIX, LOCAL_REGION, type RunningLocalStack } from '../local/run-stack';
import { buildSesReceiptEvent, newSesMessageId } from '../local/ses-event';

/** Counts timer calls as the Scheduler API calls they are in AWS (locally they are table writes). */
class CountedTimers implements TimerScheduler {
  public constructor(private readonly inner: TimerScheduler, private readonly counter: CallCounter) {}

  public async arm(timer: TimerRequest): Promise<void> {
    this.counter.record('Scheduler', 'CreateSchedule');
    await this.inner.arm(timer);
  }

  public async cancel(name: string): Promise<void> {
    this.counter.record('Scheduler', 'DeleteSchedule');
    await this.inner.cancel(name);
  }
}

export interface CallSample {
  outcome: string;
  total: number;
  byCommand: Record<string, number>;
}

export interface CallsResult {
  /** Warm container: the one counter read a container makes for its first ticket is behind it. */
  newTicket: CallSample[];
  reply: CallSample[];
  duplicate: CallSample[];
  /** The first ticket of a fresh container (it reads the ticket counter once). */
  newTicketColdContainer: CallSample[];
  /** Two containers taking turns: each one's cached counter is always one ticket behind. */
  newTicketTwoContainersAlternating: CallSample[];
}

function mail(lines: string[]): Buffer {
  return Buffer.from(`${lines.join('\r\n')}\r\n`);
}

/**
 * AWS calls per ingest, on the local stack's emulators with every client counted: the
 * DynamoDB base and document clients, S3, SES, and the timers as Scheduler calls. The raw mail
 * is stored by "SES" with an uncounted client first, as the S3 action does before the Lambda.
 */
export async function measureCalls(stack: RunningLocalStack, samples: number): Promise<CallsResult> {
  const counter = new CallCounter();
  const clients = createClients({
    region: LOCAL_REGION,
    endpoints: stack.info.endpoints,
    credentials: LOCAL_CREDENTIALS,
  });
  for (const client of [clients.dynamodb, clients.doc, clients.s3, clients.ses, clients.scheduler]) {
    countCalls(client as unknown as Parameters<typeof countCalls>[0], counter);
  }
  const ses = createClients({ region: LOCAL_REGION, endpoints: stack.info.endpoints, credentials: LOCAL_CREDENTIALS });
  // One set of deps is one Lambda container (its own repository, so its own counter cache).
  const container = () =>
    buildIngestDeps({
      clients,
      region: LOCAL_REGION,
      tableName: stack.info.tableName,
      bucket: stack.info.bucket,
      config: stack.deps.config,
      replyTokenSecret: stack.deps.replyTokenSecret,
      timers: new CountedTimers(stack.timers, counter),
      clock: stack.deps.clock,
    });
  const deps = container();

  const deliver = async (raw: Buffer, into = deps): Promise<{ result: IngestResult; sample: CallSample }> => {
    const sesMessageId = newSesMessageId();
    const key = `${INBOUND_PREFIX}${sesMessageId}`;
    await ses.s3.send(new PutObjectCommand({ Bucket: stack.info.bucket, Key: key, Body: raw }));
    const event = SesReceiptEventSchema.parse(
      buildSesReceiptEvent({ raw, sesMessageId, objectKey: key, recipients: ['support@example.com'], region: LOCAL_REGION, now: new Date() }),
    );
    const input = sesRecordToIngestInput(event.Records[0].ses, INBOUND_PREFIX);
    counter.reset();
    const result = await ingestEmail(into, input);
    return { result, sample: { outcome: result.outcome, total: counter.total(), byCommand: counter.byCommand() } };
  };

  const out: CallsResult = { newTicket: [], reply: [], duplicate: [], newTicketColdContainer: [], newTicketTwoContainersAlternating: [] };
  const firstMail = (tag: string) =>
    mail([
      `From: Calls Bench <calls.${tag}@customer.example>`, 'To: support@example.com', `Subject: calls bench ${tag}`,
      'Date: Fri, 20 Nov 2026 10:00:00 +0000', `Message-ID: <first-${tag}@customer.example>`, '', 'The printer is on fire.',
    ]);
  try {
    // The container's first ticket, reported on its own; the samples below are its later ones.
    out.newTicketColdContainer.push((await deliver(firstMail(randomBytes(5).toString('hex')))).sample);
    for (let i = 0; i < samples; i += 1) {
      const tag = randomBytes(5).toString('hex');
      const customer = `calls.${tag}@customer.example`;
      const first = firstMail(tag);
      const created = await deliver(first);
      out.newTicket.push(created.sample);
      out.duplicate.push((await deliver(first)).sample);
      const ticketId = created.result.ticketId ?? '';
      const ack = (await stack.deps.tickets.listMessages(ticketId)).find((m) => m.direction === 'outbound');
      const reply = mail([
        `From: Calls Bench <${customer}>`, 'To: support@example.com', `Subject: Re: [#${ticketId}] calls bench ${tag}`,
        'Date: Fri, 20 Nov 2026 10:05:00 +0000', `Message-ID: <reply-${tag}@customer.example>`,
        ...(ack?.messageId ? [`In-Reply-To: ${ack.messageId}`, `References: <first-${tag}@customer.example> ${ack.messageId}`] : []),
        '', 'It is still on fire.', '', `On Fri, Support wrote:`, '> We are on it.',
      ]);
      out.reply.push((await deliver(reply)).sample);
    }
    // Two warm containers taking turns: each finds the counter moved by the other.
    const other = container();
    await deliver(firstMail(randomBytes(5).toString('hex')), other);
    for (let i = 0; i < samples; i += 1) {
      out.newTicketTwoContainersAlternating.push((await deliver(firstMail(randomBytes(5).toString('hex')), i % 2 ? other : deps)).sample);
    }
  } finally {
    for (const c of [clients.dynamodb, clients.s3, clients.ses, clients.scheduler, ses.dynamodb, ses.s3, ses.ses, ses.scheduler]) c.destroy();
  }
  return out;
}

export interface LatencyResult {
  messages: number;
  p50: number;
  p99: number;
  max: number;
  outcomes: Record<string, number>;
  acksFound: number;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/**
 * Ack latency: from handing a message to the local SES (SMTP) to its acknowledgement being in
 * the local SES store. The listener answers the DATA command only after the ingest handler
 * returned, and the handler returns after SendEmail was stored, so the 250 reply marks the
 * ack as stored; a sample of acks is also looked up in the store to prove it.
 */
export async function measureAckLatency(stack: RunningLocalStack, messages: number, progress: (done: number) => void): Promise<LatencyResult> {
  const transport = createTransport({ host: stack.info.smtp.host, port: stack.info.smtp.port, secure: false, ignoreTLS: true, pool: true, maxConnections: 1, maxMessages: Infinity });
  const run = randomBytes(4).toString('hex');
  const times: number[] = [];
  const outcomes: Record<string, number> = {};
  let acksFound = 0;
  try {
    for (let i = 0; i < messages; i += 1) {
      const customer = `lat.${run}.${i}@customer.example`;
      const raw = mail([
        `From: Latency ${i} <${customer}>`, 'To: support@example.com', `Subject: latency ${run} ${i}`,
        'Date: Fri, 20 Nov 2026 10:00:00 +0000', `Message-ID: <lat-${run}-${i}@customer.example>`, 'MIME-Version: 1.0',
        'Content-Type: text/plain; charset=utf-8', '', `Message number ${i}: our invoices do not load since this morning.`,
      ]);
      const t0 = process.hrtime.bigint();
      const info = await transport.sendMail({ envelope: { from: customer, to: ['support@example.com'] }, raw });
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
      const outcome = /^250\s*Ok: (\w+)/.exec(info.response)?.[1] ?? 'unknown';
      outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
      if (i % 100 === 0 || i === messages - 1) {
        const res = await fetch(`${stack.info.endpoints.ses}/store`);
        const store = (await res.json()) as { emails: Array<{ destination: { to: string[] } }> };
        if (store.emails.some((e) => e.destination.to.some((t) => t.includes(customer)))) acksFound += 1;
        else throw new Error(`no ack in the local SES store for ${customer} after its 250 reply (${info.response})`);
      }
      progress(i + 1);
    }
  } finally {
    transport.close();
  }
  const sorted = [...times].sort((a, b) => a - b);
  return { messages, p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted[sorted.length - 1], outcomes, acksFound };
}
