import { classifyBounce, type HeaderLookup } from '../../../lambdas/domain/classify';
import { parseMessage } from '../../../lambdas/mail/parse-message';

/**
 * Class 4 of issue 14: a delivery report is a bounce when any recipient's Action is `failed`,
 * whichever status part and whichever recipient group says so; delayed reports are not bounces.
 */
const none: HeaderLookup = { get: () => undefined, getAll: () => [] };
const REPORT = 'multipart/report; report-type=delivery-status; boundary="r"';

const status = (...recipients: Array<[string, string, string]>): string =>
  [
    'Reporting-MTA: dns; relay.example.net',
    'Arrival-Date: Tue, 17 Nov 2026 10:00:05 -0800',
    ...recipients.map(([rcpt, action, code]) => `\nFinal-Recipient: rfc822; ${rcpt}\nAction: ${action}\nStatus: ${code}`),
  ].join('\n');

const verdict = (...texts: string[]) =>
  classifyBounce({
    headers: none,
    from: 'mailer-daemon@relay.example.net',
    subject: 'Delivery Status Notification',
    contentType: REPORT,
    parts: texts.map((text) => ({ contentType: 'message/delivery-status', text })),
  });

describe('delivery reports with several status parts or recipients', () => {
  it('a failed recipient in the second status part makes a bounce', () => {
    const v = verdict(status(['ana@customer.example', 'delayed', '4.4.7']), status(['ana@customer.example', 'failed', '5.4.7']));
    expect(v).toMatchObject({ bounce: true, report: false, failedRecipients: ['ana@customer.example'] });
  });

  it('a failed recipient in the first part and a delayed one in the next is still a bounce', () => {
    const v = verdict(status(['bob@customer.example', 'failed', '5.1.1']), status(['cy@customer.example', 'delayed', '4.4.1']));
    expect(v).toMatchObject({ bounce: true, failedRecipients: ['bob@customer.example'] });
  });

  it('one part, several recipients: only the failed ones are named', () => {
    const v = verdict(
      status(['ok@customer.example', 'delivered', '2.0.0'], ['gone@customer.example', 'failed', '5.1.1'], ['slow@customer.example', 'delayed', '4.2.2']),
    );
    expect(v).toMatchObject({ bounce: true, failedRecipients: ['gone@customer.example'] });
  });

  it('Action values are read case-insensitively, with comments and angle-bracketed recipients', () => {
    const text = 'Reporting-MTA: dns; mx.example.org\n\nFinal-Recipient: RFC822; <Dee@Customer.Example>\nAction: Failed (permanent)\nStatus: 5.2.2';
    expect(verdict(text)).toMatchObject({ bounce: true, failedRecipients: ['dee@customer.example'] });
  });

  it('only delayed recipients, in several parts: a report, not a bounce', () => {
    const v = verdict(status(['ana@customer.example', 'delayed', '4.4.1']), status(['bob@customer.example', 'Delayed', '4.7.0']));
    expect(v).toEqual({ bounce: false, report: true, bouncedMessageId: null, failedRecipients: [] });
  });

  it('relayed and expanded recipients are not bounces either', () => {
    const v = verdict(status(['ana@customer.example', 'relayed', '2.0.0'], ['list@customer.example', 'expanded', '2.0.0']));
    expect(v.bounce).toBe(false);
  });
});

describe('a whole report message with two status parts', () => {
  const raw = (secondAction: string): Buffer =>
    Buffer.from(
      [
        'From: Mail Delivery Subsystem <mailer-daemon@relay.example.net>',
        'To: support@example.com',
        'Subject: Delivery Status Notification',
        'Message-ID: <dsn-2@relay.example.net>',
        'Auto-Submitted: auto-replied',
        'MIME-Version: 1.0',
        `Content-Type: ${REPORT}`,
        '',
        '--r',
        'Content-Type: text/plain; charset=us-ascii',
        '',
        'Your message could not be delivered to every recipient.',
        '--r',
        'Content-Type: message/delivery-status',
        '',
        status(['ana@customer.example', 'delayed', '4.4.7']),
        '',
        '--r',
        'Content-Type: message/delivery-status',
        '',
        status(['bob@customer.example', secondAction, secondAction === 'failed' ? '5.1.1' : '4.4.7']),
        '',
        '--r',
        'Content-Type: text/rfc822-headers',
        '',
        'From: support@example.com',
        'Message-ID: <ack-1@example.com>',
        'Subject: [#LOCAL-1] Printer',
        '',
        '--r--',
        '',
      ].join('\r\n'),
    );

  it('bounces when the second status part fails, and names the returned message', async () => {
    const { message } = await parseMessage(raw('failed'));
    expect(message.bounce).toBe(true);
    expect(message.failedRecipients).toEqual(['bob@customer.example']);
    expect(message.bouncedMessageId).toBe('<ack-1@example.com>');
  });

  it('is only a report (no bounce, still no acknowledgement) when both parts say delayed', async () => {
    const { message } = await parseMessage(raw('delayed'));
    expect(message.bounce).toBe(false);
    expect(message.autoReply).toBe(true);
  });
});
