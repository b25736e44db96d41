import fc from 'fast-check';
import {
  ackDecision,
  APPLIED_KEPT,
  applyChange,
  bounceChange,
  customerChange,
  planTimer,
  replyRoute,
  type ConversationContext,
} from '../../../lambdas/domain/conversation';
import { MAX_PARTICIPANTS } from '../../../lambdas/domain/agents';
import type { InboundMessage } from '../../../lambdas/domain/inbound-message';
import { conversationRecipients } from '../../../lambdas/domain/outbound';
import type { TimerRequest } from '../../../lambdas/domain/ports';
import type { Ticket } from '../../../lambdas/domain/ticket';
import { createSlaService } from '../../../lambdas/use-cases/sla-service';
import { testConfig } from './support';

/** The pure conversation decisions (domain/conversation.ts), without any port. */
const config = testConfig();
const sla = createSlaService(config);
const NOW = new Date('2026-11-17T18:00:00Z');

const ctx: ConversationContext = {
  now: NOW,
  supportAddresses: config.supportAddresses,
  agents: config.agents,
  reopenWindowDays: 7,
  policyFor: (a, t) => sla.policyFor(a, t),
  recipients: (t) => conversationRecipients(t, { supportAddresses: config.supportAddresses, isAgent: (a) => a.endsWith('@example.com') }),
  sender: (t) => ({ supportAddress: 'support@example.com', supportName: 'Support', replyToken: `t-${t.id.toLowerCase()}-000000000000` }),
};

function ticket(over: Partial<Ticket> = {}): Ticket {
  return {
    id: 'LOCAL-7', number: 7, status: 'open', priority: 'medium', requester: { name: 'Ana', address: 'ana@c.example' }, participants: [],
    subject: 'Printer', account: null, assignee: null, tier: 1, createdAt: '2026-11-10T00:00:00.000Z', updatedAt: '2026-11-10T00:00:00.000Z',
    version: 3, replyToken: 't', rootMessageId: '<root@c.example>', threadIds: ['<root@c.example>'], linkedTicketId: null, plannedFor: null,
    sla: sla.initial('medium', new Date('2026-11-10T00:00:00Z'), null), remindersSent: 0, rating: null, timer: null, ...over,
  };
}

function message(over: Partial<InboundMessage> = {}): InboundMessage {
  return {
    messageId: '<m1@c.example>', from: { name: 'Ana', address: 'ana@c.example' }, to: [{ name: '', address: 'support@example.com' }], cc: [],
    replyTo: [], subject: 'Re: Printer', date: null, inReplyTo: '<root@c.example>', references: [], text: 'Still broken.', reply: 'Still broken.',
    attachments: [], autoReply: false, bounce: false, ticketRef: null, problems: [], ...over,
  };
}

describe('customerChange', () => {
  it('a reply to a clarification request puts the ticket back in progress and mails the update', () => {
    const change = customerChange(ctx, ticket({ status: 'needs_clarification' }), message());
    expect(change.ticket.status).toBe('in_progress');
    expect(change.meta).toMatchObject({ status: { from: 'needs_clarification', to: 'in_progress' } });
    expect(change.mails.map((m) => m.kind)).toEqual(['notification']);
  });

  it('a reply within the reopen window reopens a resolved ticket; later it is left for a new linked ticket', () => {
    const resolved = ticket({ status: 'resolved', sla: { ...ticket().sla, resolvedAt: '2026-11-15T00:00:00.000Z' } });
    expect(customerChange(ctx, resolved, message()).ticket.status).toBe('open');
    expect(replyRoute(resolved, message(), NOW, 7)).toBe('append');
    expect(replyRoute(resolved, message(), NOW, 1)).toBe('new-linked');
    expect(replyRoute(ticket({ status: 'closed' }), message(), NOW, 7)).toBe('new-linked');
  });

  it('an out-of-office answer is only stored; a lone digit rates a closed ticket and stays on it', () => {
    expect(customerChange(ctx, ticket(), message({ autoReply: true }))).toMatchObject({ mails: [], kind: 'auto-reply' });
    const closed = ticket({ status: 'closed' });
    expect(replyRoute(closed, message({ reply: '4', text: '4' }), NOW, 7)).toBe('append');
    expect(customerChange(ctx, closed, message({ reply: '4', text: '4' })).ticket.rating).toBe(4);
  });

  it('participants never pass the cap, whatever a stream of replies copies in', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 60 }), { minLength: 1, maxLength: 8 }), (sizes) => {
        let t = ticket();
        sizes.forEach((n, r) => {
          const cc = Array.from({ length: n }, (_, i) => ({ name: '', address: `p${r}-${i}@c.example` }));
          t = customerChange(ctx, t, message({ cc, messageId: `<r${r}@c.example>` })).ticket;
        });
        expect(t.participants.length).toBeLessThanOrEqual(MAX_PARTICIPANTS);
        expect(t.threadIds.length).toBeLessThanOrEqual(50);
      }),
    );
  });
});

describe('bounceChange', () => {
  it('marks only addresses the ticket writes to: a forged bounce listing thousands cannot grow the ticket', () => {
    fc.assert(
      fc.property(fc.array(fc.emailAddress(), { maxLength: 3000 }), fc.boolean(), (forged, includesRequester) => {
        const t = ticket({ participants: [{ name: '', address: 'bo@c.example' }] });
        const failed = includesRequester ? [...forged, 'ANA@c.example'] : forged;
        const change = bounceChange(t, { failedRecipients: failed, bouncedMessageId: '<x@y>' });
        const marked = change.ticket.bouncedRecipients ?? [];
        expect(marked.every((a) => a === 'ana@c.example' || a === 'bo@c.example')).toBe(true);
        expect(marked.includes('ana@c.example')).toBe(includesRequester || forged.some((a) => a.toLowerCase() === 'ana@c.example'));
        expect(JSON.stringify(change.meta).length).toBeLessThan(10_000);
        expect(change.mails).toEqual([]);
      }),
      { numRuns: 50 },
    );
  });
});

describe('applyChange and planTimer', () => {
  it('bumps the version, remembers a bounded number of applied deliveries and queues the mail under the delivery key', () => {
    let t = ticket({ applied: Array.from({ length: APPLIED_KEPT }, (_, i) => `k${i}`) });
    const change = customerChange(ctx, ticket({ status: 'needs_clarification' }), message());
    t = applyChange(t, change, 'mid:abc', NOW);
    expect(t.version).toBe(4);
    expect(t.applied).toHaveLength(APPLIED_KEPT);
    expect(t.applied?.at(-1)).toBe('mid:abc');
    expect(t.outbox?.map((p) => p.id)).toEqual(['mid:abc#0']);
  });

  it('keeps the pending schedule when the nearest deadline keeps its kind and instant, else arms anew and replaces', () => {
    const at = new Date('2026-11-18T10:00:00Z');
    const next = (name: string, kind = 'breach', when = at): TimerRequest => ({ name, ticketId: 'LOCAL-7', kind, at: when, payload: {} });
    const current = { name: 'LOCAL-7-breach-3', at: at.toISOString(), kind: 'breach' };
    expect(planTimer(current, next('LOCAL-7-breach-4'))).toEqual({ timer: current, arm: null, replaced: null });
    expect(planTimer(current, next('LOCAL-7-warning-4', 'warning'))).toMatchObject({ arm: { name: 'LOCAL-7-warning-4' }, replaced: 'LOCAL-7-breach-3' });
    expect(planTimer(current, null)).toEqual({ timer: null, arm: null, replaced: 'LOCAL-7-breach-3' });
    expect(planTimer(null, next('LOCAL-7-breach-1'))).toMatchObject({ arm: { name: 'LOCAL-7-breach-1' }, replaced: null });
  });
});

describe('ackDecision', () => {
  it.each([
    [{}, false, true],
    [{ autoReply: true }, false, false],
    [{ bounce: true }, false, false],
    [{ from: null }, false, false],
    [{}, true, false],
  ] as Array<[Partial<InboundMessage>, boolean, boolean]>)('%j throttled=%s -> ack %s', (over, throttled, ack) => {
    expect(ackDecision(message(over), throttled).ack).toBe(ack);
  });
});
