import { throttleWindows } from '../domain/ack-throttle';
import { TransientError } from '../domain/errors';
import { buildUnauthorizedReply } from '../domain/outbound';
import { isRefusal, refusalText } from './deliver';
import { withRetry } from './retry';
import { STEP } from './inbound-claim';
import type { Claim, IngestResult } from './ingest-types';

type Account = { id: string; name?: string; primaryContact?: string } | null;

/**
 * The account only lets listed senders open tickets: no ticket, a polite answer naming the
 * primary contact (throttled like acks, never to an automatic message), the event recorded.
 *
 * The same order as every other path: the decision to answer (and its throttle count) is
 * committed on the ledger record first; the answer goes out after it; closing the record is
 * its record. The answer is rebuilt from the stored raw mail, so the ledger step is all the
 * outbox a refusal needs; a retry that finds the step sends it, one that finds the record
 * closed sends nothing.
 */
export async function refuseSender(claim: Claim, account: Account): Promise<IngestResult> {
  const { deps, parsed, key } = claim;
  const m = parsed.message;
  const accountId = account?.id ?? deps.sla.decide(m).account?.id ?? '(unknown)';
  const reason = `sender ${m.from?.address ?? '(none)'} is not an authorized sender of account ${accountId}`;
  const result: IngestResult = { outcome: 'rejected', ticketId: null, reason };
  let answers = claim.steps.includes(STEP.refusal);
  if (!answers && m.from && !m.autoReply) {
    const committed = await deps.tickets.commit({
      ledger: { key, step: STEP.refusal, ticketId: null },
      throttles: throttleWindows('reject', m.from.address, deps.clock.now(), deps.config.ackThrottle),
    });
    if (!committed.ok && committed.conflict === 'done' && committed.record?.state === 'done') return result;
    answers = committed.ok || committed.conflict === 'done';
  }
  let note = '';
  if (answers && m.from) {
    const resolved = account ?? deps.sla.decide(m).account;
    const reply = buildUnauthorizedReply({
      to: m.from,
      subject: m.subject,
      supportAddress: deps.config.supportAddresses[0],
      supportName: deps.config.supportName,
      accountName: resolved?.name ?? resolved?.id ?? null,
      primaryContact: resolved?.primaryContact ?? null,
      messageId: m.messageId,
      references: m.references,
    });
    try {
      await withRetry(() => deps.mailer.send(reply), { retryable: (e) => e instanceof TransientError });
    } catch (error) {
      if (!isRefusal(error)) throw error;
      note = `; the answer was refused: ${refusalText(error)}`;
    }
  }
  await deps.ledger.complete(key, 'rejected', { reason: `${reason}${note}` });
  return result;
}
