import type { TimerRequest } from '../../../lambdas/domain/ports';
import { ingestEmail, type IngestInput, type IngestResult } from '../../../lambdas/use-cases/ingest-email';
import { handleTimer, type TimerFireInput, type TimerResult } from '../../../lambdas/use-cases/handle-timer';
import { eml, makeDesk, type Desk } from '../conversations/support';

/**
 * The paths the fault matrix breaks: each sets up a desk (in-memory fakes) with clean calls,
 * then names the one event that gets a fault and is redelivered as Lambda would.
 */
export const ANA = 'Ana Perez <ana@customer.example>';
export const AGENT = 'Alex Agent <alex@example.com>';

export interface Scenario {
  name: string;
  /** Builds the world up to the event, fault-free; returns the event to deliver (again). */
  setup(desk: Desk): Promise<Delivery>;
}

export type Delivery =
  | { kind: 'ingest'; input: IngestInput }
  | { kind: 'timer'; timer: TimerRequest };

export const ports = (desk: Desk): Record<string, object> => ({
  tickets: desk.tickets,
  ledger: desk.ledger,
  rawMail: desk.rawMail,
  mailer: desk.mailer,
  timers: desk.timers,
  counters: desk.counters,
});

/** Runs the event once, as Lambda invokes it: ingest for mail, the timer use case for a fired schedule. */
export async function invoke(desk: Desk, delivery: Delivery): Promise<IngestResult | TimerResult> {
  if (delivery.kind === 'ingest') return ingestEmail(desk.deps, delivery.input);
  desk.clock.set(new Date(Math.max(desk.clock.now().getTime(), delivery.timer.at.getTime())));
  const result = await handleTimer(desk.deps, delivery.timer.payload as unknown as TimerFireInput);
  // Scheduler deletes a one-time schedule once its target accepted the event (ActionAfterCompletion: DELETE).
  desk.timers.pending.delete(delivery.timer.name);
  return result;
}

/**
 * Invokes until the event is handled, the way Lambda's async retries (and SES) redeliver the
 * very same event: after a failure, later than the inbound lease. Returns the errors seen.
 */
export async function deliverUntilDone(desk: Desk, delivery: Delivery, maxAttempts = 4): Promise<{ errors: Error[]; result: IngestResult | TimerResult }> {
  const errors: Error[] = [];
  for (let attempt = 1; ; attempt += 1) {
    try {
      const result = await invoke(desk, delivery);
      if (delivery.kind === 'ingest' && (result as IngestResult).inFlight) throw new Error('lease still held');
      return { errors, result };
    } catch (error) {
      errors.push(error as Error);
      if (attempt >= maxAttempts) throw error;
      desk.clock.advance(60_000);
    }
  }
}

/** The schedule the ticket has pending, as Scheduler would fire it. */
export async function pendingTimer(desk: Desk, ticketId: string): Promise<TimerRequest> {
  const ticket = (await desk.tickets.getTicket(ticketId))!;
  if (!ticket.timer) throw new Error(`${ticketId} has no timer`);
  const timer = desk.timers.pending.get(ticket.timer.name);
  if (!timer) throw new Error(`${ticket.timer.name} is not pending`);
  return timer;
}

async function fire(desk: Desk, ticketId: string): Promise<TimerRequest> {
  const timer = await pendingTimer(desk, ticketId);
  await invoke(desk, { kind: 'timer', timer });
  return timer;
}

const OPEN = eml({ from: ANA, subject: 'Cannot log in', messageId: '<open@customer.example>', body: 'It says invalid session.' });

async function openTicket(desk: Desk): Promise<string> {
  const result = await desk.deliver(OPEN);
  if (result.outcome !== 'created') throw new Error(`setup: ${result.outcome}`);
  return result.ticketId!;
}

async function agentSays(desk: Desk, ticketId: string, body: string, messageId: string): Promise<void> {
  const result = await desk.deliver(eml({ from: AGENT, subject: `Re: [#${ticketId}] Cannot log in`, messageId, body }));
  if (result.outcome !== 'appended') throw new Error(`setup agent: ${result.outcome}`);
}

export const scenarios: Scenario[] = [
  {
    name: 'new ticket',
    setup: async (desk) => ({ kind: 'ingest', input: await desk.inputFor(OPEN) }),
  },
  {
    name: 'new ticket answering an unknown thread (plain claim, number taken at the commit)',
    setup: async (desk) => ({
      kind: 'ingest',
      input: await desk.inputFor(eml({ from: ANA, subject: 'Re: an old thread', messageId: '<unknown-thread@customer.example>', inReplyTo: '<never-seen@elsewhere.example>', body: 'x' })),
    }),
  },
  {
    name: 'new ticket without Message-ID (S3 read before the claim)',
    setup: async (desk) => ({
      kind: 'ingest',
      input: await desk.inputFor(eml({ from: ANA, subject: 'No id', messageId: null, body: 'x' })),
    }),
  },
  {
    name: 'customer reply (answers a clarification: status update, new participant)',
    setup: async (desk) => {
      const id = await openTicket(desk);
      await agentSays(desk, id, '#status needs_clarification\nWhich browser?', '<agent-1@example.com>');
      const raw = eml({ from: ANA, cc: 'Bo <bo@customer.example>', subject: `Re: [#${id}] Cannot log in`, messageId: '<reply-1@customer.example>', inReplyTo: '<open@customer.example>', body: 'Firefox 120.' });
      return { kind: 'ingest', input: await desk.inputFor(raw) };
    },
  },
  {
    name: 'agent reply with commands (relay, status update, re-armed timer)',
    setup: async (desk) => {
      const id = await openTicket(desk);
      const raw = eml({ from: AGENT, subject: `Re: [#${id}] Cannot log in`, messageId: '<agent-2@example.com>', body: '#priority high\n#status in_progress\n\nWe are on it.' });
      return { kind: 'ingest', input: await desk.inputFor(raw) };
    },
  },
  {
    name: 'breach timer',
    setup: async (desk) => {
      const id = await openTicket(desk);
      const warning = await fire(desk, id);
      if (warning.kind !== 'warning') throw new Error(`setup: first timer is ${warning.kind}`);
      const timer = await pendingTimer(desk, id);
      if (timer.kind !== 'breach') throw new Error(`setup: second timer is ${timer.kind}`);
      return { kind: 'timer', timer };
    },
  },
  {
    name: 'follow-up timer (customer reminder)',
    setup: async (desk) => {
      const id = await openTicket(desk);
      await agentSays(desk, id, '#status needs_clarification\nWhich browser?', '<agent-3@example.com>');
      const timer = await pendingTimer(desk, id);
      if (timer.kind !== 'reminder') throw new Error(`setup: timer is ${timer.kind}`);
      return { kind: 'timer', timer };
    },
  },
];

/**
 * What the event left behind, without ids and instants that legitimately differ between a
 * clean run and a retried one (SES ids, schedule names carrying the version, retry delays).
 */
export async function outcome(desk: Desk, mailsBefore: number) {
  const tickets = [...desk.tickets.tickets.values()].sort((a, b) => a.id.localeCompare(b.id));
  const out = [];
  for (const t of tickets) {
    const messages = await desk.tickets.listMessages(t.id);
    out.push({
      id: t.id,
      status: t.status,
      priority: t.priority,
      tier: t.tier,
      assignee: t.assignee,
      participants: t.participants.map((p) => p.address),
      remindersSent: t.remindersSent,
      breaches: t.sla.breaches.map((b) => b.target),
      firstResponded: t.sla.firstRespondedAt !== null,
      timerKind: t.timer?.kind ?? null,
      messages: messages.map((m) => `${m.direction}:${m.kind}:${m.from?.address ?? ''}:${m.subject}`).sort(),
    });
  }
  return {
    tickets: out,
    mails: desk.mailer.sent.slice(mailsBefore).map((m) => `${m.subject} -> ${m.to.map((a) => a.address).join(',')}`).sort(),
    ledger: [...desk.ledger.records.values()].map((r) => `${r.state}:${r.outcome}:${r.ticketId}`).sort(),
  };
}

/** Invariants that hold after any run, faulted or not. */
export async function invariants(desk: Desk): Promise<string[]> {
  const problems: string[] = [];
  const tickets = [...desk.tickets.tickets.values()];
  const expected = tickets.filter((t) => t.timer).map((t) => t.timer!.name).sort();
  const pending = [...desk.timers.pending.keys()].sort();
  if (JSON.stringify(pending) !== JSON.stringify(expected)) problems.push(`pending schedules ${pending.join(',')} != tickets' timers ${expected.join(',')}`);
  for (const t of tickets) {
    if ((t.outbox ?? []).length > 0) problems.push(`${t.id} outbox not empty: ${t.outbox!.map((p) => p.id).join(',')}`);
    const due = desk.timers.pending.get(t.timer?.name ?? '');
    if (t.timer && due && due.at.toISOString() !== t.timer.at) problems.push(`${t.id} timer at ${t.timer.at} but schedule at ${due.at.toISOString()}`);
  }
  for (const r of desk.ledger.records.values()) if (r.state !== 'done') problems.push(`ledger ${r.key} left ${r.state}`);
  return problems;
}

export { makeDesk };

/**
 * Watches every send of the desk's mailer: at the moment a mail leaves, the ticket it speaks of
 * (X-Sesdesk-Ticket) must be committed with that very mail in its outbox, and a mail speaking
 * of no ticket (a refusal) must be decided on its ledger record. Returns the violations seen.
 */
export function guardSends(desk: Desk): { violations: string[]; stop(): void } {
  const violations: string[] = [];
  const original = desk.mailer.send.bind(desk.mailer);
  desk.mailer.send = async (mail) => {
    const ticketId = Object.entries(mail.headers ?? {}).find(([k]) => k.toLowerCase() === 'x-sesdesk-ticket')?.[1];
    if (ticketId) {
      const stored = desk.tickets.tickets.get(ticketId);
      if (!stored) violations.push(`mail "${mail.subject}" sent for ${ticketId}, which is not committed`);
      else if (!(stored.outbox ?? []).some((p) => p.mail.subject === mail.subject && p.mail.text === mail.text)) {
        violations.push(`mail "${mail.subject}" sent for ${ticketId} but not in its committed outbox`);
      }
    } else if (![...desk.ledger.records.values()].some((r) => r.state === 'processing' && r.steps.includes('refusal'))) {
      violations.push(`mail "${mail.subject}" about no ticket sent without a decided refusal`);
    }
    return original(mail);
  };
  return { violations, stop: () => { delete (desk.mailer as Partial<typeof desk.mailer>).send; } };
}
