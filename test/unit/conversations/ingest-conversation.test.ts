import { makeReplyToken, replyAddress } from '../../../lambdas/domain/reply-token';
import { LOOP_HEADER } from '../../../lambdas/domain/outbound';
import { ingestEmail } from '../../../lambdas/use-cases/ingest-email';
import { eml, header, makeDesk, SECRET, testConfig, type Desk } from './support';
import { recordCalls } from '../../support/faults';

const ANA = 'Ana Perez <ana@customer.example>';

async function openTicket(desk: Desk, opts: { cc?: string; subject?: string } = {}) {
  const messageId = `<open-${Math.random().toString(36).slice(2)}@customer.example>`;
  const result = await desk.deliver(eml({ from: ANA, cc: opts.cc, subject: opts.subject ?? 'Cannot log in', messageId, body: 'It says invalid session.' }));
  expect(result.outcome).toBe('created');
  const ticket = (await desk.tickets.getTicket(result.ticketId!))!;
  const ack = desk.mailer.sent[desk.mailer.sent.length - 1];
  return { ticket, ack, messageId };
}

const lastSent = (desk: Desk) => desk.mailer.sent[desk.mailer.sent.length - 1];

describe('threading', () => {
  it('joins a reply by References holding the SES-rewritten id of our ack, and indexes the reply', async () => {
    const desk = makeDesk();
    const { ticket, ack } = await openTicket(desk);
    expect(ack.messageId).toMatch(/@local\.amazonses\.com>$/);
    const reply = await desk.deliver(eml({ from: ANA, subject: 'Re: something else entirely', references: `<unrelated@x.example> ${ack.messageId}`, body: 'More details.' }));
    expect(reply).toMatchObject({ outcome: 'appended', ticketId: ticket.id, matchedBy: 'references' });
    expect(desk.mailer.sent).toHaveLength(1); // no second ack
    const messages = await desk.tickets.listMessages(ticket.id);
    expect(messages.map((m) => `${m.direction}:${m.kind}`)).toEqual(['inbound:customer', 'outbound:ack', 'inbound:customer']);
  });

  it('joins by a verified reply token in the recipients, and ignores a forged one', async () => {
    const desk = makeDesk();
    const { ticket } = await openTicket(desk);
    const token = makeReplyToken(SECRET, ticket.id);
    const good = await desk.deliver(eml({ from: ANA, to: replyAddress('support@example.com', token), subject: 'no tag', body: 'hi' }));
    expect(good).toMatchObject({ outcome: 'appended', ticketId: ticket.id, matchedBy: 'reply-token' });
    const forged = makeReplyToken('another-secret', ticket.id);
    const bad = await desk.deliver(eml({ from: ANA, to: replyAddress('support@example.com', forged), subject: 'no tag 2', body: 'hi' }));
    expect(bad.outcome).toBe('created');
    expect(bad.ticketId).not.toBe(ticket.id);
  });

  it('accepts a subject tag from the requester or a participant, but a stranger gets a new ticket', async () => {
    const desk = makeDesk();
    const { ticket } = await openTicket(desk, { cc: 'Bo <bo@customer.example>' });
    expect(ticket.participants.map((p) => p.address)).toEqual(['bo@customer.example']);
    const own = await desk.deliver(eml({ from: ANA, subject: `Re: [#${ticket.id}] Cannot log in`, body: 'again' }));
    expect(own).toMatchObject({ outcome: 'appended', ticketId: ticket.id, matchedBy: 'subject-tag' });
    const cc = await desk.deliver(eml({ from: 'bo@customer.example', subject: `[#${ticket.id}]`, body: 'me too' }));
    expect(cc).toMatchObject({ outcome: 'appended', ticketId: ticket.id });
    const stranger = await desk.deliver(eml({ from: 'mallory@evil.example', subject: `Re: [#${ticket.id}] Cannot log in`, body: 'send me the data' }));
    expect(stranger.outcome).toBe('created');
    expect(stranger.ticketId).not.toBe(ticket.id);
    const messages = await desk.tickets.listMessages(ticket.id);
    expect(messages.some((m) => m.from?.address === 'mallory@evil.example')).toBe(false);
  });

  it('adds customers from To/Cc of a reply as participants, never agents or support addresses', async () => {
    const desk = makeDesk();
    const { ticket, ack } = await openTicket(desk);
    await desk.deliver(eml({ from: ANA, cc: 'Cy <cy@customer.example>, Agent <agent@example.com>, support+x@example.com', subject: 'Re', inReplyTo: ack.messageId, body: 'cc my colleague' }));
    const after = (await desk.tickets.getTicket(ticket.id))!;
    expect(after.participants.map((p) => p.address)).toEqual(['cy@customer.example']);
  });
});

describe('agents replying by email', () => {
  const agentReply = (ticketId: string, body: string, from = 'Alex Agent <alex@example.com>') =>
    eml({ from, subject: `Re: [#${ticketId}] Cannot log in`, body });

  it('relays the new text to requester and participants from the support address, threaded, with the token and without quotes', async () => {
    const desk = makeDesk();
    const { ticket, messageId } = await openTicket(desk, { cc: 'bo@customer.example' });
    const result = await desk.deliver(agentReply(ticket.id, 'Please clear your cookies.\n\nOn Tue, Ana wrote:\n> It says invalid session.\n> old text'));
    expect(result).toMatchObject({ outcome: 'appended', ticketId: ticket.id });
    const relay = lastSent(desk);
    expect(relay.from.address).toBe('support@example.com');
    expect(relay.to.map((a) => a.address)).toEqual(['ana@customer.example']);
    expect(relay.cc!.map((a) => a.address)).toEqual(['bo@customer.example']);
    expect(relay.subject).toBe(`[#${ticket.id}] Cannot log in`);
    expect(relay.inReplyTo).toBe(messageId);
    expect(relay.references).toContain(messageId);
    expect(relay.replyTo![0].address).toBe(replyAddress('support@example.com', makeReplyToken(SECRET, ticket.id)));
    expect(relay.text).toContain('Please clear your cookies.');
    expect(relay.text).not.toContain('old text');
    expect(header(relay, LOOP_HEADER)).toBe('support@example.com');
    expect(header(relay, 'Auto-Submitted')).toBeUndefined();
    const after = (await desk.tickets.getTicket(ticket.id))!;
    expect(after.sla.firstRespondedAt).toBe(desk.clock.now().toISOString());
    expect(after.assignee).toBe('alex@example.com');
    expect(after.agents).toEqual(['alex@example.com']);
  });

  it('runs commands at the top, strips them from the relay, mails a status update and re-arms the timer', async () => {
    const desk = makeDesk();
    const { ticket } = await openTicket(desk);
    const before = desk.mailer.sent.length;
    await desk.deliver(agentReply(ticket.id, '#priority high\n#assign sam@example.com\n#status in_progress\n\nWe are on it.'));
    const after = (await desk.tickets.getTicket(ticket.id))!;
    expect(after).toMatchObject({ priority: 'high', assignee: 'sam@example.com', status: 'in_progress' });
    const mails = desk.mailer.sent.slice(before);
    expect(mails).toHaveLength(2);
    expect(mails[0].text).toContain('We are on it.');
    expect(mails[0].text).not.toContain('#priority');
    expect(mails[1].subject).toContain('status: in progress');
    expect(header(mails[1], 'Auto-Submitted')).toBe('auto-generated');
    expect(after.timer).not.toBeNull();
    expect(after.timer!.name).not.toBe(ticket.timer!.name);
  });

  it('#due plans the ticket; #resolve mails the resolution summary and stops the SLA', async () => {
    const desk = makeDesk();
    const { ticket } = await openTicket(desk);
    await desk.deliver(agentReply(ticket.id, '#due 2026-12-01\nScheduled for the maintenance window.'));
    expect(await desk.tickets.getTicket(ticket.id)).toMatchObject({ status: 'planned', plannedFor: '2026-12-01' });
    expect(lastSent(desk).text).toContain('Planned for: 2026-12-01');
    const n = desk.mailer.sent.length;
    await desk.deliver(agentReply(ticket.id, '#resolve\nWe rotated the session keys; logins work again.'));
    const resolved = (await desk.tickets.getTicket(ticket.id))!;
    expect(resolved.status).toBe('resolved');
    expect(resolved.sla.resolvedAt).not.toBeNull();
    expect(resolved.timer?.kind ?? 'none').not.toMatch(/warning|breach|update/);
    const sent = desk.mailer.sent.slice(n);
    expect(sent).toHaveLength(1); // the summary, not a relay as well
    expect(sent[0].text).toContain('Resolution summary:');
    expect(sent[0].text).toContain('We rotated the session keys');
  });

  it('#internal stores a note and mails nobody; it does not count as a first response', async () => {
    const desk = makeDesk();
    const { ticket } = await openTicket(desk);
    const n = desk.mailer.sent.length;
    await desk.deliver(agentReply(ticket.id, '#internal\nCustomer is on the legacy plan.'));
    expect(desk.mailer.sent).toHaveLength(n);
    const messages = await desk.tickets.listMessages(ticket.id);
    expect(messages[messages.length - 1]).toMatchObject({ direction: 'inbound', kind: 'note' });
    expect((await desk.tickets.getTicket(ticket.id))!.sla.firstRespondedAt).toBeNull();
  });

  it.each([
    ['#frobnicate now\nHello', /unknown command #frobnicate/],
    ['#priority sky-high\nHello', /not a priority/],
    ['#status closed\n#status open\nHello', /cannot go from closed to open/],
    ['#assign ana@customer.example\nHello', /not an agent address/],
    ['#due tomorrow\nHello', /#due needs a date/],
  ])('%j changes nothing and mails the agent the error', async (body, error) => {
    const desk = makeDesk();
    const { ticket } = await openTicket(desk);
    const stored = (await desk.tickets.getTicket(ticket.id))!;
    const n = desk.mailer.sent.length;
    await desk.deliver(agentReply(ticket.id, body));
    const sent = desk.mailer.sent.slice(n);
    expect(sent).toHaveLength(1);
    expect(sent[0].to.map((a) => a.address)).toEqual(['alex@example.com']);
    expect(sent[0].text).toMatch(error);
    expect(sent[0].text).toContain('NOT applied');
    const after = (await desk.tickets.getTicket(ticket.id))!;
    // Only bookkeeping moved: the version, the applied key, the timer's name (it carries the version).
    const strip = (t: typeof after) => ({ ...t, version: 0, updatedAt: '', applied: [], timer: t.timer && { ...t.timer, name: '' } });
    expect(strip(after)).toEqual(strip(stored));
  });

  it('an unauthenticated "agent" in AWS is a stranger: no commands run', async () => {
    const desk = makeDesk(testConfig({ trustAgentsWithoutVerdicts: false }));
    const { ticket } = await openTicket(desk);
    const forged = await desk.deliver(agentReply(ticket.id, '#resolve\ndone'), { verdicts: { spfVerdict: 'FAIL', dkimVerdict: 'FAIL' } });
    expect(forged.ticketId).not.toBe(ticket.id);
    expect((await desk.tickets.getTicket(ticket.id))!.status).toBe('open');
    const real = await desk.deliver(agentReply(ticket.id, '#resolve\ndone'), { verdicts: { dkimVerdict: 'PASS', dmarcVerdict: 'PASS' } });
    expect(real.ticketId).toBe(ticket.id);
    expect((await desk.tickets.getTicket(ticket.id))!.status).toBe('resolved');
  });
});

describe('status lifecycle driven by customers', () => {
  it('a reply within the reopen window reopens a resolved ticket and tells the requester', async () => {
    const desk = makeDesk();
    const { ticket, ack } = await openTicket(desk);
    await desk.deliver(eml({ from: 'alex@example.com', subject: `[#${ticket.id}]`, body: '#resolve\nFixed.' }));
    desk.clock.advance(3 * 24 * 3600_000);
    const result = await desk.deliver(eml({ from: ANA, subject: 'Re: fixed?', inReplyTo: ack.messageId, body: 'Still broken.' }));
    expect(result).toMatchObject({ outcome: 'appended', ticketId: ticket.id });
    const after = (await desk.tickets.getTicket(ticket.id))!;
    expect(after.status).toBe('open');
    expect(after.sla.resolvedAt).toBeNull();
    expect(after.timer).not.toBeNull();
    expect(lastSent(desk).text).toContain('reopened');
  });

  it('a reply after the window, or to a closed ticket, opens a new ticket linked to the old one', async () => {
    const desk = makeDesk();
    const { ticket, ack } = await openTicket(desk);
    await desk.deliver(eml({ from: 'alex@example.com', subject: `[#${ticket.id}]`, body: '#resolve\nFixed.' }));
    desk.clock.advance(8 * 24 * 3600_000);
    const late = await desk.deliver(eml({ from: ANA, subject: 'Re: fixed?', inReplyTo: ack.messageId, body: 'Broken again.' }));
    expect(late.outcome).toBe('created');
    const linked = (await desk.tickets.getTicket(late.ticketId!))!;
    expect(linked.linkedTicketId).toBe(ticket.id);
    expect(lastSent(desk).text).toContain(`follows up ticket ${ticket.id}`);
    expect((await desk.tickets.getTicket(ticket.id))!.status).toBe('resolved');
  });

  it('an answer to a clarification request resumes work (needs_clarification -> in_progress)', async () => {
    const desk = makeDesk();
    const { ticket, ack } = await openTicket(desk);
    await desk.deliver(eml({ from: 'alex@example.com', subject: `[#${ticket.id}]`, body: '#status needs_clarification\nWhich browser?' }));
    expect((await desk.tickets.getTicket(ticket.id))!.sla.pausedAt).not.toBeNull();
    desk.clock.advance(3600_000);
    await desk.deliver(eml({ from: ANA, subject: 'Re', inReplyTo: ack.messageId, body: 'Firefox.' }));
    const after = (await desk.tickets.getTicket(ticket.id))!;
    expect(after.status).toBe('in_progress');
    expect(after.sla.pausedAt).toBeNull();
  });
});

describe('feedback and repeated waits', () => {
  it('a lone digit answering the feedback request rates a closed ticket instead of opening a new one', async () => {
    const desk = makeDesk();
    const { ticket, ack } = await openTicket(desk);
    await desk.deliver(eml({ from: 'alex@example.com', subject: `[#${ticket.id}]`, body: '#status closed\nDone.' }));
    const before = desk.tickets.tickets.size;
    const rated = await desk.deliver(eml({ from: ANA, subject: 'Re: feedback', inReplyTo: ack.messageId, body: '4' }));
    expect(rated).toMatchObject({ outcome: 'appended', ticketId: ticket.id });
    expect(desk.tickets.tickets.size).toBe(before);
    expect((await desk.tickets.getTicket(ticket.id))!.rating).toBe(4);
    const words = await desk.deliver(eml({ from: ANA, subject: 'Re: feedback', inReplyTo: ack.messageId, body: 'It broke again, 4 users affected.' }));
    expect(words.outcome).toBe('created');
  });

  it('a second wait on the customer starts counting reminders from zero', async () => {
    const desk = makeDesk();
    const { ticket, ack } = await openTicket(desk);
    await desk.deliver(eml({ from: 'alex@example.com', subject: `[#${ticket.id}]`, body: '#status needs_clarification\nWhich browser?' }));
    const waiting = (await desk.tickets.getTicket(ticket.id))!;
    desk.tickets.tickets.set(ticket.id, { ...waiting, remindersSent: 2 });
    await desk.deliver(eml({ from: ANA, subject: 'Re', inReplyTo: ack.messageId, body: 'Firefox.' }));
    await desk.deliver(eml({ from: 'alex@example.com', subject: `[#${ticket.id}]`, body: '#status needs_clarification\nWhich version?' }));
    const again = (await desk.tickets.getTicket(ticket.id))!;
    expect(again.status).toBe('needs_clarification');
    expect(again.remindersSent).toBe(0);
  });
});

describe('loop guards', () => {
  it('an out-of-office answer to our ack is stored on the ticket, never acknowledged or relayed', async () => {
    const desk = makeDesk();
    const { ticket, ack } = await openTicket(desk);
    const result = await desk.deliver(eml({ from: ANA, subject: 'Automatic reply: Cannot log in', inReplyTo: ack.messageId, headers: ['Auto-Submitted: auto-replied'], body: 'I am away.' }));
    expect(result).toMatchObject({ outcome: 'appended', ticketId: ticket.id });
    expect(desk.mailer.sent).toHaveLength(1);
    const messages = await desk.tickets.listMessages(ticket.id);
    expect(messages[messages.length - 1].kind).toBe('auto-reply');
  });

  it('mail carrying our loop header, or from our support address, is dropped with a reason', async () => {
    const desk = makeDesk();
    const looped = await desk.deliver(eml({ from: 'robot@customer.example', subject: 'fwd', headers: [`${LOOP_HEADER}: support@example.com`], body: 'x' }));
    expect(looped).toMatchObject({ outcome: 'dropped', reason: expect.stringContaining(LOOP_HEADER) });
    const own = await desk.deliver(eml({ from: 'support+t-x@example.com', subject: 'hello', body: 'x' }));
    expect(own).toMatchObject({ outcome: 'dropped', reason: expect.stringContaining('support address') });
    expect(desk.mailer.sent).toHaveLength(0);
    expect(desk.tickets.tickets.size).toBe(0);
  });

  it('a bounce of our ack attaches to its ticket, marks the recipient, and later mail leaves it out', async () => {
    const desk = makeDesk();
    const { ticket, ack } = await openTicket(desk, { cc: 'bo@customer.example' });
    const bounce = [
      'From: Mail Delivery System <MAILER-DAEMON@mx.customer.example>',
      'To: support@example.com',
      'Subject: Undelivered Mail Returned to Sender',
      'Message-ID: <bounce-1@mx.customer.example>',
      'MIME-Version: 1.0',
      'Content-Type: multipart/report; report-type=delivery-status; boundary="B"',
      '',
      '--B',
      'Content-Type: text/plain',
      '',
      'Your message could not be delivered.',
      '--B',
      'Content-Type: message/delivery-status',
      '',
      'Reporting-MTA: dns; mx.customer.example',
      '',
      'Final-Recipient: rfc822; ana@customer.example',
      'Action: failed',
      'Status: 5.1.1',
      '--B',
      'Content-Type: text/rfc822-headers',
      '',
      `Message-ID: ${ack.messageId}`,
      `Subject: ${ack.subject}`,
      '--B--',
      '',
    ].join('\r\n');
    const result = await desk.deliver(bounce);
    expect(result).toMatchObject({ outcome: 'appended', ticketId: ticket.id });
    expect(desk.mailer.sent).toHaveLength(1);
    const after = (await desk.tickets.getTicket(ticket.id))!;
    expect(after.bouncedRecipients).toEqual(['ana@customer.example']);
    const messages = await desk.tickets.listMessages(ticket.id);
    expect(messages[messages.length - 1]).toMatchObject({ kind: 'bounce', meta: { failedRecipients: ['ana@customer.example'] } });
    await desk.deliver(eml({ from: 'alex@example.com', subject: `[#${ticket.id}]`, body: 'Trying the cc.' }));
    expect(lastSent(desk).to.map((a) => a.address)).toEqual(['bo@customer.example']);
  });

  it('throttles acks per recipient (5 an hour, then 10 a day) and still stores the mail', async () => {
    const desk = makeDesk();
    const results = [];
    for (let i = 0; i < 7; i += 1) results.push(await desk.deliver(eml({ from: ANA, subject: `Issue ${i}`, body: 'x' })));
    expect(results.every((r) => r.outcome === 'created')).toBe(true);
    expect(desk.mailer.sent).toHaveLength(5);
    const sixth = await desk.tickets.listMessages(results[5].ticketId!);
    expect(sixth).toHaveLength(1);
    expect(sixth[0].meta).toMatchObject({ ackThrottled: true });
    desk.clock.advance(3600_000);
    for (let i = 0; i < 7; i += 1) await desk.deliver(eml({ from: ANA, subject: `Later ${i}`, body: 'x' }));
    expect(desk.mailer.sent).toHaveLength(10);
    await desk.deliver(eml({ from: 'other@customer.example', subject: 'Unrelated', body: 'x' }));
    expect(desk.mailer.sent).toHaveLength(11);
  });
});

describe('authorized senders', () => {
  const config = () =>
    testConfig({
      priority: {
        accounts: [
          { id: 'acme', name: 'Acme Corp', domains: ['acme.example'], authorizedSenders: ['boss@acme.example'], primaryContact: 'boss@acme.example' },
        ],
      },
    });

  it('a sender not on the list gets a polite reply naming the primary contact, and no ticket', async () => {
    const desk = makeDesk(config());
    const result = await desk.deliver(eml({ from: 'intern@acme.example', subject: 'Fax down', body: 'help' }));
    expect(result).toMatchObject({ outcome: 'rejected', ticketId: null, reason: expect.stringContaining('not an authorized sender') });
    expect(desk.tickets.tickets.size).toBe(0);
    expect(desk.mailer.sent).toHaveLength(1);
    expect(desk.mailer.sent[0].to[0].address).toBe('intern@acme.example');
    expect(desk.mailer.sent[0].text).toContain('boss@acme.example');
    expect([...desk.ledger.records.values()][0]).toMatchObject({ outcome: 'rejected', state: 'done' });
    const ok = await desk.deliver(eml({ from: 'boss@acme.example', subject: 'Fax down', body: 'help' }));
    expect(ok.outcome).toBe('created');
  });
});

describe('exactly once', () => {
  it('the same message delivered again (other SES id, same Message-ID) is a duplicate', async () => {
    const desk = makeDesk();
    const raw = eml({ from: ANA, subject: 'Once', messageId: '<once@customer.example>', body: 'x' });
    const results = await Promise.all(Array.from({ length: 10 }, () => desk.deliver(raw)));
    expect(results.filter((r) => r.outcome === 'created')).toHaveLength(1);
    expect(desk.tickets.tickets.size).toBe(1);
    expect(desk.mailer.sent).toHaveLength(1);
    expect(desk.timers.pending.size).toBe(1);
  });

  it('without a Message-ID the dedupe key is a hash of sender, date, subject and body', async () => {
    const desk = makeDesk();
    const raw = eml({ from: ANA, subject: 'No id', messageId: null, body: 'x' });
    expect((await desk.deliver(raw)).outcome).toBe('created');
    expect((await desk.deliver(raw)).outcome).toBe('duplicate');
    expect((await desk.deliver(raw.replace('No id', 'No id 2'))).outcome).toBe('created');
  });

  // Each port method that the new-ticket path calls fails once; Lambda retries the event
  // after the lease: the retry must finish with one ticket, one ack, one timer.
  const failing: Array<[string, string]> = [
    ['tickets', 'nextTicketNumber'],
    ['tickets', 'commit'],
    ['tickets', 'getTicket'],
    ['mailer', 'send'],
    ['timers', 'arm'],
    ['rawMail', 'getRaw'],
    ['ledger', 'progress'],
    ['counters', 'incrementIfBelow'],
  ];
  it.each(failing)('a crash in %s.%s is finished by the retry: one ticket, one ack, one timer', async (port, method) => {
    for (let nth = 1; nth <= 6; nth += 1) {
      const desk = makeDesk();
      const raw = eml({ from: ANA, subject: 'Crash test', messageId: '<crash@customer.example>', body: 'x' });
      const input = await desk.inputFor(raw);
      const target = (desk as unknown as Record<string, Record<string, (...a: unknown[]) => Promise<unknown>>>)[port];
      const original = target[method].bind(target);
      let calls = 0;
      target[method] = async (...args: unknown[]) => {
        calls += 1;
        if (calls === nth) throw new Error(`crash in ${port}.${method} #${nth}`);
        return original(...args);
      };
      let crashed = false;
      try {
        await ingestEmail(desk.deps, input);
      } catch {
        crashed = true;
      }
      if (crashed) {
        desk.clock.advance(60_000); // past the lease: Lambda's retry resumes
        const retry = await ingestEmail(desk.deps, input);
        expect(retry.outcome).toBe('created');
      }
      expect(desk.tickets.tickets.size).toBe(1);
      expect(desk.mailer.sent).toHaveLength(1);
      expect(desk.timers.pending.size).toBe(1);
      const ticket = [...desk.tickets.tickets.values()][0];
      expect(ticket.outbox).toEqual([]);
      const messages = await desk.tickets.listMessages(ticket.id);
      expect(messages.map((m) => m.kind).sort()).toEqual(['ack', 'customer']);
      expect((await ingestEmail(desk.deps, input)).outcome).toBe('duplicate');
    }
  });

  it('a crash after an agent reply was applied does not apply it twice nor resend the relay', async () => {
    const desk = makeDesk();
    const { ticket } = await openTicket(desk);
    const input = await desk.inputFor(eml({ from: 'alex@example.com', subject: `[#${ticket.id}]`, messageId: '<agent-1@example.com>', body: '#priority high\nOn it.' }));
    const original = desk.timers.arm.bind(desk.timers);
    let fail = true;
    desk.timers.arm = async (t) => {
      if (fail) {
        fail = false;
        throw new Error('crash in arm');
      }
      return original(t);
    };
    await expect(ingestEmail(desk.deps, input)).rejects.toThrow('crash in arm');
    desk.clock.advance(60_000);
    expect((await ingestEmail(desk.deps, input)).outcome).toBe('appended');
    expect(desk.mailer.sent.filter((m) => m.text.includes('On it.'))).toHaveLength(1);
    const after = (await desk.tickets.getTicket(ticket.id))!;
    expect(after.priority).toBe('high');
    expect(after.outbox).toEqual([]);
    expect(desk.timers.pending.size).toBe(1);
  });
});

describe('a new ticket: the number reserved with the claim, the ack sent only after the commit', () => {
  const ports = (desk: Desk) => ({ tickets: desk.tickets, ledger: desk.ledger, rawMail: desk.rawMail, mailer: desk.mailer, timers: desk.timers, counters: desk.counters });
  const sequence = async (desk: Desk, raw: string, opts: Parameters<Desk['inputFor']>[1] = {}) => {
    const input = await desk.inputFor(raw, opts);
    const recorder = recordCalls(ports(desk));
    try {
      return { result: await ingestEmail(desk.deps, input), calls: recorder.calls.map((c) => `${c.port}.${c.method}`) };
    } finally {
      recorder.stop();
    }
  };

  it('claims with the number, reads the mail, arms, commits the ticket with the ack queued, sends it, records the send: 6 calls', async () => {
    const desk = makeDesk();
    const { result, calls } = await sequence(desk, eml({ from: ANA, subject: 'Printer on fire', messageId: '<fire@customer.example>', body: 'Help.' }));
    expect(calls).toEqual(['tickets.claimNewTicket', 'rawMail.getRaw', 'timers.arm', 'tickets.commit', 'mailer.send', 'tickets.commit']);
    const id = `${desk.deps.config.ticketPrefix}-1`;
    expect(result).toEqual({ outcome: 'created', ticketId: id });
    const ticket = (await desk.tickets.getTicket(id))!;
    const ack = desk.mailer.sent[0];
    expect(ticket).toMatchObject({ number: 1, version: 2, outbox: [], threadIds: ['<fire@customer.example>', ack.messageId] });
    expect(desk.timers.pending.has(ticket.timer!.name)).toBe(true);
    expect((await desk.tickets.listMessages(id)).map((m) => `${m.direction}:${m.kind}:${m.messageId}`)).toEqual([
      'inbound:customer:<fire@customer.example>',
      `outbound:ack:${ack.messageId}`,
    ]);
    const record = [...desk.ledger.records.values()][0];
    expect(record).toMatchObject({ state: 'done', outcome: 'created', ticketId: id });
    expect(record.steps).toEqual(['number:1', 'ticket', 'sent:0']);
    // A reply to the ack threads by its SES id, which the commit indexed.
    const reply = await desk.deliver(eml({ from: ANA, subject: 'Re: the fire', inReplyTo: ack.messageId, body: 'Still burning.' }));
    expect(reply).toMatchObject({ outcome: 'appended', ticketId: id, matchedBy: 'references' });
  });

  it('a copy of it costs the claim alone', async () => {
    const desk = makeDesk();
    const raw = eml({ from: ANA, subject: 'Once', messageId: '<copy@customer.example>', body: 'x' });
    await desk.deliver(raw);
    const { result, calls } = await sequence(desk, raw);
    expect(result.outcome).toBe('duplicate');
    expect(calls).toEqual(['tickets.claimNewTicket']);
  });

  it('mail answering an unknown thread takes the plain claim and its number at the commit; numbers stay consecutive', async () => {
    const desk = makeDesk();
    const first = await sequence(desk, eml({ from: ANA, subject: 'One', body: 'x' }));
    const second = await sequence(desk, eml({ from: 'bo@customer.example', subject: 'Re: two', inReplyTo: '<never-seen@elsewhere.example>', body: 'x' }));
    expect(second.calls).toEqual(expect.arrayContaining(['ledger.begin', 'tickets.nextTicketNumber']));
    expect(second.calls).not.toContain('tickets.claimNewTicket');
    const third = await sequence(desk, eml({ from: ANA, subject: 'Three', body: 'x' }));
    const prefix = desk.deps.config.ticketPrefix;
    expect([first, second, third].map((r) => r.result.ticketId)).toEqual([`${prefix}-1`, `${prefix}-2`, `${prefix}-3`]);
    expect(desk.mailer.sent.map((m) => m.subject)).toEqual([`[#${prefix}-1] One`, `[#${prefix}-2] two`, `[#${prefix}-3] Three`]);
  });

  it('an input without the event hints opens the same ticket the plain way', async () => {
    const desk = makeDesk();
    const { result, calls } = await sequence(desk, eml({ from: ANA, subject: 'No hints', body: 'x' }), { hints: false });
    expect(result.outcome).toBe('created');
    expect(calls).not.toContain('tickets.claimNewTicket');
    expect(calls.filter((c) => c === 'tickets.commit')).toHaveLength(2);
  });

  it('a reserved number the mail did not use goes back (rejected sender): the next ticket gets it', async () => {
    const desk = makeDesk(
      testConfig({ priority: { accounts: [{ id: 'acme', name: 'Acme', domains: ['acme.example'], authorizedSenders: ['boss@acme.example'] }] } }),
    );
    const rejected = await sequence(desk, eml({ from: 'intern@acme.example', subject: 'Fax down', body: 'help' }));
    expect(rejected.result.outcome).toBe('rejected');
    expect(rejected.calls).toContain('tickets.releaseTicketNumber');
    expect(desk.tickets.counter).toBe(0);
    const ok = await desk.deliver(eml({ from: 'boss@acme.example', subject: 'Fax down', body: 'help' }));
    expect(ok.ticketId).toBe(`${desk.deps.config.ticketPrefix}-1`);
  });

  it('the ack throttle is counted with the claim: over the limit the ticket opens without an ack', async () => {
    const desk = makeDesk(testConfig({ ackThrottle: { perHour: 2, perDay: 10 } }));
    for (let i = 0; i < 3; i += 1) await desk.deliver(eml({ from: ANA, subject: `Storm ${i}`, body: 'x' }));
    expect(desk.tickets.tickets.size).toBe(3);
    expect(desk.mailer.sent).toHaveLength(2);
    const third = (await desk.tickets.listMessages(`${desk.deps.config.ticketPrefix}-3`))[0];
    expect(third.meta).toMatchObject({ ackThrottled: true });
    expect([...desk.ledger.records.values()][2].steps).toContain('ack-throttled');
  });
});
