import 'aws-sdk-client-mock-jest';
import { mockClient } from 'aws-sdk-client-mock';
import {
  AccountSuspendedException,
  MessageRejected,
  SendEmailCommand,
  SESv2Client,
  TooManyRequestsException,
} from '@aws-sdk/client-sesv2';
import { simpleParser } from 'mailparser';
import { composeRaw, SesMailer } from '../../../lambdas/adapters/ses-mailer';
import { InvalidInputError, TransientError } from '../../../lambdas/domain/errors';
import type { OutboundMail } from '../../../lambdas/domain/ports';

const client = new SESv2Client({ region: 'eu-west-1' });
const ses = mockClient(client);
const mailer = (configurationSetName?: string) =>
  new SesMailer({ client, region: 'eu-west-1', ...(configurationSetName ? { configurationSetName } : {}) });

const mail = (overrides: Partial<OutboundMail> = {}): OutboundMail => ({
  from: { name: 'ACME Support', address: 'support@desk.example' },
  to: [{ name: 'Zoë Müller', address: 'zoe@example.com' }],
  cc: [{ name: '', address: 'cc@example.com' }],
  replyTo: [{ name: 'ACME Support', address: 'support+tok123@desk.example' }],
  subject: 'Re: Drucker brennt [#EUW1-7]',
  text: 'Hallo Zoë,\n\nwir kümmern uns.\n',
  inReplyTo: '<root@example.com>',
  references: ['<root@example.com>', '<0100abc@eu-west-1.amazonses.com>'],
  headers: { 'Auto-Submitted': 'auto-replied', 'X-Sesdesk-Loop': 'EUW1' },
  ...overrides,
});

function rawOf(call: number): Buffer {
  const data = ses.commandCalls(SendEmailCommand)[call].args[0].input.Content?.Raw?.Data;
  return Buffer.from(data as Uint8Array);
}

beforeEach(() => ses.reset());

it('sends raw MIME and answers the id SES will put in Message-ID', async () => {
  ses.on(SendEmailCommand).resolves({ MessageId: '0102018e-abc' });

  await expect(mailer('sesdesk').send(mail())).resolves.toEqual({
    sesMessageId: '0102018e-abc',
    messageId: '<0102018e-abc@eu-west-1.amazonses.com>',
  });
  expect(ses).toHaveReceivedCommandWith(SendEmailCommand, {
    FromEmailAddress: 'support@desk.example',
    Destination: { ToAddresses: ['zoe@example.com'], CcAddresses: ['cc@example.com'] },
    ConfigurationSetName: 'sesdesk',
  });

  const parsed = await simpleParser(rawOf(0));
  expect(parsed.subject).toBe('Re: Drucker brennt [#EUW1-7]');
  expect(parsed.text).toBe('Hallo Zoë,\n\nwir kümmern uns.\n');
  expect(parsed.inReplyTo).toBe('<root@example.com>');
  expect(parsed.references).toEqual(['<root@example.com>', '<0100abc@eu-west-1.amazonses.com>']);
  expect(parsed.headers.get('auto-submitted')).toBe('auto-replied');
  expect(parsed.headers.get('x-sesdesk-loop')).toBe('EUW1');
  expect(parsed.from?.value).toEqual([{ name: 'ACME Support', address: 'support@desk.example' }]);
  expect(parsed.replyTo?.value).toEqual([{ name: 'ACME Support', address: 'support+tok123@desk.example' }]);
  const to = Array.isArray(parsed.to) ? parsed.to[0] : parsed.to;
  expect(to?.value).toEqual([{ name: 'Zoë Müller', address: 'zoe@example.com' }]);
});

it('in us-east-1 answers <id@email.amazonses.com>, the form SES writes there', async () => {
  const east = new SESv2Client({ region: 'us-east-1' });
  mockClient(east).on(SendEmailCommand).resolves({ MessageId: '0100018e-abc' });
  await expect(new SesMailer({ client: east, region: 'us-east-1' }).send(mail())).resolves.toEqual({
    sesMessageId: '0100018e-abc',
    messageId: '<0100018e-abc@email.amazonses.com>',
  });
});

it('leaves out the configuration set and cc when not given', async () => {
  ses.on(SendEmailCommand).resolves({ MessageId: 'id-1' });
  await mailer().send(mail({ cc: [], inReplyTo: null, references: [] }));

  const input = ses.commandCalls(SendEmailCommand)[0].args[0].input;
  expect(input.ConfigurationSetName).toBeUndefined();
  expect(input.Destination).toEqual({ ToAddresses: ['zoe@example.com'] });
  const raw = rawOf(0).toString('utf8');
  expect(raw).not.toMatch(/^In-Reply-To:/im);
  expect(raw).not.toMatch(/^Cc:/im);
});

describe('header injection', () => {
  const evil = mail({
    subject: 'Hello\r\nBcc: victim@evil.example',
    from: { name: 'Support\nBcc: a@evil.example', address: 'support@desk.example' },
    to: [{ name: 'Zoe\r\n\r\nInjected body', address: 'zoe@example.com' }],
    inReplyTo: '<root@example.com>\r\nX-Evil: 1',
    references: ['<a@example.com>\nX-Evil: 2'],
    headers: { 'X-Sesdesk-Loop': 'EUW1\r\nBcc: b@evil.example' },
  });

  it('folds CR/LF to spaces in every header-bound value before composing', () => {
    const head = composeRaw(evil).toString('utf8').split('\r\n\r\n')[0];
    const unfolded = head.replace(/\r\n[ \t]/g, ' ');
    expect(unfolded).toMatch(/^Subject: Hello Bcc: victim@evil\.example$/m);
    expect(unfolded).toMatch(/^From: "Support Bcc: a@evil\.example" <support@desk\.example>$/m);
    expect(unfolded).toMatch(/^To: Zoe Injected body <zoe@example\.com>$/m);
    expect(unfolded).toMatch(/^In-Reply-To: <root@example\.com> X-Evil: 1$/m);
    expect(unfolded).toMatch(/^References: <a@example\.com> X-Evil: 2$/m);
    expect(unfolded).toMatch(/^X-Sesdesk-Loop: EUW1 Bcc: b@evil\.example$/m);
    // Every header line is a field or a continuation: nothing else starts a line.
    for (const line of head.split('\r\n')) expect(line).toMatch(/^([!-9;-~]+: |[ \t])/);
  });

  it('produces MIME with no injected header lines', async () => {
    const parsed = await simpleParser(composeRaw(evil));
    expect(parsed.bcc).toBeUndefined();
    expect(parsed.headers.has('x-evil')).toBe(false);
    expect(parsed.subject).toBe('Hello Bcc: victim@evil.example');
    expect(parsed.text).toBe(evil.text);
  });

  it('refuses a header name that is not a field name', async () => {
    await expect(mailer().send(mail({ headers: { 'X-A\r\nBcc': 'x' } }))).rejects.toBeInstanceOf(InvalidInputError);
    await expect(mailer().send(mail({ headers: { 'X A': 'x' } }))).rejects.toThrow(/headers/);
    expect(ses).not.toHaveReceivedCommand(SendEmailCommand);
  });
});

describe('errors', () => {
  it('turns throttling and 5xx into TransientError', async () => {
    ses.on(SendEmailCommand).rejects(new TooManyRequestsException({ message: 'Too many requests', $metadata: {} }));
    await expect(mailer().send(mail())).rejects.toBeInstanceOf(TransientError);

    ses.on(SendEmailCommand).rejects(
      Object.assign(new Error('Service unavailable'), { name: 'InternalFailure', $fault: 'server', $metadata: { httpStatusCode: 500 } }),
    );
    await expect(mailer().send(mail())).rejects.toBeInstanceOf(TransientError);
  });

  it('names a rejection SES will repeat', async () => {
    ses.on(SendEmailCommand).rejects(new MessageRejected({ message: 'Email address is not verified.', $metadata: {} }));
    const rejected = await mailer().send(mail()).catch((e: unknown) => e);
    expect(rejected).toBeInstanceOf(InvalidInputError);
    expect((rejected as Error).message).toMatch(/MessageRejected: Email address is not verified/);

    ses.on(SendEmailCommand).rejects(new AccountSuspendedException({ message: 'suspended', $metadata: {} }));
    await expect(mailer().send(mail())).rejects.toThrow(/AccountSuspendedException/);
  });

  it('needs a recipient', async () => {
    await expect(mailer().send(mail({ to: [] }))).rejects.toBeInstanceOf(InvalidInputError);
  });
});
