import { addressOfHeader, likelyNewTicket, type MailHints } from '../../../lambdas/domain/claim-hints';

const SUPPORT = ['support@example.com'];
const hints = (headers: Array<[string, string]>, over: Partial<MailHints> = {}): MailHints => ({
  headers: [['From', 'Ana <ana@customer.example>'], ['Subject', 'Printer'], ...headers].map(([name, value]) => ({ name, value })),
  truncated: false,
  from: 'ana@customer.example',
  subject: 'Printer',
  to: ['support@example.com'],
  ...over,
});

describe('likelyNewTicket: mail whose SES event alone shows it opens a ticket', () => {
  it.each<[string, MailHints, string[], boolean]>([
    ['a plain first mail', hints([]), ['support@example.com'], true],
    ['In-Reply-To', hints([['In-Reply-To', '<x@y>']]), ['support@example.com'], false],
    ['References', hints([['References', '<x@y>']]), ['support@example.com'], false],
    ['our subject tag', hints([], { subject: 'Re: [#USE1-7] Printer' }), ['support@example.com'], false],
    ["another system's tag", hints([], { subject: '[remote-rt #79] Printer' }), ['support@example.com'], true],
    ['a reply token among the recipients', hints([]), ['support+use1-7@example.com'], false],
    ['a forged plus-tag on the support address', hints([]), ['support+whatever@example.com'], false],
    ['a plus-tag in To', hints([], { to: ['support+USE1-9@example.com'] }), ['support@example.com'], false],
    ['from the support address itself', hints([], { from: 'support@example.com' }), ['support@example.com'], false],
    ['from mailer-daemon', hints([], { from: 'mailer-daemon@mx.example' }), ['support@example.com'], false],
    ['from no-reply', hints([], { from: 'no-reply@shop.example' }), ['support@example.com'], false],
    ['Auto-Submitted: auto-replied', hints([['Auto-Submitted', 'auto-replied']]), ['support@example.com'], false],
    ['Auto-Submitted: no', hints([['Auto-Submitted', 'no']]), ['support@example.com'], true],
    ['Precedence: bulk', hints([['Precedence', 'bulk']]), ['support@example.com'], false],
    ['List-Id', hints([['List-Id', '<list.example>']]), ['support@example.com'], false],
    ['an out-of-office subject', hints([], { subject: 'Out of office: back Monday' }), ['support@example.com'], false],
    ['our loop header', hints([['X-Sesdesk-Loop', 'use1']]), ['support@example.com'], false],
    ['two From headers', hints([['From', 'b@x.example']]), ['support@example.com'], false],
    ['no From', hints([], { from: null }), ['support@example.com'], false],
    ['headers truncated by SES', hints([], { truncated: true }), ['support@example.com'], false],
  ])('%s -> %s', (_name, h, recipients, expected) => {
    expect(likelyNewTicket(h, recipients, SUPPORT)).toBe(expected);
  });
});

describe('addressOfHeader', () => {
  it.each([
    ['"Perez, Ana" <Ana@Customer.example>', 'ana@customer.example'],
    ['ana@customer.example', 'ana@customer.example'],
    ['=?utf-8?q?Ana?= <ana@customer.example>', 'ana@customer.example'],
    ['undisclosed-recipients:;', null],
    ['', null],
  ])('%s -> %s', (value, expected) => {
    expect(addressOfHeader(value)).toBe(expected);
  });
});
