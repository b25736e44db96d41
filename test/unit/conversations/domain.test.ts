import { throttleWindows } from '../../../lambdas/domain/ack-throttle';
import { parseEmailCommands } from '../../../lambdas/domain/email-commands';
import { ownLoopReason } from '../../../lambdas/domain/loop-guard';
import { conversationRecipients, LOOP_HEADER } from '../../../lambdas/domain/outbound';
import { makeReplyToken, replyAddress } from '../../../lambdas/domain/reply-token';
import { canTransition, TICKET_STATUSES, type Ticket, type TicketStatus } from '../../../lambdas/domain/ticket';
import { customerReplyAction, subjectTagAccepted, threadIdCandidates, ticketFromReplyToken } from '../../../lambdas/domain/threading';

describe('parseEmailCommands', () => {
  it.each([
    ['#status planned\nBody', [{ name: 'status', status: 'planned' }], [], 'Body'],
    ['#status Needs Clarification\nBody', [{ name: 'status', status: 'needs_clarification' }], [], 'Body'],
    ['\n#priority HIGH\n\n#assign <Sam@Example.com>\n\nHi there\n#internal', [{ name: 'priority', priority: 'high' }, { name: 'assign', address: 'sam@example.com' }], [], 'Hi there\n#internal'],
    ['#due 2026-12-01\nx', [{ name: 'due', date: '2026-12-01' }], [], 'x'],
    ['#due 2026-12-01T15:00:00+01:00', [{ name: 'due', date: '2026-12-01T14:00:00.000Z' }], [], ''],
    ['#internal\n#resolve\nSummary', [{ name: 'internal' }, { name: 'resolve' }], [], 'Summary'],
    ['Hello\n#status closed', [], [], 'Hello\n#status closed'],
    ['#1 problem: login', [], [], '#1 problem: login'],
  ])('%j', (text, commands, errors, body) => {
    expect(parseEmailCommands(text)).toEqual({ commands, errors, body });
  });

  it.each([
    ['#frobnicate', /unknown command #frobnicate/],
    ['#status done', /#status needs one of open, pending/],
    ['#priority', /#priority needs one priority name/],
    ['#assign nobody', /#assign needs an agent email address/],
    ['#due 2026-02-30', /#due needs a date/],
    ['#resolve now', /#resolve takes no argument/],
  ])('%j is an error', (text, error) => {
    const parsed = parseEmailCommands(`${text}\nbody`);
    expect(parsed.commands).toEqual([]);
    expect(parsed.errors).toEqual([expect.stringMatching(error)]);
    expect(parsed.body).toBe('body');
  });
});

describe('status state machine', () => {
  const allowed: Record<TicketStatus, TicketStatus[]> = {
    open: ['pending', 'needs_clarification', 'planned', 'in_progress', 'resolved', 'closed'],
    pending: ['needs_clarification', 'planned', 'in_progress', 'resolved', 'closed'],
    needs_clarification: ['pending', 'in_progress', 'planned', 'resolved', 'closed'],
    planned: ['in_progress', 'needs_clarification', 'resolved', 'closed'],
    in_progress: ['needs_clarification', 'planned', 'resolved', 'closed'],
    resolved: ['open', 'in_progress', 'closed'],
    closed: [],
  };
  const table = TICKET_STATUSES.flatMap((from) => TICKET_STATUSES.map((to) => [from, to, allowed[from].includes(to)] as const));
  it.each(table)('%s -> %s allowed: %s', (from, to, ok) => {
    expect(canTransition(from, to)).toBe(ok);
  });
});

const ticket = (over: Partial<Ticket> = {}): Ticket =>
  ({
    id: 'LOCAL-7', requester: { name: 'Ana', address: 'ana@c.example' }, participants: [{ name: '', address: 'bo@c.example' }],
    status: 'open', updatedAt: '2026-11-01T00:00:00.000Z', sla: { resolvedAt: null }, ...over,
  }) as Ticket;

describe('threading rules', () => {
  it('looks up In-Reply-To first, then References newest first, each once', () => {
    expect(threadIdCandidates({ inReplyTo: '<c@x>', references: ['<a@x>', '<b@x>', '<c@x>'] })).toEqual(['<c@x>', '<b@x>', '<a@x>']);
  });

  it('accepts only a token signed with our secret, on one of our addresses', () => {
    const token = makeReplyToken('s3cret', 'LOCAL-7');
    expect(ticketFromReplyToken('s3cret', ['support@example.com'], ['x@y.example', replyAddress('support@example.com', token)])).toBe('LOCAL-7');
    expect(ticketFromReplyToken('other', ['support@example.com'], [replyAddress('support@example.com', token)])).toBeNull();
    expect(ticketFromReplyToken('s3cret', ['support@example.com'], [replyAddress('evil@example.com', token)])).toBeNull();
    expect(ticketFromReplyToken('s3cret', ['support@example.com'], ['support+LOCAL-7@example.com'])).toBeNull();
  });

  it.each([
    ['ana@c.example', false, true],
    ['BO@c.example', false, true],
    ['mallory@evil.example', false, false],
    ['alex@example.com', true, true],
    [null, false, false],
  ])('subject tag from %s (trusted agent %s) accepted: %s', (from, agent, ok) => {
    expect(subjectTagAccepted(ticket(), from, agent)).toBe(ok);
  });

  it.each([
    ['open', null, 1, 'append'],
    ['resolved', '2026-11-10T00:00:00.000Z', 7, 'reopen'],
    ['resolved', '2026-11-10T00:00:00.000Z', 7.1, 'reopen'],
    ['resolved', '2026-11-01T00:00:00.000Z', 7, 'new-linked'],
    ['closed', '2026-11-16T00:00:00.000Z', 7, 'new-linked'],
  ] as const)('a customer reply to %s (resolved %s) on 2026-11-17, window %s days: %s', (status, resolvedAt, days, action) => {
    const t = ticket({ status, sla: { resolvedAt } as Ticket['sla'] });
    expect(customerReplyAction(t, new Date('2026-11-17T00:00:00.000Z'), days)).toBe(action);
  });
});

describe('conversation recipients', () => {
  const opts = { supportAddresses: ['support@example.com'], isAgent: (a: string) => a.endsWith('@example.com') };
  it('requester in To, participants in Cc, never agents, support addresses, bounced or twice', () => {
    const t = ticket({
      participants: [
        { name: '', address: 'bo@c.example' }, { name: '', address: 'BO@c.example' }, { name: '', address: 'ana@c.example' },
        { name: '', address: 'alex@example.com' }, { name: '', address: 'support+x@example.com' }, { name: '', address: 'gone@c.example' },
      ],
      bouncedRecipients: ['gone@c.example'],
    });
    const r = conversationRecipients(t, opts);
    expect(r.to.map((a) => a.address)).toEqual(['ana@c.example']);
    expect(r.cc.map((a) => a.address)).toEqual(['bo@c.example']);
  });
  it('moves the first participant to To when the requester bounced; nobody left means no mail', () => {
    expect(conversationRecipients(ticket({ bouncedRecipients: ['ana@c.example'] }), opts).to.map((a) => a.address)).toEqual(['bo@c.example']);
    expect(conversationRecipients(ticket({ participants: [], bouncedRecipients: ['ana@c.example'] }), opts)).toEqual({ to: [], cc: [] });
  });
});

describe('loop guard and throttle windows', () => {
  const h = (m: Record<string, string>) => ({ get: (n: string) => m[n.toLowerCase()], getAll: (n: string) => (m[n.toLowerCase()] ? [m[n.toLowerCase()]] : []) });
  it.each([
    [{}, 'ana@c.example', null],
    [{ [LOOP_HEADER.toLowerCase()]: 'support@example.com' }, 'ana@c.example', /loop header/i],
    [{}, 'Support+t-x@Example.com', /own support address/],
  ])('headers %j from %s -> %s', (headers, from, reason) => {
    const got = ownLoopReason(h(headers), from, ['support@example.com']);
    if (reason === null) expect(got).toBeNull();
    else expect(got).toMatch(reason);
  });

  it('gives one hour and one day counter per address, expiring after their window', () => {
    const [hour, day] = throttleWindows('ack', 'Ana@C.example', new Date('2026-11-17T10:59:59Z'), { perHour: 5, perDay: 10 });
    expect(hour).toEqual({ key: 'THROTTLE#ack#ana@c.example#h2026-11-17T10', limit: 5, expiresAt: new Date('2026-11-17T12:00:00Z') });
    expect(day).toEqual({ key: 'THROTTLE#ack#ana@c.example#d2026-11-17', limit: 10, expiresAt: new Date('2026-11-19T00:00:00Z') });
    expect(throttleWindows('ack', 'ana@c.example', new Date('2026-11-17T11:00:00Z'), { perHour: 5, perDay: 10 })[0].key).not.toBe(hour.key);
  });
});
