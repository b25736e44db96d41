import { isClientFooter } from '../../../lambdas/domain/client-footers';
import { extractReply } from '../../../lambdas/domain/reply-text';

/** Class 5 of issue 14: known client footers are signatures; sentences that start alike are text. */
describe('client footers', () => {
  it.each([
    'Sent from my iPhone',
    'Sent from my iPad',
    'Sent from my BlackBerry® wireless device',
    'Sent from my Verizon Wireless BlackBerry',
    'Sent from my Samsung Galaxy smartphone.',
    'Sent from my Sony Xperia™ smartphone',
    'Sent from my T-Mobile 4G LTE Device',
    'Sent from my Huawei phone',
    'Sent from Yahoo Mail on Android',
    'Sent from Mail for Windows 10',
    'Sent from Outlook for iOS',
    'Get Outlook for Android',
    'Von meinem iPhone gesendet',
    'Von meinem Samsung Galaxy Smartphone gesendet.',
    'Gesendet von meinem BlackBerry 10-Smartphone.',
    'Enviado desde mi iPhone',
    'Enviado desde mi dispositivo móvil',
    'Envoyé de mon iPhone',
    'Envoyé depuis mon smartphone Samsung Galaxy.',
    'Inviato da iPhone',
    'Verzonden vanaf mijn iPhone',
    'Enviado do meu iPhone',
    '  Sent from my iPhone  ',
  ])('%j is a footer', (line) => expect(isClientFooter(line)).toBe(true));

  it.each([
    'Sent from my desk, it is easier to call',
    'Sent from my desk',
    'Sent from my home office',
    'Sent from the office',
    'Sent from a magnificent torch of pixels',
    'Sent from my iPhone, and the printer is still broken',
    'Sent from my iPhone because the laptop is broken again today',
    'I sent from my iPhone',
    'Sent mail from Outlook failed yesterday and the day before',
    `Sent from my iPhone ${'x'.repeat(100)}`,
  ])('%j is text', (line) => expect(isClientFooter(line)).toBe(false));
});

describe('customer replies', () => {
  it('drops a phone footer below the text', () => {
    expect(extractReply('The VPN is down again.\n\nSent from my iPhone')).toBe('The VPN is down again.');
    expect(extractReply('Der Drucker geht nicht.\n\nVon meinem iPad gesendet')).toBe('Der Drucker geht nicht.');
    expect(extractReply('Done.\n\nGet Outlook for iOS')).toBe('Done.');
  });

  it('keeps a last paragraph that only starts like a footer', () => {
    const text = 'Hi,\n\nthe scanner on floor 3 jams.\n\nSent from my desk, it is easier to call me on 555-0100 though.';
    expect(extractReply(text)).toBe(text);
    const short = 'Invoice attached.\n\nSent from my desk';
    expect(extractReply(short)).toBe(short);
  });

  it('a footer above a quote is still a signature', () => {
    expect(extractReply('Yes.\n\nSent from my Samsung Galaxy smartphone.\n\nOn Tue, Ana wrote:\n> Can we?')).toBe('Yes.');
  });
});
