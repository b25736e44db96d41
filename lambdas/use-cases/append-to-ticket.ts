import { ConcurrentModificationError, NotFoundError } from '../domain/errors';
import { applyChange, bounceChange, customerChange, messageKind, planTimer, type TicketChange, type TimerPlan } from '../domain/conversation';
import type { ThreadMatch } from '../domain/threading';
import type { Ticket } from '../domain/ticket';
import { planAgentMessage } from './apply-agent-reply';
import { armBefore, cancelReplaced, commitContended, deliverOutbox, raceBackoff, RACE_ATTEMPTS } from './deliver';
import { replacedTimer, STEP, TIMER_BEFORE } from './inbound-claim';
import type { Claim, IngestResult } from './ingest-types';
import { messageRecord, storeMessageObjects, withMeta } from './records';
import { conversationContext } from './ticket-change';

/** What the message does to `ticket`: a bounce marks addresses, an agent's mail runs commands and is relayed, a customer's joins. */
function decideChange(claim: Claim, ticket: Ticket): TicketChange {
  const { deps, parsed } = claim;
  const m = parsed.message;
  if (m.bounce) return bounceChange(ticket, m);
  if (claim.trustedAgent) return planAgentMessage(deps, ticket, m);
  return customerChange(conversationContext(deps, deps.clock.now()), ticket, m);
}

/**
 * Joins a message to an existing ticket:
 *   decide the change -> create the schedule it moves to -> commit (the message, its
 *   Message-ID, the changed ticket with the mail it causes in its outbox, the ledger step)
 *   -> delete the schedule it replaced -> send and record the queued mail (the last record
 *   closes the ledger record).
 * When nothing is mailed and the schedule stays, the commit closes the ledger record itself.
 * A retry that finds the commit done goes straight to what is left; a concurrent writer makes
 * the change be decided again from the ticket it saved.
 */
export async function appendToTicket(claim: Claim, ticketId: string, via: ThreadMatch | undefined, known?: Ticket): Promise<IngestResult> {
  const { deps, key, input, parsed } = claim;
  const result: IngestResult = { outcome: 'appended', ticketId, ...(via ? { matchedBy: via } : {}) };
  let steps = claim.steps;
  let ticket = known ?? (await deps.tickets.getTicket(ticketId));
  if (!ticket) throw new NotFoundError(`ticket ${ticketId} matched by ${key} is missing`);

  if (!steps.includes(STEP.change)) {
    const attachments = await storeMessageObjects(deps.rawMail, ticketId, input, parsed);
    const base = messageRecord(ticketId, input, parsed, attachments, messageKind(parsed.message, claim.trustedAgent));
    for (let attempt = 1; ; attempt += 1) {
      const now = deps.clock.now();
      const change = ticket.applied?.includes(key) ? null : decideChange(claim, ticket);
      const record = withMeta({ ...base, kind: change?.kind ?? base.kind }, { ...(via ? { matchedBy: via } : {}), ...(change?.meta ?? {}) });
      let updated: Ticket | null = null;
      let plan: TimerPlan = { timer: ticket.timer, arm: null, replaced: null };
      if (change) {
        updated = applyChange(ticket, change, key, now);
        plan = planTimer(ticket.timer, deps.sla.nextTimer(updated, now));
        updated.timer = plan.timer;
        await armBefore(deps, plan.arm);
      }
      const finishes = change === null || (change.mails.length === 0 && plan.replaced === null);
      const extra = plan.replaced ? [`${TIMER_BEFORE}${plan.replaced}`] : [];
      const committed = await commitContended(deps.tickets, {
        ledger: { key, step: STEP.change, ticketId, ...(extra.length > 0 ? { steps: extra } : {}), ...(finishes ? { complete: 'appended' as const } : {}) },
        ...(updated ? { ticket: { write: 'save' as const, ticket: updated } } : {}),
        messages: [record],
        messageIds: parsed.message.messageId ? [parsed.message.messageId] : [],
      });
      if (committed.ok) {
        if (finishes) return result;
        ticket = updated ?? ticket;
        steps = [...steps, STEP.change, ...extra];
        break;
      }
      if (committed.conflict === 'done') {
        // Another attempt of this delivery committed it (or this one did and lost the answer).
        if (committed.record?.state === 'done') return result;
        steps = committed.record?.steps ?? steps;
        ticket = (await deps.tickets.getTicket(ticketId)) ?? ticket;
        break;
      }
      if (committed.conflict !== 'version' || attempt >= RACE_ATTEMPTS) {
        throw new ConcurrentModificationError(`ticket ${ticketId}: ${key} could not be applied (${committed.conflict})`);
      }
      const fresh = await deps.tickets.getTicket(ticketId);
      if (!fresh) throw new NotFoundError(`ticket ${ticketId} matched by ${key} is missing`);
      // The schedule just armed is nobody's unless the winner armed the same name (same version read).
      if (plan.arm && fresh.timer?.name !== plan.arm.name) await deps.timers.cancel(plan.arm.name);
      await raceBackoff(attempt);
      ticket = fresh;
    }
  }

  await cancelReplaced(deps, replacedTimer(steps), ticket.timer);
  await deliverOutbox(deps, ticket, { prefix: `${key}#`, ledger: { key, outcome: 'appended' } });
  return result;
}
