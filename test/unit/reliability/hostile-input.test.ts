import { composeRaw } from '../../../lambdas/adapters/ses-mailer';
import { makeReplyToken, replyAddress } from '../../../lambdas/domain/reply-token';
import { ingestEmail } from '../../../lambdas/use-cases/ingest-email';
import { eml, makeDesk, SECRET, testConfig, type Desk } from '../conversations/support';

/**
 * Issue 7, hostile input, with the in-memory fakes (the SMTP/SES halves are in
 * test/integration/reliability.test.ts). Cases the conversation tests already pin down are
 * not repeated: a stranger using a subject tag (ingest-conversation.test.ts "accepts a subject
 * tag ..."), a token signed with another secret, mail from our own address that is not a reply.
 */

const ANA = 'Ana Perez <ana@customer.example>';

async function open(desk: Desk, extra: Partial<Parameters<typeof eml>[0]> = {}) {
  const result = await desk.deliver(eml({ from: ANA, subject: 'Cannot log in', messageId: `<o${Math.random()}@customer.example>`, body: 'help', ...extra }));
  expect(result.outcome).toBe('created');
  const ticket = (await desk.tickets.getTicket(result.ticketId!))!;
  return { ticket, ack: desk.mailer.sent[desk.mailer.sent.length - 1] };
}

/** Everything about a ticket that a message could change (not the bookkeeping of re-arming). */
const state = (t: NonNullable<Awaited<ReturnType<Desk['tickets']['getTicket']>>>) => ({
  status: t.status, priority: t.priority, assignee: t.assignee, tier: t.tier, participants: t.participants,
  sla: { ...t.sla }, plannedFor: t.plannedFor, rating: t.rating, agents: t.agents ?? [],
});

/** A multipart mail with raw header lines and parts, for what `eml` cannot express. */
function mime(headers: string[], parts: Array<{ headers: string[]; body: string }>): string {
  return [
    ...headers,
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="XX"',
    '',
    ...parts.flatMap((p) => ['--XX', ...p.headers, '', p.body]),
    '--XX--',
    '',
  ].join('\r\n');
}

describe('spoofed agent (deployed config: agents must be authenticated)', () => {
  const deployed = () => testConfig({ trustAgentsWithoutVerdicts: false });

  it.each([
    ['no verdicts at all (GRAY)', {}],
    ['SPF and DKIM FAIL', { spfVerdict: 'FAIL', dkimVerdict: 'FAIL' }],
    ['DKIM PASS but DMARC FAIL', { dkimVerdict: 'PASS', dmarcVerdict: 'FAIL' }],
  ])('"#status closed" from an agent address with %s changes nothing, even threaded by References', async (_label, verdicts) => {
    const desk = makeDesk(deployed());
    const { ticket, ack } = await open(desk);
    const before = state(ticket);
    const mails = desk.mailer.sent.length;
    const result = await desk.deliver(
      eml({ from: 'Alex Agent <alex@example.com>', subject: `Re: [#${ticket.id}] Cannot log in`, inReplyTo: ack.messageId, body: '#status closed\n#assign alex@example.com\nClosing.' }),
      { verdicts },
    );
    const after = (await desk.tickets.getTicket(ticket.id))!;
    expect(state(after)).toEqual(before);
    // Threaded as what it is, a message from an unauthenticated sender: stored, never run or relayed.
    expect(result).toMatchObject({ outcome: 'appended', ticketId: ticket.id });
    const stored = (await desk.tickets.listMessages(ticket.id)).find((m) => m.from?.address === 'alex@example.com')!;
    expect(stored.kind).toBe('customer');
    expect(stored.meta?.commands).toBeUndefined();
    expect(desk.mailer.sent.slice(mails)).toEqual([]);
  });

  it('the same mail with DKIM PASS does close it (the control)', async () => {
    const desk = makeDesk(deployed());
    const { ticket, ack } = await open(desk);
    await desk.deliver(eml({ from: 'alex@example.com', subject: 'Re', inReplyTo: ack.messageId, body: '#status closed\nClosing.' }), { verdicts: { dkimVerdict: 'PASS' } });
    expect((await desk.tickets.getTicket(ticket.id))!.status).toBe('closed');
  });
});

describe('reply tokens that were guessed or tampered with', () => {
  it('thread only when the MAC verifies for that very ticket, on our own domain', async () => {
    const desk = makeDesk();
    const { ticket: a } = await open(desk);
    const { ticket: b } = await open(desk, { subject: 'Other', from: 'Bo <bo@customer.example>' });
    const good = makeReplyToken(SECRET, a.id);
    const mac = good.slice(-12);
    const flip = (c: string) => (c === '0' ? '1' : '0');
    const tampered = [
      ['id swapped, MAC kept', `t-${b.id.toLowerCase()}-${mac}`],
      ['one MAC digit flipped', `${good.slice(0, -1)}${flip(good.slice(-1))}`],
      ['guessed MAC', `t-${b.id.toLowerCase()}-000000000000`],
      ['MAC truncated', good.slice(0, -2)],
      ['MAC of the empty secret', makeReplyToken('', b.id)],
      ['no MAC', `t-${b.id.toLowerCase()}`],
    ];
    for (const [label, token] of tampered) {
      const result = await desk.deliver(eml({ from: 'mallory@evil.example', to: replyAddress('support@example.com', token), subject: `token ${label}`, body: 'let me in' }));
      expect([label, result.outcome, result.ticketId === a.id || result.ticketId === b.id]).toEqual([label, 'created', false]);
    }
    // A valid token on a domain that is not ours is not ours either.
    const foreign = await desk.deliver(eml({ from: 'mallory@evil.example', to: `support+${good}@evil.example`, subject: 'foreign domain', body: 'x' }));
    expect(foreign.ticketId).not.toBe(a.id);
    const messagesOfA = await desk.tickets.listMessages(a.id);
    expect(messagesOfA.some((m) => m.from?.address === 'mallory@evil.example')).toBe(false);
    // The control: the genuine token threads.
    const genuine = await desk.deliver(eml({ from: ANA, to: replyAddress('support@example.com', good), subject: 'genuine', body: 'x' }));
    expect(genuine).toMatchObject({ outcome: 'appended', ticketId: a.id, matchedBy: 'reply-token' });
  });
});

describe('CRLF injection never reaches outbound headers as a new line', () => {
  const b64 = (s: string) => `=?utf-8?B?${Buffer.from(s).toString('base64')}?=`;

  it('in the subject and display names of a new ticket, its ack and an agent relay', async () => {
    const desk = makeDesk();
    const subject = b64('Help\r\nBcc: victim@evil.example\r\nX-Injected: 1');
    const from = `${b64('Ana\r\nBcc: victim2@evil.example')} <ana@customer.example>`;
    const cc = `${b64('Bo\nX-Injected: 2')} <bo@customer.example>`;
    const result = await desk.deliver(eml({ from, cc, subject, body: 'x' }));
    expect(result.outcome).toBe('created');
    await desk.deliver(eml({ from: 'alex@example.com', subject: `[#${result.ticketId}]`, body: 'We are on it.' }));
    expect(desk.mailer.sent).toHaveLength(2);
    for (const mail of desk.mailer.sent) {
      const raw = composeRaw(mail).toString('utf8');
      const head = raw.slice(0, raw.indexOf('\r\n\r\n'));
      const names = head.split('\r\n').filter((l) => !/^[ \t]/.test(l)).map((l) => l.slice(0, l.indexOf(':')).toLowerCase());
      expect(names).not.toContain('bcc');
      expect(names).not.toContain('x-injected');
      expect(head).not.toMatch(/\r\n(?:Bcc|X-Injected):/i);
    }
  });
});

describe('attachment names from strangers', () => {
  it('`../`, NUL, CRLF, backslashes and 1,000 characters become safe keys under tickets/<id>/attachments/', async () => {
    const desk = makeDesk();
    const long = `${'a'.repeat(1000)}.pdf`;
    const names = [
      ['filename="../../../etc/passwd"'],
      [`filename*=utf-8''evil%00name.txt`],
      [`filename*=utf-8''..%2F..%2Fx%0D%0AX-Injected%3A%201.txt`],
      ['filename="..\\\\..\\\\windows\\\\system32\\\\a.dll"'],
      [`filename="${long}"`],
      ['filename=".."'],
    ];
    const raw = mime(
      [`From: ${ANA}`, 'To: support@example.com', 'Subject: files', 'Message-ID: <files@customer.example>'],
      [
        { headers: ['Content-Type: text/plain'], body: 'see attached' },
        ...names.map(([param], i) => ({
          headers: ['Content-Type: application/octet-stream', `Content-Disposition: attachment; ${param}`, 'Content-Transfer-Encoding: base64'],
          body: Buffer.from(`file ${i}`).toString('base64'),
        })),
      ],
    );
    const result = await desk.deliver(raw);
    expect(result.outcome).toBe('created');
    const [inbound] = (await desk.tickets.listMessages(result.ticketId!)).filter((m) => m.direction === 'inbound');
    expect(inbound.attachments).toHaveLength(names.length);
    const prefix = `tickets/${result.ticketId}/attachments/`;
    for (const a of inbound.attachments) {
      const key = a.key!;
      expect(key.startsWith(prefix)).toBe(true);
      const segment = key.slice(prefix.length);
      // eslint-disable-next-line no-control-regex -- a key segment must hold no control character
      expect(segment).not.toMatch(/[/\\\u0000-\u001f\u007f]/);
      expect(segment).not.toMatch(/^\.|\.\./);
      expect(Buffer.byteLength(segment)).toBeLessThanOrEqual(120);
      expect(desk.rawMail.objects.has(key)).toBe(true);
    }
    expect(new Set(inbound.attachments.map((a) => a.key)).size).toBe(names.length);
    expect(inbound.attachments.find((a) => a.key!.endsWith('.pdf'))).toBeDefined();
    // Nothing was written outside the ticket's prefix but the raw mail itself.
    expect([...desk.rawMail.objects.keys()].filter((k) => !k.startsWith('inbound/') && !k.startsWith(prefix))).toEqual([]);
  });
});

describe('HTML with active content', () => {
  it('is stored without script, event handlers or script URLs', async () => {
    const desk = makeDesk();
    const html = [
      '<html><head><script>alert("head")</script><style>body{background:url(javascript:alert(2))}</style></head>',
      '<body onload="alert(3)"><p>Printer <b>on fire</b></p>',
      '<img src=x onerror="alert(4)"><a href="javascript:alert(5)">click</a>',
      '<a href="jav&#x61;script:alert(6)">x</a><svg onload=alert(7)></svg><iframe src="https://evil.example"></iframe>',
      '<SCRIPT SRC=//evil.example/x.js></SCRIPT></body></html>',
    ].join('\n');
    const raw = [
      `From: ${ANA}`, 'To: support@example.com', 'Subject: html', 'Message-ID: <html@customer.example>',
      'MIME-Version: 1.0', 'Content-Type: text/html; charset=utf-8', '', html, '',
    ].join('\r\n');
    const result = await desk.deliver(raw);
    expect(result.outcome).toBe('created');
    const messages = await desk.tickets.listMessages(result.ticketId!);
    const stored = JSON.stringify(messages) + JSON.stringify(await desk.tickets.getTicket(result.ticketId!)) + JSON.stringify(desk.mailer.sent);
    expect(stored).toContain('Printer');
    // Bodies are plain text only: no markup at all, and nothing of the scripts or handlers leaked.
    expect(messages.map((m) => m.text ?? '').join('\n')).not.toMatch(/<[a-z!/]/i);
    expect(stored).not.toMatch(/alert\("head"\)|alert\([2347]\)|evil\.example\/x\.js/);
    // The parser hands on no markup at all, only that there was some.
    const parsed = await desk.deps.parse(Buffer.from(raw));
    expect(parsed.message.hasHtml).toBe(true);
    expect(JSON.stringify(parsed.message)).not.toMatch(/<script|\bon\w+\s*=|<iframe|<svg/i);
  });
});

describe('a mail bomb: 500 mails from one sender within a minute', () => {
  it('stores 500 tickets and sends only the configured number of acks', async () => {
    const desk = makeDesk();
    const t0 = desk.clock.now().getTime();
    const results = [];
    for (let i = 0; i < 500; i += 1) {
      desk.clock.set(new Date(t0 + i * 100)); // inputFor adds 1 s: all within 51 s
      results.push(await ingestEmail(desk.deps, await desk.inputFor(eml({ from: 'bomber@evil.example', subject: `Bomb ${i}`, messageId: `<bomb-${i}@evil.example>`, body: `#${i}` }))));
    }
    expect(desk.clock.now().getTime() - t0).toBeLessThan(60_000);
    expect(results.filter((r) => r.outcome === 'created')).toHaveLength(500);
    expect(desk.tickets.tickets.size).toBe(500);
    expect(desk.mailer.sent).toHaveLength(desk.deps.config.ackThrottle.perHour);
    expect(desk.mailer.sent.every((m) => m.to[0].address === 'bomber@evil.example')).toBe(true);
    const throttled = [...desk.tickets.messages.values()].flat().filter((m) => m.meta?.ackThrottled === true);
    expect(throttled).toHaveLength(500 - desk.deps.config.ackThrottle.perHour);
    expect([...desk.ledger.records.values()].every((r) => r.state === 'done' && r.outcome === 'created')).toBe(true);
    expect(desk.timers.pending.size).toBe(500);
  });
});

describe('1,000 recipients in To/Cc', () => {
  const crowd = (n: number, tag: string) => Array.from({ length: n }, (_, i) => `P${i} <${tag}${i}@crowd.example>`).join(', ');

  it('opens one ticket, acks only the requester, caps participants and never relays to the crowd', async () => {
    const desk = makeDesk();
    const result = await desk.deliver(eml({ from: ANA, to: `support@example.com, ${crowd(500, 'to')}`, cc: crowd(500, 'cc'), subject: 'Everyone', body: 'x' }));
    expect(result.outcome).toBe('created');
    const ticket = (await desk.tickets.getTicket(result.ticketId!))!;
    expect(ticket.participants.length).toBeLessThanOrEqual(20);
    expect(desk.mailer.sent).toHaveLength(1);
    expect(desk.mailer.sent[0].to.map((a) => a.address)).toEqual(['ana@customer.example']);
    expect(desk.mailer.sent[0].cc ?? []).toEqual([]);
    await desk.deliver(eml({ from: 'alex@example.com', subject: `[#${ticket.id}]`, body: 'Answer for all.' }));
    const relay = desk.mailer.sent[1];
    expect(relay.to.length + (relay.cc ?? []).length).toBeLessThanOrEqual(21);
    // A reply carrying another crowd does not grow the ticket past the cap either.
    await desk.deliver(eml({ from: ANA, cc: crowd(1000, 'more'), subject: `Re: [#${ticket.id}]`, body: 'more people' }));
    expect((await desk.tickets.getTicket(ticket.id))!.participants.length).toBeLessThanOrEqual(20);
  });
});

describe('SES verdicts and broken senders', () => {
  it('virus FAIL: quarantined with its reason, no ticket, no ack, raw mail kept', async () => {
    const desk = makeDesk();
    const input = await desk.inputFor(eml({ from: ANA, subject: 'invoice.exe', body: 'open me' }));
    input.verdicts.virusVerdict = 'FAIL';
    const result = await ingestEmail(desk.deps, input);
    expect(result).toMatchObject({ outcome: 'quarantined', ticketId: null, reason: 'virus verdict FAIL' });
    expect(desk.tickets.tickets.size).toBe(0);
    expect(desk.mailer.sent).toHaveLength(0);
    expect(desk.rawMail.objects.has(input.rawKey)).toBe(true);
    expect([...desk.rawMail.objects.keys()]).toEqual([input.rawKey]); // attachments not stored anywhere
    expect([...desk.ledger.records.values()]).toEqual([expect.objectContaining({ state: 'done', outcome: 'quarantined', reason: 'virus verdict FAIL', rawKey: input.rawKey })]);
  });

  it('DMARC FAIL under p=reject: dropped with the reason; under p=none it is a normal ticket', async () => {
    const desk = makeDesk();
    const reject = await desk.inputFor(eml({ from: 'ceo@bank.example', subject: 'Wire now', body: 'x' }));
    reject.verdicts = { ...reject.verdicts, dmarcVerdict: 'FAIL', dmarcPolicy: 'reject' };
    expect(await ingestEmail(desk.deps, reject)).toMatchObject({ outcome: 'dropped', reason: 'DMARC FAIL with policy reject' });
    expect(desk.tickets.tickets.size).toBe(0);
    expect(desk.mailer.sent).toHaveLength(0);
    expect(desk.rawMail.objects.has(reject.rawKey)).toBe(true);
    const none = await desk.inputFor(eml({ from: 'ceo@bank.example', subject: 'Hello', body: 'x' }));
    none.verdicts = { ...none.verdicts, dmarcVerdict: 'FAIL', dmarcPolicy: 'none' };
    expect((await ingestEmail(desk.deps, none)).outcome).toBe('created');
  });

  it('missing From: a recorded outcome, no ack to anyone, raw mail kept', async () => {
    const desk = makeDesk();
    const raw = ['To: support@example.com', 'Subject: who am I', 'Message-ID: <nofrom@x.example>', '', 'no sender', ''].join('\r\n');
    const input = await desk.inputFor(raw);
    const result = await ingestEmail(desk.deps, input);
    expect(['created', 'quarantined', 'dropped']).toContain(result.outcome);
    expect(desk.mailer.sent).toHaveLength(0);
    expect(desk.rawMail.objects.has(input.rawKey)).toBe(true);
    expect([...desk.ledger.records.values()]).toEqual([expect.objectContaining({ state: 'done', outcome: result.outcome })]);
  });
});

describe('a reply to a ticket from its own support address (loop)', () => {
  it.each([
    ['the support address', 'Example Support <support@example.com>'],
    ['its plus-addressed reply token', null],
  ])('from %s is dropped: the ticket and the outbox stay as they were', async (_label, fromOrNull) => {
    const desk = makeDesk();
    const { ticket, ack } = await open(desk);
    const from = fromOrNull ?? replyAddress('support@example.com', makeReplyToken(SECRET, ticket.id));
    const mails = desk.mailer.sent.length;
    const result = await desk.deliver(eml({ from, subject: `Re: [#${ticket.id}] Cannot log in`, inReplyTo: ack.messageId, body: 'echo' }));
    expect(result).toMatchObject({ outcome: 'dropped', reason: expect.stringContaining('loop') });
    expect(desk.mailer.sent).toHaveLength(mails);
    const after = (await desk.tickets.getTicket(ticket.id))!;
    expect(after).toEqual(ticket);
    expect(await desk.tickets.listMessages(ticket.id)).toHaveLength(2);
  });
});
