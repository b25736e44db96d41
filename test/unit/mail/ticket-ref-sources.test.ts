import { parseMessage } from '../../../lambdas/mail/parse-message';

/**
 * Where the parser may find our ticket reference: the subject tag `[#ID]` and a plus-address
 * `support+ID@...` among To/Cc, nothing else (lambdas/domain/ticket-ref.ts). A number that
 * merely appears in a link, an attribute, an attachment, a forwarded message or the body must
 * not thread a mail into someone else's ticket.
 */
const crlf = (s: string): Buffer => Buffer.from(s.replace(/\r?\n/g, '\r\n'), 'utf8');

interface Mail {
  from?: string;
  to?: string;
  cc?: string;
  replyTo?: string;
  subject?: string;
  headers?: string[];
  /** Content-Type and the part below the header block. */
  contentType?: string;
  body?: string;
}

function mail(m: Mail): Buffer {
  return crlf(
    [
      `From: ${m.from ?? 'Ana <ana@customer.example>'}`,
      `To: ${m.to ?? 'Support <support@example.com>'}`,
      ...(m.cc ? [`Cc: ${m.cc}`] : []),
      ...(m.replyTo ? [`Reply-To: ${m.replyTo}`] : []),
      `Subject: ${m.subject ?? 'Printer on fire'}`,
      'Date: Tue, 17 Nov 2026 10:00:00 -0800',
      `Message-ID: <ref-${Math.random().toString(36).slice(2)}@customer.example>`,
      ...(m.headers ?? []),
      'MIME-Version: 1.0',
      `Content-Type: ${m.contentType ?? 'text/plain; charset=utf-8'}`,
      '',
      m.body ?? 'Hello',
      '',
    ].join('\n'),
  );
}

async function refOf(m: Mail): Promise<string | null> {
  const { message } = await parseMessage(mail(m));
  return message.ticketRef;
}

describe('the ticket reference comes from the subject tag and To/Cc plus-addresses', () => {
  it.each<[string, Mail, string]>([
    ['subject tag', { subject: '[#LOCAL-5] Printer on fire' }, 'LOCAL-5'],
    ['subject tag behind reply prefixes', { subject: 'Re: AW: Printer [#LOCAL-5]' }, 'LOCAL-5'],
    ['subject tag inside an encoded word', { subject: '=?UTF-8?Q?Re:_[#LOCAL-5]_Impresora_en_llamas_=F0=9F=94=A5?=' }, 'LOCAL-5'],
    ['plus-address in To', { to: 'Support <support+LOCAL-5@example.com>' }, 'LOCAL-5'],
    ['plus-address among several To', { to: 'bob@customer.example, support+LOCAL-5@example.com' }, 'LOCAL-5'],
    ['plus-address in Cc', { to: 'bob@customer.example', cc: 'Support <support+LOCAL-5@example.com>' }, 'LOCAL-5'],
  ])('%s', async (_name, m, want) => {
    expect(await refOf(m)).toBe(want);
  });

  it('the subject tag wins over a different plus-address', async () => {
    expect(await refOf({ subject: 'Re: [#LOCAL-5] x', to: 'support+LOCAL-9@example.com' })).toBe('LOCAL-5');
  });

  it('a plain message without either has no reference', async () => {
    expect(await refOf({})).toBeNull();
  });
});

describe('other systems’ tags and look-alikes are not ours', () => {
  it.each<[string, string]>([
    ['RT tag', 'Re: [remote-rt #79] Printer on fire'],
    ['OTRS/Znuny tag', 'AW:Installation [Ticket#11392]'],
    ['ServiceNow number', 'Incident INC678439 -- notes'],
    ['Jira key without our brackets', 'LOCAL-5 printer'],
    ['hash without brackets', 'About #LOCAL-5'],
    ['lower-case prefix', '[#local-5] printer'],
    ['number zero', '[#LOCAL-0] printer'],
    ['space inside the tag', '[# LOCAL-5] printer'],
  ])('%s: %j', async (_name, subject) => {
    expect(await refOf({ subject })).toBeNull();
  });
});

describe('never from anywhere else', () => {
  it('HTML attributes: href, title, alt, data-*, and hidden markup', async () => {
    const html = [
      '<html><body>',
      '<p>Please look at <a href="https://x.example/?t=[#LOCAL-5]" title="[#LOCAL-5]">this ticket</a>.</p>',
      '<img alt="[#LOCAL-5]" src="cid:logo">',
      '<div data-ticket="[#LOCAL-5]" style="display:none">hidden</div>',
      '<a href="mailto:support+LOCAL-5@example.com">write to us</a>',
      '<!-- [#LOCAL-5] -->',
      '</body></html>',
    ].join('\n');
    const { message } = await parseMessage(mail({ contentType: 'text/html; charset=utf-8', body: html }));
    expect(message.hasHtml).toBe(true);
    expect(message.ticketRef).toBeNull();
    expect(message.problems).toEqual([]); // parsed cleanly: the null is a decision, not a failure
  });

  it('the body text, visible or quoted, even with a plus-address in it', async () => {
    const body = [
      'Same problem as in [#LOCAL-5], see support+LOCAL-5@example.com.',
      '',
      'On Mon, 16 Nov 2026 at 10:00, Support <support+LOCAL-5@example.com> wrote:',
      '> Subject: [#LOCAL-5] Printer on fire',
    ].join('\n');
    const { message } = await parseMessage(mail({ body }));
    expect(message.text).toContain('[#LOCAL-5]');
    expect(message.ticketRef).toBeNull();
    expect(message.problems).toEqual([]); // parsed cleanly: the null is a decision, not a failure
  });

  it('HTML whose visible text shows the tag (multipart/alternative)', async () => {
    const body = [
      '--alt',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'Your ticket is [#LOCAL-5].',
      '--alt',
      'Content-Type: text/html; charset=utf-8',
      '',
      '<p>Your ticket is <b>[#LOCAL-5]</b>.</p>',
      '--alt--',
    ].join('\n');
    const { message } = await parseMessage(mail({ contentType: 'multipart/alternative; boundary="alt"', body }));
    expect(message.ticketRef).toBeNull();
    expect(message.problems).toEqual([]); // parsed cleanly: the null is a decision, not a failure
  });

  it('an attachment’s name or content', async () => {
    const body = [
      '--mix',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'Log attached.',
      '--mix',
      'Content-Type: text/plain; name="[#LOCAL-5] support+LOCAL-5@example.com.txt"',
      'Content-Disposition: attachment; filename="[#LOCAL-5] support+LOCAL-5@example.com.txt"',
      '',
      'Subject: [#LOCAL-5]',
      'To: support+LOCAL-5@example.com',
      '--mix--',
    ].join('\n');
    const { message, attachments } = await parseMessage(mail({ contentType: 'multipart/mixed; boundary="mix"', body }));
    expect(attachments).toHaveLength(1);
    expect(attachments[0].content.toString('utf8')).toContain('[#LOCAL-5]');
    expect(message.ticketRef).toBeNull();
    expect(message.problems).toEqual([]); // parsed cleanly: the null is a decision, not a failure
  });

  it('a forwarded message attached as message/rfc822, tagged and addressed to the ticket', async () => {
    const body = [
      '--mix',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'Forwarding the old thread.',
      '--mix',
      'Content-Type: message/rfc822',
      'Content-Disposition: attachment; filename="old.eml"',
      '',
      'From: Support <support@example.com>',
      'To: Bob <support+LOCAL-5@example.com>',
      'Cc: support+LOCAL-5@example.com',
      'Subject: [#LOCAL-5] Printer on fire',
      'Message-ID: <old@example.com>',
      '',
      'Old answer.',
      '--mix--',
    ].join('\n');
    const { message } = await parseMessage(mail({ contentType: 'multipart/mixed; boundary="mix"', body }));
    expect(message.ticketRef).toBeNull();
    expect(message.problems).toEqual([]); // parsed cleanly: the null is a decision, not a failure
  });

  it('headers other than Subject, To and Cc', async () => {
    const ref = await refOf({
      from: 'Ana <ana+LOCAL-5@customer.example>',
      replyTo: 'support+LOCAL-5@example.com',
      headers: [
        'Sender: support+LOCAL-5@example.com',
        'Thread-Topic: [#LOCAL-5] Printer on fire',
        'X-Ticket: [#LOCAL-5]',
        'Keywords: [#LOCAL-5]',
        'In-Reply-To: <LOCAL-5@example.com>',
        'References: <[#LOCAL-5]@example.com>',
      ],
    });
    expect(ref).toBeNull();
  });

  it('a display name in To that shows a tag is not a plus-address', async () => {
    expect(await refOf({ to: '"Support [#LOCAL-5]" <support@example.com>' })).toBeNull();
  });
});
