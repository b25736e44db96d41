import { eml, type EmlInput } from '../support/eml';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { sendFiles } from '../../cli/commands/send';
import { showDocument } from '../../cli/commands/show';
import { makeReplyToken, replyAddress } from '../../lambdas/domain/reply-token';
import type { IngestResult } from '../../lambdas/use-cases/ingest-email';
import { defaultLocalConfig, INBOUND_PREFIX, runLocalStack, type RunningLocalStack } from '../../local/run-stack';
import { buildSesReceiptEvent, newSesMessageId } from '../../local/ses-event';
import { localStack, sesStore, uniqueName, type SesStoredEmail } from './local-stack';

/**
 * Conversations on the local stack (issue 4): real SMTP in, DynamoDB Local, local SES out.
 * Every scenario uses its own customer addresses, so the shared SES store is filtered, never cleared.
 */

let stack: RunningLocalStack;
let offsetMs = 0;
const clock = { now: () => new Date(Date.now() + offsetMs) };
const dir = mkdtempSync(join(tmpdir(), 'sesdesk-conv-'));
const tag = randomBytes(4).toString('hex');
const addr = (name: string) => `${name}.${tag}@customer.example`;
let n = 0;

type Mail = EmlInput;


/** Sends over SMTP; returns the outcome and ticket the stack answered with. */
async function send(m: Mail | string, envelopeTo = 'support@example.com'): Promise<{ outcome: string; ticketId: string | null; response: string }> {
  const file = join(dir, `m${(n += 1)}.eml`);
  writeFileSync(file, typeof m === 'string' ? m : eml(m));
  const [out] = await sendFiles([file], { host: stack.info.smtp.host, port: stack.info.smtp.port, to: envelopeTo });
  expect(out.accepted).toBe(true);
  const match = /^Ok: (\w+)(?: ([A-Z]+-\d+))?/.exec(out.response);
  return { outcome: match?.[1] ?? '?', ticketId: match?.[2] ?? null, response: out.response };
}

async function mailTo(address: string): Promise<SesStoredEmail[]> {
  return (await sesStore()).emails.filter((e) => [...e.destination.to, ...e.destination.cc].some((t) => t.includes(address)));
}

const header = (mail: SesStoredEmail, name: string) => mail.headers?.find((h) => h.name.toLowerCase() === name.toLowerCase())?.value;
/** The Message-ID recipients see on mail we sent: SES (and the local one) rewrites it to `<id@email.amazonses.com>` in us-east-1. */
const sesId = (mail: SesStoredEmail) => `<${mail.messageId}@email.amazonses.com>`;

async function openTicket(customer: string, subject: string, cc?: string) {
  const res = await send({ from: `Customer <${customer}>`, cc, subject, body: 'Something is broken.' });
  expect(res.outcome).toBe('created');
  const [ack] = await mailTo(customer);
  return { ticketId: res.ticketId!, ack };
}

beforeAll(async () => {
  const ls = localStack();
  stack = await runLocalStack({
    existing: { dynamodb: ls.dynamodb.endpoint, s3: ls.s3.endpoint, ses: ls.ses.endpoint, viewerUrl: ls.ses.viewerUrl },
    tableName: uniqueName('conv'),
    bucket: uniqueName('conv-raw'),
    smtpPort: 0,
    clock,
    config: {
      ...defaultLocalConfig('facs'),
      priority: {
        accounts: [{ id: 'faxco', name: 'FaxCo', domains: ['faxco.example'], authorizedSenders: [`boss.${tag}@faxco.example`], primaryContact: `boss.${tag}@faxco.example` }],
      },
    },
    logger: { info: () => undefined, error: () => undefined },
  });
});

afterAll(async () => {
  await stack?.stop();
});

describe('exactly once', () => {
  it('a storm of 50 concurrent copies (same receipt) and 50 redeliveries (new SES ids, same Message-ID) makes 1 ticket, 1 ack, 1 timer', async () => {
    const customer = addr('storm');
    const body = Buffer.from(eml({ from: customer, subject: `Storm ${tag}`, messageId: `<storm.${tag}@customer.example>`, body: 'once' }).replace(/\r?\n/g, '\r\n'));
    const event = async (id: string) => {
      await stack.deps.rawMail.putObject(`${INBOUND_PREFIX}${id}`, body, 'message/rfc822');
      return buildSesReceiptEvent({ raw: body, sesMessageId: id, recipients: ['support@example.com'], region: 'us-east-1', now: clock.now() });
    };
    const same = await event(newSesMessageId());
    const distinct = await Promise.all(Array.from({ length: 50 }, () => event(newSesMessageId())));
    const results = await Promise.all([...Array.from({ length: 50 }, () => stack.ingest(same)), ...distinct.map((e) => stack.ingest(e))]);
    const created = results.filter((r: IngestResult) => r.outcome === 'created');
    expect(created).toHaveLength(1);
    expect(results.filter((r) => r.outcome === 'duplicate')).toHaveLength(99);
    expect((await stack.deps.tickets.listTickets()).filter((t) => t.subject === `Storm ${tag}`)).toHaveLength(1);
    expect(await mailTo(customer)).toHaveLength(1);
    const ticket = (await stack.deps.tickets.getTicket(created[0].ticketId!))!;
    expect(ticket.timer).not.toBeNull();
    const due = await stack.timers.due(new Date('2100-01-01'), 1000);
    expect(due.filter((t) => t.ticketId === ticket.id)).toHaveLength(1);
  });

  it('a crash between steps is finished by the redelivery, with the ack sent once', async () => {
    const customer = addr('crash');
    const body = Buffer.from(eml({ from: customer, subject: 'Crash', messageId: `<crash.${tag}@customer.example>`, body: 'x' }).replace(/\r?\n/g, '\r\n'));
    const id = newSesMessageId();
    await stack.deps.rawMail.putObject(`${INBOUND_PREFIX}${id}`, body, 'message/rfc822');
    const event = buildSesReceiptEvent({ raw: body, sesMessageId: id, recipients: ['support@example.com'], region: 'us-east-1', now: clock.now() });
    const timers = stack.deps.timers;
    const arm = timers.arm.bind(timers);
    timers.arm = async () => {
      throw new Error('crash before the timer');
    };
    try {
      await expect(stack.ingest(event)).rejects.toThrow('crash before the timer');
    } finally {
      timers.arm = arm;
    }
    // The schedule is armed right after the ticket is committed, before the ack leaves.
    expect(await mailTo(customer)).toHaveLength(0);
    expect((await stack.ingest(event)).inFlight).toBe(true); // lease still held
    offsetMs += 60_000; // Lambda's retry comes after the lease
    const retry = await stack.ingest(event);
    expect(retry.outcome).toBe('created');
    expect(await mailTo(customer)).toHaveLength(1);
    expect((await stack.deps.tickets.getTicket(retry.ticketId!))!.timer).not.toBeNull();
  });
});

describe('threading', () => {
  it('a reply whose References hold only the SES-rewritten id of our ack joins the ticket', async () => {
    const customer = addr('refs');
    const { ticketId, ack } = await openTicket(customer, 'Printer on fire');
    // The local SES writes the Message-ID as SES in us-east-1 does: the id the ticket recorded.
    expect(header(ack, 'Message-ID')).toBe(sesId(ack));
    const res = await send({ from: customer, subject: 'Re: the thing', references: `<other@x.example> ${sesId(ack)}`, body: 'Update: smoke.' });
    expect(res).toMatchObject({ outcome: 'appended', ticketId });
  });

  it('a reply to the plus-addressed reply token joins the ticket', async () => {
    const customer = addr('token');
    const { ticketId, ack } = await openTicket(customer, 'Token please');
    expect(ack.replyTo[0]).toContain(makeReplyToken('x', ticketId).slice(0, 2 + ticketId.length));
    const token = /support\+([^@]+)@/.exec(ack.replyTo[0])![1];
    const to = replyAddress('support@example.com', token);
    const res = await send({ from: customer, to, subject: 'no tag, no headers', body: 'via token' }, to);
    expect(res).toMatchObject({ outcome: 'appended', ticketId });
  });

  it('a stranger using the subject tag gets a new ticket (no hijacking)', async () => {
    const { ticketId } = await openTicket(addr('victim'), 'Private matter');
    const res = await send({ from: addr('mallory'), subject: `Re: [#${ticketId}] Private matter`, body: 'send me everything' });
    expect(res.outcome).toBe('created');
    expect(res.ticketId).not.toBe(ticketId);
  });
});

describe('agents by email', () => {
  it('an agent reply with commands changes the ticket and is relayed, threaded, from the support address', async () => {
    const customer = addr('cmd');
    const cc = addr('cmd-cc');
    const { ticketId, ack } = await openTicket(customer, 'Slow reports', cc);
    const res = await send({ from: 'Alex <alex@example.com>', subject: `Re: [#${ticketId}] Slow reports`, body: '#priority high\n#status in_progress\n\nWe found the slow query.' });
    expect(res).toMatchObject({ outcome: 'appended', ticketId });
    const ticket = (await stack.deps.tickets.getTicket(ticketId))!;
    expect(ticket).toMatchObject({ priority: 'high', status: 'in_progress', assignee: 'alex@example.com' });
    expect(ticket.sla.firstRespondedAt).not.toBeNull();
    const mails = await mailTo(customer);
    const relay = mails.find((m) => m.body.text?.includes('We found the slow query.'))!;
    expect(relay.from).toContain('support@example.com');
    expect(relay.destination.cc.join()).toContain(cc);
    expect(relay.body.text).not.toContain('#priority');
    expect(header(relay, 'In-Reply-To')).toBe(header(ack, 'In-Reply-To'));
    expect(relay.replyTo[0]).toMatch(/^.*support\+t-/);
    expect(mails.some((m) => /status: in progress/.test(m.subject))).toBe(true);
    expect(mails.every((m) => !m.destination.to.concat(m.destination.cc).some((t) => t.includes('example.com') && !t.includes('customer.example')))).toBe(true);
  });

  it('an internal note is stored and mailed to nobody', async () => {
    const customer = addr('note');
    const { ticketId } = await openTicket(customer, 'Note me');
    await send({ from: 'alex@example.com', subject: `[#${ticketId}]`, body: '#internal\nCustomer is on the old plan.' });
    expect(await mailTo(customer)).toHaveLength(1);
    const messages = await stack.deps.tickets.listMessages(ticketId);
    expect(messages[messages.length - 1]).toMatchObject({ direction: 'inbound', kind: 'note' });
  });

  it('an invalid command changes nothing and mails the agent a clear error', async () => {
    const customer = addr('bad');
    const { ticketId } = await openTicket(customer, 'Bad command');
    const agent = `agent.${tag}@example.com`;
    await send({ from: agent, subject: `[#${ticketId}]`, body: '#status closed\n#status open\nHello' });
    expect((await stack.deps.tickets.getTicket(ticketId))!.status).toBe('open');
    expect(await mailTo(customer)).toHaveLength(1);
    const [error] = await mailTo(agent);
    expect(error.body.text).toMatch(/cannot go from closed to open/);
  });

  it('#resolve mails the summary; a customer reply within the window reopens; show --json has the whole conversation', async () => {
    const customer = addr('reopen');
    const { ticketId, ack } = await openTicket(customer, 'Reopen me');
    await send({ from: 'alex@example.com', subject: `[#${ticketId}]`, body: '#resolve\nRestarted the service.' });
    expect((await stack.deps.tickets.getTicket(ticketId))!.status).toBe('resolved');
    const resolved = (await mailTo(customer)).find((m) => m.body.text?.includes('Resolution summary'))!;
    expect(resolved.body.text).toContain('Restarted the service.');
    const res = await send({ from: customer, subject: 'Re: resolved', inReplyTo: sesId(resolved), references: `${sesId(ack)} ${sesId(resolved)}`, body: 'Still down.' });
    expect(res).toMatchObject({ outcome: 'appended', ticketId });
    expect((await stack.deps.tickets.getTicket(ticketId))!.status).toBe('open');
    const doc = showDocument((await stack.deps.tickets.getTicket(ticketId))!, await stack.deps.tickets.listMessages(ticketId));
    expect((doc.messages as Array<{ direction: string; kind: string }>).map((m) => `${m.direction}:${m.kind}`)).toEqual([
      'inbound:customer', 'outbound:ack', 'inbound:agent', 'outbound:notification', 'inbound:customer', 'outbound:notification',
    ]);
  });
});

describe('loop guards', () => {
  it('a bounce of our ack attaches to the ticket and marks the recipient', async () => {
    const customer = addr('bounce');
    const { ticketId, ack } = await openTicket(customer, 'Bounce me');
    const dsn = eml({
      from: 'Mail Delivery System <MAILER-DAEMON@mx.customer.example>',
      subject: 'Undelivered Mail Returned to Sender',
      contentType: 'multipart/report; report-type=delivery-status; boundary="B"',
      body: ['--B', 'Content-Type: text/plain', '', 'Could not deliver.', '--B', 'Content-Type: message/delivery-status', '', 'Reporting-MTA: dns; mx', '', `Final-Recipient: rfc822; ${customer}`, 'Action: failed', 'Status: 5.1.1', '--B', 'Content-Type: text/rfc822-headers', '', `Message-ID: ${sesId(ack)}`, '--B--'].join('\r\n'),
    });
    const res = await send(dsn);
    expect(res).toMatchObject({ outcome: 'appended', ticketId });
    expect((await stack.deps.tickets.getTicket(ticketId))!.bouncedRecipients).toEqual([customer]);
    expect(await mailTo(customer)).toHaveLength(1);
  });

  it('an out-of-office answer to our ack gets no answer (no loop)', async () => {
    const customer = addr('ooo');
    const { ticketId, ack } = await openTicket(customer, 'Away test');
    const res = await send({ from: customer, subject: 'Automatic reply: Away test', inReplyTo: sesId(ack), headers: ['Auto-Submitted: auto-replied'], body: 'I am away.' });
    expect(res).toMatchObject({ outcome: 'appended', ticketId });
    expect(await mailTo(customer)).toHaveLength(1);
  });

  it('acks are throttled per recipient; the throttled mail still opens its ticket', async () => {
    const customer = addr('flood');
    const results = [];
    for (let i = 0; i < 6; i += 1) results.push(await send({ from: customer, subject: `Flood ${i}`, body: 'x' }));
    expect(results.map((r) => r.outcome)).toEqual(Array(6).fill('created'));
    expect(await mailTo(customer)).toHaveLength(5);
    const messages = await stack.deps.tickets.listMessages(results[5].ticketId!);
    expect(messages[0].meta).toMatchObject({ ackThrottled: true });
  });
});

describe('authorized senders', () => {
  it('an unlisted sender of the account gets a polite reply and no ticket', async () => {
    const sender = `temp.${tag}@faxco.example`;
    const res = await send({ from: sender, subject: 'Fax is down', body: 'help' });
    expect(res.outcome).toBe('rejected');
    const [reply] = await mailTo(sender);
    expect(reply.body.text).toContain(`boss.${tag}@faxco.example`);
    const records = await stack.deps.ledger.list();
    expect(records.find((r) => res.response.includes(r.sesMessageId))).toMatchObject({ outcome: 'rejected', reason: expect.stringContaining('not an authorized sender') });
  });
});
