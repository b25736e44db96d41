import type { Ticket, TicketMessage } from '../../../lambdas/domain/ticket';

/** A complete ticket with every field set, so round-trip tests cover the whole shape. */
export function sampleTicket(overrides: Partial<Ticket> = {}): Ticket {
  return {
    id: 'USE1-42',
    number: 42,
    status: 'open',
    priority: 'normal',
    requester: { name: 'Ada Lovelace', address: 'ada@example.com' },
    participants: [{ name: '', address: 'bob@example.com' }],
    subject: 'Printer on fire',
    account: 'acme',
    assignee: null,
    tier: 1,
    createdAt: '2026-03-02T09:00:00.000Z',
    updatedAt: '2026-03-02T09:00:00.000Z',
    version: 1,
    replyToken: 'tok123',
    rootMessageId: '<root@example.com>',
    threadIds: ['<root@example.com>'],
    linkedTicketId: null,
    plannedFor: null,
    sla: {
      policy: 'standard',
      firstResponseDue: '2026-03-02T13:00:00.000Z',
      resolutionDue: null,
      nextUpdateDue: null,
      firstRespondedAt: null,
      resolvedAt: null,
      pausedAt: null,
      breaches: [],
      warned: [],
    },
    remindersSent: 0,
    rating: null,
    timer: { name: 'USE1-42-firstResponse-1', at: '2026-03-02T13:00:00.000Z', kind: 'firstResponse' },
    ...overrides,
  };
}

export function sampleMessage(overrides: Partial<TicketMessage> = {}): TicketMessage {
  return {
    ticketId: 'USE1-42',
    key: '2026-03-02T09:00:00.000Z#abc',
    at: '2026-03-02T09:00:00.000Z',
    direction: 'inbound',
    kind: 'customer',
    from: { name: 'Ada', address: 'ada@example.com' },
    to: [{ name: '', address: 'support@desk.example' }],
    cc: [],
    subject: 'Printer on fire',
    text: 'It is on fire.',
    textKey: null,
    messageId: '<root@example.com>',
    sesMessageId: 'ses-1',
    rawKey: 'inbound/ses-1',
    attachments: [],
    ...overrides,
  };
}
