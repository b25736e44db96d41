import { extractReply } from '../../../lambdas/domain/reply-text';

describe('extractReply', () => {
  it.each([
    ['top-posted above "On ... wrote:"', 'Thanks, that fixed it.\n\nOn Tue, 3 Mar 2026 at 10:00, Support <s@x.com> wrote:\n> Try restarting.\n> Bye', 'Thanks, that fixed it.'],
    ['wrapped "On ... wrote:" header', 'Works now.\n\nOn Tue, 3 Mar 2026 at 10:00, Support\n<s@x.com> wrote:\n> Try restarting.', 'Works now.'],
    ['Outlook original message block', 'Please call me.\r\n\r\n-----Original Message-----\r\nFrom: Support\r\nSent: Monday\r\nSubject: x\r\n\r\nold text', 'Please call me.'],
    ['Outlook From/Sent block', 'See attached.\n\n________________________________\nFrom: Support <s@x.com>\nSent: Monday, March 2, 2026 9:00 AM\nTo: Ana\nSubject: x\n\nold text', 'See attached.'],
    ['Outlook From/Sent block without rule', 'Done.\n\nFrom: Support <s@x.com>\nSent: Monday\nTo: Ana\n\nold', 'Done.'],
    ['German header', 'Danke!\n\nAm 03.03.2026 um 10:00 schrieb Support <s@x.com>:\n> Bitte neu starten.', 'Danke!'],
    ['German header, unquoted history', 'Danke!\n\nAm 03.03.2026 um 10:00 schrieb Support <s@x.com>:\nBitte neu starten.', 'Danke!'],
    ['Spanish header', '¡Gracias!\n\nEl mar, 3 mar 2026 a las 10:00, Soporte (<s@x.com>) escribió:\n> Reinicie.', '¡Gracias!'],
    ['signature "-- "', 'Hello\n\n-- \nAna Pérez\nACME', 'Hello'],
    ['Sent from my iPhone', 'Short answer\n\nSent from my iPhone', 'Short answer'],
    ['Von meinem iPhone gesendet', 'Kurz\n\nVon meinem iPhone gesendet', 'Kurz'],
    ['bottom quote only', '> quoted\n> more\n\nMy answer', '> quoted\n> more\n\nMy answer'],
    ['inline answers keep their context', '> q1\n\na1\n\n> q2\n\na2\n\n> trailing quote', '> q1\n\na1\n\n> q2\n\na2'],
    ['plain text untouched', 'Line one\nLine two', 'Line one\nLine two'],
    ['a pure forward has no new text', '-----Original Message-----\nFrom: a\nSent: b\n\nforwarded body', ''],
    ['empty', '', ''],
  ])('%s', (_name, text, want) => {
    expect(extractReply(text)).toBe(want);
  });

  it('does not split on a "--" inside a sentence', () => {
    expect(extractReply('this is -- not a signature\nsecond line')).toBe('this is -- not a signature\nsecond line');
  });

  it('stays linear on pathological input (a very long header-like line)', () => {
    const body = `On ${'a '.repeat(200_000)}\n> x\n`;
    expect(extractReply(body)).toContain('On a a');
  });
});
