import { isAgentAddress } from '../domain/agents';
import { judgeVerdicts } from '../domain/classify';
import { replyRoute } from '../domain/conversation';
import { ownLoopReason } from '../domain/loop-guard';
import type { LedgerOutcome } from '../domain/ports';
import { subjectTagAccepted, threadIdCandidates, ticketFromReplyToken, type ThreadMatch } from '../domain/threading';
import type { Ticket } from '../domain/ticket';
import { appendToTicket } from './append-to-ticket';
import { claimDelivery, dedupeKeyFor, releaseUnusedNumber, STEP, type Claimed } from './inbound-claim';
import type { Claim, IngestDeps, IngestInput, IngestResult, MessageParser, ParsedMail } from './ingest-types';
import { openTicket } from './open-ticket';
import { refuseSender } from './refuse-sender';

export type { Claim, IngestDeps, IngestInput, IngestResult, MessageParser, ParsedMail } from './ingest-types';
export { dedupeKeyFor } from './inbound-claim';
export { armTimer } from './deliver';

/**
 * Ingests one received mail. The story, step by step:
 *
 *  1. claim the delivery (inbound-claim.ts): a duplicate, or a delivery another invocation
 *     holds, stops here after one write; a retry of a crashed attempt resumes from its steps;
 *  2. judge SES's verdicts, then read and parse the raw mail;
 *  3. decide where it goes: dropped (our own loop, a bounce of nothing of ours), onto the
 *     ticket it answers, a new ticket, or a refusal for a sender the account does not allow;
 *  4. commit that decision with the mail it causes queued in the ticket's outbox, then send
 *     from the committed outbox and record each send (deliver.ts): open-ticket.ts,
 *     append-to-ticket.ts, refuse-sender.ts;
 *  5. give back a ticket number the claim reserved but the mail did not use.
 *
 * The decisions themselves are pure (domain/conversation.ts); this file only looks things up.
 */
export async function ingestEmail(deps: IngestDeps, input: IngestInput): Promise<IngestResult> {
  const now = deps.clock.now();
  // A message with a Message-ID is deduplicated before S3 is read: a duplicate costs one write.
  let loaded: ParsedMail | null = null;
  let key: string;
  if (input.messageId) key = dedupeKeyFor(input.messageId, () => '');
  else {
    loaded = await load(deps, input);
    const m = loaded.message;
    key = dedupeKeyFor(m.messageId, () => [m.from?.address ?? '', m.date ?? '', m.subject, m.text].join('\u0000'));
  }
  const claimed = await claimDelivery(deps, key, input, now);
  if ('result' in claimed) return claimed.result;
  const result = await processClaimed(deps, input, claimed, loaded);
  await releaseUnusedNumber(deps, claimed, result);
  return result;
}

async function processClaimed(deps: IngestDeps, input: IngestInput, claimed: Claimed, loaded: ParsedMail | null): Promise<IngestResult> {
  const { key } = claimed;
  // SES's verdicts come with the event: a virus or a DMARC reject is decided before the raw
  // mail is read or parsed (it stays in S3, quarantined, with its recorded reason).
  const verdict = judgeVerdicts(input.verdicts);
  if (verdict.action !== 'accept') {
    const outcome: LedgerOutcome = verdict.action === 'quarantine' ? 'quarantined' : 'dropped';
    return finish(deps, key, outcome, verdict.reason ?? verdict.action);
  }

  const parsed = loaded ?? (await load(deps, input));
  const message = parsed.message;
  const { config } = deps;
  const from = message.from?.address?.toLowerCase() ?? null;
  const loop = ownLoopReason(parsed.headers, from, config.supportAddresses);
  if (loop) return finish(deps, key, 'dropped', loop);

  // An agent address proves nothing by itself: From is trivially forged. Only mail SES
  // authenticated (or any, where verdicts cannot exist locally) may act as an agent.
  const trustedAgent = from !== null && isAgentAddress(config.agents, from) && (verdict.authenticated || config.trustAgentsWithoutVerdicts);
  const claim: Claim = { deps, input, key, steps: claimed.steps, parsed, trustedAgent };

  // A retry of a crashed attempt goes where that attempt went.
  if (claimed.ticketId) {
    if (claimed.steps.includes(STEP.ticket)) return openTicket(claim, claimed.ticketId, null);
    return appendToTicket(claim, claimed.ticketId, undefined);
  }
  if (claimed.steps.includes(STEP.refusal)) return refuseSender(claim, null);

  if (message.bounce) return attachBounce(claim);

  const match = await findTicket(claim);
  if (match) {
    if (trustedAgent || replyRoute(match.ticket, message, deps.clock.now(), config.reopenWindowDays) === 'append') {
      // The ticket just read is current enough: the commit's version condition catches a race.
      return appendToTicket(claim, match.ticket.id, match.via, match.ticket);
    }
    return openTicket(claim, null, match.ticket.id);
  }

  if (!trustedAgent) {
    const decision = deps.sla.decide(message);
    if (!decision.authorized) return refuseSender(claim, decision.account);
  }
  return openTicket(claim, null, null);
}

async function finish(deps: IngestDeps, key: string, outcome: LedgerOutcome, reason: string): Promise<IngestResult> {
  await deps.ledger.complete(key, outcome, { reason });
  return { outcome, ticketId: null, reason };
}

async function load(deps: IngestDeps, input: IngestInput): Promise<ParsedMail> {
  const raw = await deps.rawMail.getRaw(input.rawKey);
  return safeParse(deps.parse, raw);
}

async function safeParse(parse: MessageParser, raw: Buffer): Promise<ParsedMail> {
  try {
    return await parse(raw);
  } catch (error) {
    // The parser is built never to throw; if it still does, keep the mail as a quarantined record.
    return {
      message: {
        messageId: null, from: null, to: [], cc: [], replyTo: [], subject: '', date: null,
        inReplyTo: null, references: [], text: '', reply: '', attachments: [],
        autoReply: false, bounce: false, ticketRef: null,
        problems: [`parser failed: ${error instanceof Error ? error.message : String(error)}`],
      },
      attachments: [],
    };
  }
}

/**
 * The ticket a message answers: any In-Reply-To/References id we stored (customers' and the
 * SES ids of our own mail), else a verified reply token, else the subject tag when the sender
 * is already on that ticket (or a trusted agent).
 */
async function findTicket(claim: Claim): Promise<{ ticket: Ticket; via: ThreadMatch } | null> {
  const { deps, parsed, input } = claim;
  const message = parsed.message;
  const ids = threadIdCandidates(message);
  const byId = ids.length > 0 ? await deps.tickets.findTicketByMessageIds(ids) : null;
  if (byId) {
    const ticket = await deps.tickets.getTicket(byId);
    if (ticket) return { ticket, via: 'references' };
  }
  const addresses = [...input.recipients, ...message.to.map((a) => a.address), ...message.cc.map((a) => a.address)];
  const byToken = ticketFromReplyToken(deps.replyTokenSecret, deps.config.supportAddresses, addresses);
  if (byToken) {
    const ticket = await deps.tickets.getTicket(byToken);
    if (ticket) return { ticket, via: 'reply-token' };
  }
  if (message.ticketRef) {
    const ticket = await deps.tickets.getTicket(message.ticketRef);
    if (ticket && subjectTagAccepted(ticket, message.from?.address ?? null, claim.trustedAgent)) return { ticket, via: 'subject-tag' };
  }
  return null;
}

/** A bounce belongs to the ticket of the mail that bounced; one we cannot place is recorded and dropped. */
async function attachBounce(claim: Claim): Promise<IngestResult> {
  const { deps, parsed, key } = claim;
  const m = parsed.message;
  const ids = threadIdCandidates(m, m.bouncedMessageId);
  const ticketId = await deps.tickets.findTicketByMessageIds(ids);
  const ticket = ticketId ? await deps.tickets.getTicket(ticketId) : null;
  if (ticket) return appendToTicket(claim, ticket.id, 'references', ticket);
  return finish(deps, key, 'dropped', 'bounce of a message that is not ours (raw mail kept)');
}
