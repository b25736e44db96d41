import { parseMessage } from '../../../lambdas/mail/parse-message';
import { eml, makeDesk, type Desk } from '../conversations/support';

/**
 * Bodies above the inline limit (64 KiB of UTF-8, INLINE_TEXT_LIMIT in ingest-email.ts) go to
 * S3 beside the ticket and the message record keeps only a pointer, so a DynamoDB item stays
 * far below 400 KB. Smaller bodies stay inline.
 */
const LIMIT = 64 * 1024;
const ANA = 'Ana Perez <ana@customer.example>';

/** A plain-text body of exactly `bytes` UTF-8 bytes, in lines of at most 100 bytes. */
function bodyOf(bytes: number, char = 'x'): string {
  const charBytes = Buffer.byteLength(char, 'utf8');
  const lines: string[] = [];
  let left = bytes;
  while (left > 0) {
    const n = Math.min(100, left);
    // a line of n bytes (the newline after it counts too, except after the last line)
    const last = n === left;
    const content = last ? n : n - 1;
    lines.push(char.repeat(Math.floor(content / charBytes)) + 'y'.repeat(content % charBytes));
    left -= n;
  }
  const body = lines.join('\n');
  expect(Buffer.byteLength(body, 'utf8')).toBe(bytes);
  return body;
}

/** The text the parser reads from a raw mail: what the stored body must equal byte for byte. */
async function parsedText(raw: string): Promise<string> {
  return (await parseMessage(Buffer.from(raw.replace(/\r?\n/g, '\r\n')))).message.text;
}

async function deliverNew(desk: Desk, body: string, sesMessageId: string, extra: { headers?: string[] } = {}) {
  const raw = eml({ from: ANA, subject: 'Export log', body, ...extra });
  const result = await desk.deliver(raw, { sesMessageId });
  expect(result.outcome).toBe('created');
  const messages = await desk.tickets.listMessages(result.ticketId!);
  const inbound = messages.filter((m) => m.direction === 'inbound');
  expect(inbound).toHaveLength(1);
  return { raw, ticketId: result.ticketId!, message: inbound[0] };
}

const bodyKeys = (desk: Desk, ticketId: string): string[] =>
  [...desk.rawMail.objects.keys()].filter((k) => k.startsWith(`tickets/${ticketId}/bodies/`));

describe('a body larger than the inline limit', () => {
  it('is stored in S3 at tickets/<id>/bodies/in-<sesMessageId>.txt, and the record keeps text null and that key', async () => {
    const desk = makeDesk();
    const body = bodyOf(LIMIT + 10_000);
    const { raw, ticketId, message } = await deliverNew(desk, body, 'sesLargeA1');
    const key = `tickets/${ticketId}/bodies/in-sesLargeA1.txt`;
    expect(message.text).toBeNull();
    expect(message.textKey).toBe(key);
    const stored = desk.rawMail.objects.get(key);
    expect(stored).toBeDefined();
    expect(stored!.contentType).toMatch(/^text\/plain; charset=utf-8$/i);
    // exactly the body the parser read (the eml's final line break included), nothing else
    const text = await parsedText(raw);
    expect(text).toBe(`${body}\n`);
    expect(stored!.body.equals(Buffer.from(text, 'utf8'))).toBe(true);
    expect(bodyKeys(desk, ticketId)).toEqual([key]);
    // the record itself stays small
    expect(Buffer.byteLength(JSON.stringify(message))).toBeLessThan(8 * 1024);
  });

  it('counts UTF-8 bytes, not characters: 2-byte characters over 64 KiB go to S3 and come back intact', async () => {
    const desk = makeDesk();
    const body = bodyOf(LIMIT + 2_000, 'é'); // about 33,000 characters, 67,536 bytes
    expect(body.length).toBeLessThan(LIMIT);
    const { raw, ticketId, message } = await deliverNew(desk, body, 'sesLargeUtf8', { headers: ['Content-Transfer-Encoding: 8bit'] });
    expect(message.text).toBeNull();
    expect(message.textKey).toBe(`tickets/${ticketId}/bodies/in-sesLargeUtf8.txt`);
    const stored = await desk.rawMail.getObject(message.textKey!);
    expect(stored.toString('utf8')).toBe(await parsedText(raw));
    expect(stored.toString('utf8')).toBe(`${body}\n`);
  });

  it('a large reply appended to an existing ticket gets its own object under that ticket', async () => {
    const desk = makeDesk();
    const messageId = '<large-open-1@customer.example>';
    const opened = await desk.deliver(eml({ from: ANA, subject: 'Export fails', messageId, body: 'The export fails.' }), { sesMessageId: 'sesOpen1' });
    expect(opened.outcome).toBe('created');
    const body = bodyOf(LIMIT * 2);
    const raw = eml({ from: ANA, subject: 'Re: Export fails', inReplyTo: messageId, references: messageId, body: `Here is the full log:\n${body}` });
    const reply = await desk.deliver(raw, { sesMessageId: 'sesReply2' });
    expect(reply).toMatchObject({ outcome: 'appended', ticketId: opened.ticketId });
    const inbound = (await desk.tickets.listMessages(opened.ticketId!)).filter((m) => m.direction === 'inbound');
    expect(inbound).toHaveLength(2);
    expect(inbound[0]).toMatchObject({ text: 'The export fails.\n', textKey: null });
    const key = `tickets/${opened.ticketId}/bodies/in-sesReply2.txt`;
    expect(inbound[1]).toMatchObject({ text: null, textKey: key });
    expect((await desk.rawMail.getObject(key)).toString('utf8')).toBe(await parsedText(raw));
    expect(bodyKeys(desk, opened.ticketId!)).toEqual([key]);
  });
});

describe('a body within the inline limit', () => {
  it('a small body stays inline with textKey null and no body object', async () => {
    const desk = makeDesk();
    const { ticketId, message } = await deliverNew(desk, 'Hello,\nthe export fails.', 'sesSmall1');
    expect(message.text).toBe('Hello,\nthe export fails.\n');
    expect(message.textKey).toBeNull();
    expect(bodyKeys(desk, ticketId)).toEqual([]);
  });

  it('exactly 64 KiB stays inline; one byte more goes to S3', async () => {
    const desk = makeDesk();
    // the parsed text is the body plus the final line break of the eml
    const atLimit = bodyOf(LIMIT - 1);
    const inline = await deliverNew(desk, atLimit, 'sesAtLimit');
    expect(Buffer.byteLength(inline.message.text ?? '', 'utf8')).toBe(LIMIT);
    expect(inline.message.textKey).toBeNull();
    expect(bodyKeys(desk, inline.ticketId)).toEqual([]);

    const over = await deliverNew(desk, bodyOf(LIMIT), 'sesOverLimit');
    expect(over.message.text).toBeNull();
    expect(over.message.textKey).toBe(`tickets/${over.ticketId}/bodies/in-sesOverLimit.txt`);
    expect(desk.rawMail.objects.get(over.message.textKey!)!.body.length).toBe(LIMIT + 1);
  });

  it('the limit applies to the decoded text, not the raw size: a base64 body over 64 KiB raw but 48 KiB decoded stays inline', async () => {
    const desk = makeDesk();
    const text = bodyOf(48 * 1024);
    const encoded = Buffer.from(text, 'utf8').toString('base64').replace(/.{76}/g, '$&\n');
    expect(encoded.length).toBeGreaterThan(LIMIT);
    const { message, ticketId } = await deliverNew(desk, encoded, 'sesBase64', { headers: ['Content-Transfer-Encoding: base64'] });
    expect(message.textKey).toBeNull();
    expect(message.text).toBe(text);
    expect(bodyKeys(desk, ticketId)).toEqual([]);
  });
});
