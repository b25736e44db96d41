import { createHash } from 'node:crypto';
import type { Clock } from '../domain/clock';
import { AlreadyExistsError, NotFoundError } from '../domain/errors';
import type { AttachmentInfo, InboundMessage } from '../domain/inbound-message';
import type {
  InboundLedger,
  LedgerOutcome,
  Mailer,
  RawMailStore,
  TicketRepository,
  TimerScheduler,
} from '../domain/ports';
import type { Ticket, TicketMessage, StoredAttachment } from '../domain/ticket';
import { isSupportAddress } from '../domain/agents';
import { makeReplyToken } from '../domain/reply-token';
import { buildAcknowledgement } from '../domain/outbound';
import { attachmentKey } from '../domain/safe-name';
import { judgeVerdicts, type SesVerdicts } from '../domain/classify';
import type { RuntimeConfig } from './runtime-config';
import type { SlaService } from './sla-service';
import { withRetry } from './retry';

/** What the parser hands the use case: the model plus decoded attachment bytes. */
export interface ParsedMail {
  message: InboundMessage;
  attachments: Array<AttachmentInfo & { content: Buffer }>;
}
export type MessageParser = (raw: Buffer) => Promise<ParsedMail>;

export interface IngestDeps {
  tickets: TicketRepository;
  ledger: InboundLedger;
  rawMail: RawMailStore;
  mailer: Mailer;
  timers: TimerScheduler;
  clock: Clock;
  config: RuntimeConfig;
  sla: SlaService;
  parse: MessageParser;
  replyTokenSecret: string;
}

/** One SES receipt, reduced to what ingest needs (the handler maps the event to this). */
export interface IngestInput {
  sesMessageId: string;
  rawKey: string;
  /** Envelope recipients SES accepted the mail for. */
  recipients: string[];
  receivedAt: Date;
  /** `commonHeaders.messageId`: lets a duplicate be caught before S3 is read. */
  messageId: string | null;
  verdicts: SesVerdicts;
}

export interface IngestResult {
  outcome: LedgerOutcome;
  ticketId: string | null;
  reason?: string;
  /** True when another delivery of the same message is being processed right now. */
  inFlight?: boolean;
}

/** Lease on an inbound record: longer than the function timeout, shorter than Lambda's first async retry. */
const LEASE_MS = 45_000;

/** Bodies above this go to S3 with a pointer, keeping items far below DynamoDB's 400 KB. */
const INLINE_TEXT_LIMIT = 64 * 1024;

function sha256(value: string | Buffer): string {
  return createHash('sha256').update(value).digest('hex');
}

function normalizeMessageId(id: string): string {
  return id.trim().replace(/^<|>$/g, '').trim();
}

/** Dedupe key: the Message-ID when there is one, else a hash of what identifies the mail. */
export function dedupeKeyFor(messageId: string | null, fallback: () => string): string {
  if (messageId && normalizeMessageId(messageId)) return `mid:${sha256(normalizeMessageId(messageId).toLowerCase())}`;
  return `hash:${sha256(fallback())}`;
}

/**
 * Ingests one received mail: deduplicate, read, parse, judge, then open a ticket (with an
 * acknowledgement and an SLA timer) or append to the ticket it answers. Every step is
 * idempotent so a redelivery after a crash finishes what is missing without repeating what is done.
 */
export async function ingestEmail(deps: IngestDeps, input: IngestInput): Promise<IngestResult> {
  const now = deps.clock.now();
  let key: string | null = input.messageId ? dedupeKeyFor(input.messageId, () => '') : null;

  // A message with a Message-ID is deduplicated before S3 is read: a duplicate costs one write.
  if (key) {
    const begun = await beginOrReport(deps, key, input, now);
    if ('result' in begun) return begun.result;
    return processClaimed(deps, input, key, begun.steps, begun.ticketId, null);
  }

  const raw = await deps.rawMail.getRaw(input.rawKey);
  const parsed = await safeParse(deps.parse, raw);
  const m = parsed.message;
  key = dedupeKeyFor(m.messageId, () =>
    [m.from?.address ?? '', m.date ?? '', m.subject, m.text].join('\u0000'),
  );
  const begun = await beginOrReport(deps, key, input, now);
  if ('result' in begun) return begun.result;
  return processClaimed(deps, input, key, begun.steps, begun.ticketId, { raw, parsed });
}

async function beginOrReport(
  deps: IngestDeps,
  key: string,
  input: IngestInput,
  now: Date,
): Promise<{ result: IngestResult } | { steps: string[]; ticketId: string | null }> {
  const begun = await deps.ledger.begin({
    key,
    sesMessageId: input.sesMessageId,
    rawKey: input.rawKey,
    now,
    leaseMs: LEASE_MS,
  });
  if (begun.kind === 'duplicate') {
    return { result: { outcome: 'duplicate', ticketId: begun.record.ticketId } };
  }
  if (begun.kind === 'busy') {
    // The delivery holding the lease finishes the work; if it crashes, Lambda's retry of *that*
    // invocation resumes it after the lease runs out.
    return { result: { outcome: 'duplicate', ticketId: begun.record.ticketId, inFlight: true } };
  }
  return { steps: begun.record.steps, ticketId: begun.record.ticketId };
}

async function safeParse(parse: MessageParser, raw: Buffer): Promise<ParsedMail> {
  try {
    return await parse(raw);
  } catch (error) {
    // The parser is built never to throw; if it still does, keep the mail as a quarantined record.
    return {
      message: {
        messageId: null, from: null, to: [], cc: [], replyTo: [], subject: '', date: null,
        inReplyTo: null, references: [], text: '', reply: '', html: null, attachments: [],
        autoReply: false, bounce: false, ticketRef: null,
        problems: [`parser failed: ${error instanceof Error ? error.message : String(error)}`],
      },
      attachments: [],
    };
  }
}

interface Loaded {
  raw: Buffer;
  parsed: ParsedMail;
}

async function processClaimed(
  deps: IngestDeps,
  input: IngestInput,
  key: string,
  steps: string[],
  knownTicketId: string | null,
  loaded: Loaded | null,
): Promise<IngestResult> {
  const { raw, parsed } = loaded ?? (await load(deps, input));
  void raw;
  const message = parsed.message;

  const verdict = judgeVerdicts(input.verdicts);
  if (verdict.action !== 'accept') {
    const outcome: LedgerOutcome = verdict.action === 'quarantine' ? 'quarantined' : 'dropped';
    await deps.ledger.complete(key, outcome, { reason: verdict.reason ?? verdict.action });
    return { outcome, ticketId: null, reason: verdict.reason };
  }

  const from = message.from?.address ?? null;
  if (from && isSupportAddress(deps.config.supportAddresses, from)) {
    const reason = 'mail from our own support address (loop)';
    await deps.ledger.complete(key, 'dropped', { reason });
    return { outcome: 'dropped', ticketId: null, reason };
  }

  return openTicket(deps, input, key, steps, knownTicketId, parsed);
}

async function load(deps: IngestDeps, input: IngestInput): Promise<Loaded> {
  const raw = await deps.rawMail.getRaw(input.rawKey);
  return { raw, parsed: await safeParse(deps.parse, raw) };
}

async function openTicket(
  deps: IngestDeps,
  input: IngestInput,
  key: string,
  steps: string[],
  knownTicketId: string | null,
  parsed: ParsedMail,
): Promise<IngestResult> {
  const { config, clock } = deps;
  const message = parsed.message;
  const receivedAt = input.receivedAt;

  let ticket: Ticket;
  if (knownTicketId) {
    const existing = await deps.tickets.getTicket(knownTicketId);
    if (!existing) throw new NotFoundError(`ticket ${knownTicketId} recorded for ${key} is missing`);
    ticket = existing;
  } else {
    const number = await deps.tickets.allocateTicketNumber(key);
    const id = `${config.ticketPrefix}-${number}`;
    ticket = newTicket(deps, id, number, parsed, receivedAt);
    try {
      await deps.tickets.createTicket(ticket);
    } catch (error) {
      if (!(error instanceof AlreadyExistsError)) throw error;
      // A crashed earlier attempt created it: continue with what is stored.
      const existing = await deps.tickets.getTicket(id);
      if (!existing) throw error;
      ticket = existing;
    }
    await deps.ledger.progress(key, { ticketId: ticket.id, step: 'ticket' });
  }

  if (!steps.includes('message')) {
    const attachments = await storeAttachments(deps, ticket.id, parsed);
    await deps.tickets.appendMessage(await inboundMessageRecord(deps, ticket.id, input, parsed, attachments, 'customer'));
    if (message.messageId) await deps.tickets.indexMessageIds(ticket.id, [message.messageId]);
    await deps.ledger.progress(key, { step: 'message' });
  }

  const automatic = message.autoReply || message.bounce;
  if (!steps.includes('ack') && !automatic && message.from) {
    const ack = buildAcknowledgement({
      ticket,
      supportAddress: config.supportAddresses[0],
      supportName: config.supportName,
      replyAddressToken: makeReplyToken(deps.replyTokenSecret, ticket.id),
      customerMessageId: message.messageId,
      customerReferences: message.references,
      timezone: config.displayTimezone,
    });
    const sent = await deps.mailer.send(ack);
    await withRetry(async () => {
      await deps.tickets.appendMessage(outboundRecord(ticket.id, clock.now(), 'ack', ack, sent));
      await deps.tickets.indexMessageIds(ticket.id, [sent.messageId]);
      await deps.ledger.progress(key, { step: 'ack' });
    });
  }

  if (!steps.includes('timer')) {
    ticket = await armTimer(deps, ticket);
    await deps.ledger.progress(key, { step: 'timer' });
  }

  await deps.ledger.complete(key, 'created', { ticketId: ticket.id });
  return { outcome: 'created', ticketId: ticket.id };
}

function newTicket(deps: IngestDeps, id: string, number: number, parsed: ParsedMail, receivedAt: Date): Ticket {
  const message = parsed.message;
  const decision = deps.sla.decide(message);
  const priority = decision.priority;
  const accountId = decision.account?.id ?? null;
  const at = receivedAt.toISOString();
  return {
    id,
    number,
    status: 'open',
    priority,
    requester: message.from ?? { name: '', address: '' },
    participants: [],
    subject: message.subject || '(no subject)',
    account: accountId,
    assignee: decision.assignee,
    tier: 1,
    createdAt: at,
    updatedAt: at,
    version: 1,
    replyToken: makeReplyToken(deps.replyTokenSecret, id),
    rootMessageId: message.messageId,
    threadIds: message.messageId ? [message.messageId] : [],
    linkedTicketId: null,
    plannedFor: null,
    sla: deps.sla.initial(priority, receivedAt, accountId),
    remindersSent: 0,
    rating: null,
    timer: null,
  };
}

async function storeAttachments(deps: IngestDeps, ticketId: string, parsed: ParsedMail): Promise<StoredAttachment[]> {
  const stored: StoredAttachment[] = [];
  for (const [index, attachment] of parsed.attachments.entries()) {
    const objectKey = attachmentKey(ticketId, index + 1, attachment.filename);
    await deps.rawMail.putObject(objectKey, attachment.content, attachment.contentType);
    stored.push({
      filename: attachment.filename,
      contentType: attachment.contentType,
      size: attachment.size,
      sha256: attachment.sha256,
      inline: attachment.inline,
      key: objectKey,
    });
  }
  return stored;
}

async function inboundMessageRecord(
  deps: IngestDeps,
  ticketId: string,
  input: IngestInput,
  parsed: ParsedMail,
  attachments: StoredAttachment[],
  kind: TicketMessage['kind'],
): Promise<TicketMessage> {
  const message = parsed.message;
  let text: string | null = message.text;
  let textKey: string | null = null;
  if (Buffer.byteLength(text, 'utf8') > INLINE_TEXT_LIMIT) {
    textKey = `tickets/${ticketId}/bodies/in-${input.sesMessageId}.txt`;
    await deps.rawMail.putObject(textKey, text, 'text/plain; charset=utf-8');
    text = null;
  }
  return {
    ticketId,
    key: `in-${input.sesMessageId}`,
    at: input.receivedAt.toISOString(),
    direction: 'inbound',
    kind,
    from: message.from,
    to: message.to,
    cc: message.cc,
    subject: message.subject,
    text,
    textKey,
    messageId: message.messageId,
    sesMessageId: input.sesMessageId,
    rawKey: input.rawKey,
    attachments,
    meta: message.problems.length > 0 ? { problems: message.problems } : undefined,
  };
}

function outboundRecord(
  ticketId: string,
  at: Date,
  kind: TicketMessage['kind'],
  mail: import('../domain/ports').OutboundMail,
  sent: import('../domain/ports').SentMail,
): TicketMessage {
  return {
    ticketId,
    key: `out-${sent.sesMessageId}`,
    at: at.toISOString(),
    direction: 'outbound',
    kind,
    from: mail.from,
    to: mail.to,
    cc: mail.cc ?? [],
    subject: mail.subject,
    text: mail.text,
    textKey: null,
    messageId: sent.messageId,
    sesMessageId: sent.sesMessageId,
    rawKey: null,
    attachments: [],
  };
}

/**
 * Points the ticket's one pending schedule at its nearest deadline: arms the new schedule
 * first (a name conflict from a retry is success), saves the ticket with it, then deletes the
 * old one, so a crash in between leaves at worst an extra schedule whose handler finds its
 * deadline no longer holds, never a ticket with none.
 */
export async function armTimer(
  deps: Pick<IngestDeps, 'timers' | 'sla' | 'clock' | 'tickets'>,
  ticket: Ticket,
): Promise<Ticket> {
  const next = deps.sla.nextTimer(ticket, deps.clock.now());
  const current = ticket.timer;
  if (current?.name === next?.name) return ticket;
  if (next) await deps.timers.arm(next);
  const updated: Ticket = {
    ...ticket,
    version: ticket.version + 1,
    timer: next ? { name: next.name, at: next.at.toISOString(), kind: next.kind } : null,
  };
  await deps.tickets.saveTicket(updated);
  if (current) await deps.timers.cancel(current.name);
  return updated;
}
