import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FixedClock } from '../../../lambdas/domain/clock';
import type { Ticket } from '../../../lambdas/domain/ticket';
import { armTimer } from '../../../lambdas/use-cases/ingest-email';
import { handleTimer, type TimerDeps, type TimerFireInput, type TimerResult } from '../../../lambdas/use-cases/handle-timer';
import { parseRuntimeConfig, type RuntimeConfig } from '../../../lambdas/use-cases/runtime-config';
import { createSlaService } from '../../../lambdas/use-cases/sla-service';
import { InMemoryTicketRepository, InMemoryTimers, RecordingMailer } from '../../support/in-memory';

/** Timer use-case deps on the in-memory fakes, under a preset policy, with a clock the test moves. */
export interface TimerWorld extends TimerDeps {
  tickets: InMemoryTicketRepository;
  mailer: RecordingMailer;
  timers: InMemoryTimers;
  clock: FixedClock;
}

export function presetJson(name: string): unknown {
  return JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'policies', `${name}.json`), 'utf8'));
}

export function world(start: string, overrides: Record<string, unknown> = {}, policy = 'platform'): TimerWorld {
  const config: RuntimeConfig = parseRuntimeConfig({
    region: 'test',
    ticketPrefix: 'TT',
    supportAddresses: ['support@example.com'],
    supportName: 'Example Support',
    escalation: { tier1: 'tier1@example.com', tier2: 'tier2@example.com', tier3: 'tier3@example.com' },
    policy: presetJson(policy),
    ...overrides,
  });
  return {
    tickets: new InMemoryTicketRepository(),
    mailer: new RecordingMailer(),
    timers: new InMemoryTimers(),
    clock: new FixedClock(start),
    config,
    sla: createSlaService(config),
  };
}

let seq = 0;

/** Stores a new ticket received now with its first timer armed, as ingest leaves it. */
export async function openTicket(w: TimerWorld, patch: Partial<Ticket> = {}): Promise<Ticket> {
  seq += 1;
  const now = w.clock.now();
  const priority = patch.priority ?? 'critical';
  const ticket: Ticket = {
    id: `TT-${seq}`,
    number: seq,
    status: 'open',
    priority,
    requester: { name: 'Ana', address: 'ana@customer.example' },
    participants: [],
    subject: 'Production is down',
    account: null,
    assignee: null,
    tier: 1,
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
    version: 1,
    replyToken: `t-tt-${seq}-0123456789ab`,
    rootMessageId: `<root-${seq}@customer.example>`,
    threadIds: [`<root-${seq}@customer.example>`],
    linkedTicketId: null,
    plannedFor: null,
    sla: w.sla.initial(priority, now, null),
    remindersSent: 0,
    rating: null,
    timer: null,
    ...patch,
  };
  await w.tickets.createTicket(ticket);
  return armTimer(w, ticket);
}

/** Changes the stored ticket the way another writer would (version + 1), optionally re-arming. */
export async function change(w: TimerWorld, id: string, fn: (t: Ticket) => Ticket, rearm = true): Promise<Ticket> {
  const current = (await w.tickets.getTicket(id))!;
  const next = { ...fn(current), version: current.version + 1, updatedAt: w.clock.now().toISOString() };
  await w.tickets.saveTicket(next);
  return rearm ? armTimer(w, next) : next;
}

export async function ticketOf(w: TimerWorld, id: string): Promise<Ticket> {
  return (await w.tickets.getTicket(id))!;
}

/** The payload of the timer the ticket has pending. */
export async function pendingPayload(w: TimerWorld, id: string): Promise<TimerFireInput> {
  const t = await ticketOf(w, id);
  if (!t.timer) throw new Error(`${id} has no pending timer`);
  const request = w.timers.pending.get(t.timer.name);
  if (!request) throw new Error(`timer ${t.timer.name} is not armed`);
  return request.payload as unknown as TimerFireInput;
}

/** Moves the clock to the pending timer's time (plus `lateMs`, Scheduler may be late) and fires it. */
export async function firePending(w: TimerWorld, id: string, lateMs = 0): Promise<{ payload: TimerFireInput; result: TimerResult }> {
  const t = await ticketOf(w, id);
  const payload = await pendingPayload(w, id);
  w.clock.set(new Date(Date.parse(t.timer!.at) + lateMs));
  const result = await handleTimer(w, payload);
  return { payload, result };
}

export function mailsTo(w: TimerWorld, address: string) {
  return w.mailer.sent.filter((m) => m.to.some((t) => t.address === address));
}
