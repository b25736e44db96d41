import { mockClient } from 'aws-sdk-client-mock';
import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { SesMailer } from '../../../lambdas/adapters/ses-mailer';
import { sesMessageId, sesMessageIdAlias, sesMessageIdDomain } from '../../../lambdas/domain/ses-message-id';
import { threadIdCandidates } from '../../../lambdas/domain/threading';
import { eml, makeDesk } from './support';
import { withMessageId } from '../../../local/ses-recorder';

/**
 * Issue 14 point 7: SES replaces the Message-ID of mail it sends with `<ID@email.amazonses.com>`
 * in us-east-1 and `<ID@REGION.amazonses.com>` elsewhere. The id recorded for an ack must be the
 * one a customer's reply quotes and a bounce returns, in every region.
 */
describe('the Message-ID SES writes', () => {
  it.each([
    ['us-east-1', 'email.amazonses.com'],
    ['US-EAST-1', 'email.amazonses.com'],
    ['eu-west-1', 'eu-west-1.amazonses.com'],
    ['us-west-2', 'us-west-2.amazonses.com'],
    ['ap-southeast-2', 'ap-southeast-2.amazonses.com'],
  ])('%s -> %s', (region, domain) => {
    expect(sesMessageIdDomain(region)).toBe(domain);
    expect(sesMessageId('0100018e-abc', region)).toBe(`<0100018e-abc@${domain}>`);
  });

  it('aliases only the two spellings of a us-east-1 id', () => {
    expect(sesMessageIdAlias('<0100abc@email.amazonses.com>')).toBe('<0100abc@us-east-1.amazonses.com>');
    expect(sesMessageIdAlias('<0100abc@us-east-1.amazonses.com>')).toBe('<0100abc@email.amazonses.com>');
    expect(sesMessageIdAlias('<0100abc@eu-west-1.amazonses.com>')).toBeNull();
    expect(sesMessageIdAlias('<0100abc@email.amazonses.com.evil.example>')).toBeNull();
    expect(sesMessageIdAlias('<abc@example.com>')).toBeNull();
  });

  it('thread candidates: the bounce id first, each us-east-1 id followed by its old spelling', () => {
    expect(threadIdCandidates({ inReplyTo: '<a@email.amazonses.com>', references: ['<r@x.example>', '<a@email.amazonses.com>'] }, '<b@eu-west-1.amazonses.com>')).toEqual([
      '<b@eu-west-1.amazonses.com>',
      '<a@email.amazonses.com>',
      '<a@us-east-1.amazonses.com>',
      '<r@x.example>',
    ]);
  });
});

describe('threading on the id SES returns, per region', () => {
  const ANA = 'Ana Perez <ana@customer.example>';

  /** A desk whose mailer is the real SesMailer on an SES client that answers `returns`. */
  function deskIn(region: string, returns: string) {
    const client = new SESv2Client({ region, credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
    const ses = mockClient(client);
    ses.on(SendEmailCommand).resolves({ MessageId: returns });
    const desk = makeDesk();
    desk.deps.mailer = new SesMailer({ client, region });
    return { desk, ses };
  }

  const bounceOf = (id: string) =>
    eml({
      from: 'Mail Delivery System <MAILER-DAEMON@mx.customer.example>',
      subject: 'Undelivered Mail Returned to Sender',
      headers: ['Auto-Submitted: auto-replied', 'Return-Path: <>'],
      contentType: 'multipart/report; report-type=delivery-status; boundary="b"',
      body: [
        '--b', 'Content-Type: text/plain', '', 'Your message could not be delivered.',
        '--b', 'Content-Type: message/delivery-status', '', 'Reporting-MTA: dns; mx.customer.example', '',
        'Final-Recipient: rfc822; ana@customer.example', 'Action: failed', 'Status: 5.1.1', '',
        '--b', 'Content-Type: text/rfc822-headers', '', 'From: support@example.com', `Message-ID: ${id}`, 'Subject: Cannot log in', '',
        '--b--',
      ].join('\r\n'),
    });

  it.each([
    ['us-east-1', '0100018e1f2a3b4c-5d6e7f80-1234-4abc-9def-0123456789ab-000000', 'email.amazonses.com'],
    ['eu-west-1', '0102018e1f2a3b4c-5d6e7f80-1234-4abc-9def-0123456789ab-000000', 'eu-west-1.amazonses.com'],
    // What the local SES emulator (aws-ses-v2-local) returns; the local stack plays us-east-1.
    ['us-east-1', 'ses-123456789', 'email.amazonses.com'],
  ])('%s, SES returns %s: the ack is recorded as <id@%s>, and a reply and a bounce quoting only it find the ticket', async (region, returned, domain) => {
    const { desk, ses } = deskIn(region, returned);
    const opened = await desk.deliver(eml({ from: ANA, subject: 'Cannot log in', body: 'It says invalid session.' }));
    expect(opened.outcome).toBe('created');
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(1);
    const ackId = `<${returned}@${domain}>`;
    expect((await desk.tickets.getTicket(opened.ticketId!))!.threadIds).toContain(ackId);

    const reply = await desk.deliver(eml({ from: ANA, subject: 'Re: something else', inReplyTo: ackId, references: ackId, body: 'Still broken.' }));
    expect(reply).toMatchObject({ outcome: 'appended', ticketId: opened.ticketId });

    const bounce = await desk.deliver(bounceOf(ackId));
    expect(bounce.ticketId).toBe(opened.ticketId);
    const kinds = (await desk.tickets.listMessages(opened.ticketId!)).map((m) => m.kind);
    expect(kinds).toContain('bounce');
  });

  it('us-east-1: a reply quoting the real id still finds a ticket recorded with the old <id@us-east-1.amazonses.com>', async () => {
    const { desk } = deskIn('us-east-1', 'unused-id');
    const opened = await desk.deliver(eml({ from: ANA, subject: 'Old ticket', body: 'first' }));
    await desk.tickets.indexMessageIds(opened.ticketId!, ['<0100old@us-east-1.amazonses.com>']);
    const reply = await desk.deliver(eml({ from: ANA, subject: 'Re: x', inReplyTo: '<0100old@email.amazonses.com>', body: 'second' }));
    expect(reply).toMatchObject({ outcome: 'appended', ticketId: opened.ticketId });
  });
});

describe('the local SES writes the Message-ID as SES does (withMessageId)', () => {
  it('replaces a folded Message-ID field and leaves the rest byte for byte', () => {
    const raw = Buffer.from('From: a@example.com\r\nMessage-ID:\r\n <composed@example.com>\r\nSubject: x\r\n\r\nMessage-ID: <in-body@example.com>\r\n', 'latin1');
    expect(withMessageId(raw, '<ses-1@email.amazonses.com>').toString('latin1')).toBe(
      'From: a@example.com\r\nMessage-ID: <ses-1@email.amazonses.com>\r\nSubject: x\r\n\r\nMessage-ID: <in-body@example.com>\r\n',
    );
  });

  it('adds one when the message has none', () => {
    const raw = Buffer.from('From: a@example.com\nSubject: x\n\nbody\n');
    expect(withMessageId(raw, '<ses-2@email.amazonses.com>').toString()).toBe('Message-ID: <ses-2@email.amazonses.com>\nFrom: a@example.com\nSubject: x\n\nbody\n');
  });
});
