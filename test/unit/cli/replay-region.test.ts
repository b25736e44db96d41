import { InvokeCommand, LambdaClient, type InvokeCommandOutput } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { replayThroughFunction } from '../../../cli/commands/replay';
import { SesReceiptEventSchema } from '../../../lambdas/handlers/ses-event-schema';

const lambda = mockClient(LambdaClient);
const raw = Buffer.from(
  ['From: Ana <ana@customer.example>', 'To: support@example.com', 'Subject: Lost mail', 'Message-ID: <lost-1@customer.example>', '', 'Hello'].join('\r\n'),
);
const target = { region: 'eu-west-1', inboundPrefix: 'inbound/', recipient: 'soporte@example.com' };

beforeEach(() => lambda.reset());

/** An Invoke response payload as the SDK types it (bytes with a string view). */
function payload(text: string): InvokeCommandOutput['Payload'] {
  return Object.assign(Buffer.from(text), { transformToString: () => text });
}

describe('replay --region hands each stored object to the region ingest function', () => {
  it('invokes sesdesk-ingest-email synchronously with the SES receipt event of the object and returns its outcome', async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: payload(JSON.stringify({ outcome: 'created', ticketId: 'EUW1-9' })) });
    const result = await replayThroughFunction(target)({ key: 'inbound/abc123', lastModified: new Date('2026-11-20T10:00:00Z'), raw });
    expect(result).toEqual({ outcome: 'created', ticketId: 'EUW1-9' });
    const calls = lambda.commandCalls(InvokeCommand);
    expect(calls).toHaveLength(1);
    const input = calls[0].args[0].input;
    expect(input.FunctionName).toBe('sesdesk-ingest-email');
    expect(input.InvocationType).toBe('RequestResponse');
    const event = SesReceiptEventSchema.parse(JSON.parse(Buffer.from(input.Payload as Uint8Array).toString('utf8')));
    const ses = event.Records[0].ses;
    expect(ses.mail.messageId).toBe('abc123');
    expect(ses.mail.commonHeaders?.messageId).toBe('<lost-1@customer.example>');
    expect(ses.receipt.recipients).toEqual(['soporte@example.com']);
  });

  it('a function error becomes a failure with the function message', async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, FunctionError: 'Unhandled', Payload: payload('{"errorMessage":"boom"}') });
    await expect(
      replayThroughFunction(target)({ key: 'inbound/abc124', lastModified: new Date('2026-11-20T10:00:00Z'), raw }),
    ).rejects.toThrow(/sesdesk-ingest-email failed: .*boom/);
  });
});
