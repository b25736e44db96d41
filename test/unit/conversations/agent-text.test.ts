import fc from 'fast-check';
import { agentReplyText } from '../../../lambdas/domain/reply-text';
import { eml, makeDesk, type Desk } from './support';

/**
 * Issue 12 point 9: the agent's text is relayed whole. Only quoted history, a signature behind
 * the standard delimiter (`-- ` alone on a line) and client footers are removed; a paragraph
 * that starts with `--`, `-x` or `__` is the agent's words.
 */

/** First words of a line: nothing that starts a quote, a reply header, an Outlook block or a command. */
const FIRST = ['Hello', 'Please', 'Run', '--flag', '--verbose=true', '-x', '-rf', '__init__', '__main__', '---', '--x', '-', '_', '#5', 'Sent', 'Ünïcödé', '日本語', '1.', '*', 'wrote:', 'From'];
/** Any later word, markers' pieces included: they mark nothing in the middle of a line. */
const ANY = [...FIRST, 'on', 'wrote:', '--', '-- ', '__', '>', '>>', '-----Original', 'iPhone', 'from', 'my', 'desk,', 'Am', 'schrieb:', 'Sent', 'a@b.example', '\t'];

const word = (from: string[]) => fc.constantFrom(...from);
const line = fc.oneof(
  { weight: 1, arbitrary: fc.constantFrom('', '   ', '\t', 'Sent from my desk, it is easier to call.', '-- not a signature', '--', '__') },
  { weight: 6, arbitrary: fc.tuple(word(FIRST), fc.array(word(ANY), { maxLength: 8 }), fc.constantFrom('', ' ', '  ')).map(([w, rest, tail]) => [w, ...rest].join(' ') + tail) },
).filter((l) => l !== '--'); // "--" alone is the signature delimiter: a marker
const agentText = fc.array(line, { minLength: 1, maxLength: 12 }).map((lines) => lines.join('\n'));

/** The text with trailing blank lines removed: what "unchanged" means for a relayed body. */
const withoutTrailingBlankLines = (text: string): string => {
  const lines = text.split('\n');
  while (lines.length > 0 && lines[lines.length - 1].trim() === '') lines.pop();
  return lines.join('\n');
};

describe('agentReplyText', () => {
  it('property: agent text without quote markers comes back unchanged', () => {
    fc.assert(
      fc.property(agentText, (text) => {
        expect(agentReplyText(text)).toBe(withoutTrailingBlankLines(text));
      }),
      { numRuns: 2000 },
    );
  });

  it.each([
    ['a "--flag" paragraph', 'Run it with\n\n--flag=verbose\n\nand send me the log.'],
    ['a "-x" paragraph', 'Use\n\n-x to exclude\nthe cache.'],
    ['a "__" paragraph', 'The module is\n\n__init__.py in the root.'],
    ['a "--" inside a line', 'this is -- not a signature\nsecond line'],
    ['a sentence starting "Sent from my"', 'Sent from my desk, it is easier to call you.\nRegards'],
  ])('keeps %s', (_name, text) => {
    expect(agentReplyText(text)).toBe(text);
  });

  it.each([
    ['a "-- " signature', 'The fix is live.\n\n-- \nAlex Agent\nACME Support', 'The fix is live.'],
    ['a "--" signature (space dropped in transit)', 'The fix is live.\n--\nAlex', 'The fix is live.'],
    ['a client footer', 'The fix is live.\n\nSent from my iPhone', 'The fix is live.'],
    ['a quoted history with its header', 'Try again now.\n\nOn Tue, 17 Nov 2026 at 10:00, Ana <ana@customer.example> wrote:\n> It fails.\n> Still.', 'Try again now.'],
    ['a wrapped reply header', 'Done.\n\nOn Tue, 17 Nov 2026 at 10:00, Ana Perez\n<ana@customer.example> wrote:\n> It fails.', 'Done.'],
    ['an Outlook block', 'Fixed.\n\n-----Original Message-----\nFrom: Ana\nSent: Tuesday\nOld text', 'Fixed.'],
    ['a signature above a quote', 'Fixed.\n-- \nAlex\n\nOn Tue, Ana wrote:\n> old', 'Fixed.'],
  ])('removes %s', (_name, text, want) => {
    expect(agentReplyText(text)).toBe(want);
  });

  it('keeps inline answers between quotes', () => {
    const text = '> Which version?\n4.2.1 is fixed.\n> Can you deploy today?\nYes, until Monday.';
    expect(agentReplyText(text)).toBe(text);
  });
});

describe('an agent reply by email reaches the customer whole', () => {
  const ANA = 'Ana Perez <ana@customer.example>';

  async function openTicket(desk: Desk) {
    const result = await desk.deliver(eml({ from: ANA, subject: 'Cannot log in', body: 'It says invalid session.' }));
    return result.ticketId!;
  }

  const relayOf = async (desk: Desk, ticketId: string, body: string) => {
    const before = desk.mailer.sent.length;
    await desk.deliver(eml({ from: 'Alex Agent <alex@example.com>', subject: `Re: [#${ticketId}] Cannot log in`, body }));
    const relays = desk.mailer.sent.slice(before).filter((m) => m.to.some((a) => a.address === 'ana@customer.example'));
    expect(relays).toHaveLength(1);
    return relays[0].text;
  };

  it('a "--flag" paragraph and a "-x" line are relayed; the "-- " signature and the quote are not', async () => {
    const desk = makeDesk();
    const ticketId = await openTicket(desk);
    const text = await relayOf(
      desk,
      ticketId,
      'Please run the tool with\n\n--flag=verbose\n-x cache\n\nand send the log.\n\n-- \nAlex Agent\n\nOn Tue, Ana wrote:\n> It says invalid session.',
    );
    expect(text.startsWith('Please run the tool with\n\n--flag=verbose\n-x cache\n\nand send the log.\n\n-- \n')).toBe(true);
    expect(text).not.toContain('Alex Agent');
    expect(text).not.toContain('invalid session');
  });

  it('property: any agent text without quote markers or commands is relayed unchanged', async () => {
    const desk = makeDesk();
    const ticketId = await openTicket(desk);
    await fc.assert(
      fc.asyncProperty(agentText.filter((t) => t.trim() !== ''), async (body) => {
        const text = await relayOf(desk, ticketId, body);
        expect(text.startsWith(`${body.trim()}\n\n-- \n`)).toBe(true);
      }),
      { numRuns: 100 },
    );
  });
});
