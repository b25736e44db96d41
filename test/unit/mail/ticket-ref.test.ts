import { findTicketRef, findTicketRefInAddresses, formatSubjectTag } from '../../../lambdas/domain/ticket-ref';

describe('findTicketRef', () => {
  it.each([
    ['[#USE1-1042] printer on fire', 'USE1-1042'],
    ['Re: AW: [#EUW1-7] Frage', 'EUW1-7'],
    ['Question [#LOCAL-3]', 'LOCAL-3'],
    ['[remote-rt #79] something', null],
    ['AW:Installation [Ticket#11392]', null],
    ['Incident INC678439 -- notes', null],
    ['[#use1-1042] lower case prefix', null],
    ['[#USE1-0] zero', null],
    ['[# USE1-5] spaced', null],
    ['#USE1-5 without brackets', null],
    ['', null],
  ])('%j -> %s', (subject, want) => expect(findTicketRef(subject)).toBe(want));
});

describe('findTicketRefInAddresses', () => {
  it.each([
    [['support+USE1-42@desk.example.com'], 'USE1-42'],
    [['support+use1-42@desk.example.com'], 'USE1-42'],
    [['support@desk.example.com', 'other+EUW1-3@x.example'], 'EUW1-3'],
    [['support+newsletter@desk.example.com'], null],
    [['support@desk.example.com'], null],
  ])('%j -> %s', (addrs, want) => expect(findTicketRefInAddresses(addrs)).toBe(want));
});

describe('formatSubjectTag', () => {
  it.each([
    ['printer on fire', '[#USE1-1] printer on fire'],
    ['[#USE1-1] printer on fire', '[#USE1-1] printer on fire'],
    ['Re: [#USE1-1] printer on fire', '[#USE1-1] printer on fire'],
    ['RE: AW: Re: [#USE1-1] [#USE1-1] printer', '[#USE1-1] printer'],
    ['AW: WG: Fwd: Rechnung', '[#USE1-1] Rechnung'],
    ['Re[2]: status', '[#USE1-1] status'],
    ['Regarding the invoice', '[#USE1-1] Regarding the invoice'],
    ['', '[#USE1-1]'],
    ['line\r\nbreak', '[#USE1-1] line break'],
  ])('%j -> %j', (subject, want) => expect(formatSubjectTag('USE1-1', subject)).toBe(want));

  it('keeps another system’s tag', () => {
    expect(formatSubjectTag('USE1-1', 'Re: [remote-rt #79] x')).toBe('[#USE1-1] [remote-rt #79] x');
  });
});
