import { parseMessage } from '../../../lambdas/mail/parse-message';

/**
 * Class 3 of issue 14: broken From headers. Several From headers: the one that parses to a
 * valid address is used and the rest recorded as a problem; unquoted display names with spaces
 * or stray brackets keep a sensible name and address.
 */
async function fromOf(...froms: string[]) {
  const raw = [...froms.map((f) => `From: ${f}`), 'To: support@example.com', 'Subject: Printer', 'Message-ID: <f@customer.example>', '', 'It is broken.', ''].join('\r\n');
  const { message } = await parseMessage(Buffer.from(raw, 'utf8'));
  return { from: message.from, problems: message.problems };
}

describe('several From headers', () => {
  it('uses the first that parses to a valid address and records the others', async () => {
    const { from, problems } = await fromOf('undisclosed-recipients', 'Ana Perez <ana@customer.example>');
    expect(from).toEqual({ name: 'Ana Perez', address: 'ana@customer.example' });
    expect(problems).toEqual(['2 From headers; used the first with a valid address, ignored "undisclosed-recipients"']);
  });

  it('skips an empty address and an "at" spelling', async () => {
    expect((await fromOf('Ana Perez <>', 'ana@customer.example')).from).toEqual({ name: '', address: 'ana@customer.example' });
    expect((await fromOf('ana at customer.example', 'Ana <ana@customer.example>')).from).toEqual({ name: 'Ana', address: 'ana@customer.example' });
  });

  it('two valid ones: the first wins and the second is named in the problem', async () => {
    const { from, problems } = await fromOf('Ana Perez <ana@customer.example>', 'Mallory <mallory@evil.example>');
    expect(from?.address).toBe('ana@customer.example');
    expect(problems.join(' ')).toContain('"Mallory <mallory@evil.example>"');
  });

  it('one From header records nothing', async () => {
    expect((await fromOf('Ana Perez <ana@customer.example>')).problems).toEqual([]);
  });
});

describe('unquoted and broken display names', () => {
  it.each([
    ['Ana Perez ana@customer.example', 'Ana Perez'],
    ['Perez, Ana <ana@customer.example>', 'Perez, Ana'],
    ['Perez, Ana ana@customer.example', 'Perez, Ana'],
    ['"Ana Perez"ana@customer.example', 'Ana Perez'],
    ['<Ana Perez> ana@customer.example', 'Ana Perez'],
    ['Ana Perez <ana@customer.example', 'Ana Perez'],
    ['"Ana" <ana@customer.example>>', 'Ana'],
    ['Ana <<ana@customer.example>>', 'Ana'],
    ['Ana Perez >ana@customer.example<', 'Ana Perez'],
    ['Ana Perez [ana@customer.example]', 'Ana Perez'],
    ['Ana [ACME] <ana@customer.example>', 'Ana [ACME]'],
    ['Ana Perez <mailto:ana@customer.example>', 'Ana Perez'],
    ['Ana Perez <"ana"@customer.example>', 'Ana Perez'],
    ['"Ana Perez <ana@customer.example>" <ana@customer.example>', 'Ana Perez'],
    ['=?utf-8?Q?P=C3=A9rez,_Ana?= <ana@customer.example>', 'Pérez, Ana'],
    ['ana@customer.example <ana@customer.example>', ''],
    ['ana@customer.example (Ana Perez)', 'Ana Perez'],
  ])('%j -> name %j, address ana@customer.example', async (header, name) => {
    const { from } = await fromOf(header);
    expect(from).toEqual({ name, address: 'ana@customer.example' });
  });
});
