import { parseMessage } from '../../../lambdas/mail/parse-message';
import { isBlankText } from '../../../lambdas/mail/html-text';

/**
 * Class 1 of issue 14: a message whose only readable text is HTML gets that text, wherever the
 * HTML sits (single part, multipart/alternative, multipart/related, nested as Outlook does).
 * The mail here is written for these tests, in the shapes the named clients send.
 */
const crlf = (s: string): Buffer => Buffer.from(s.replace(/\r?\n/g, '\r\n'), 'utf8');

const head = (contentType: string): string => `From: Ana Perez <ana@customer.example>
To: support@example.com
Subject: Printer
Date: Tue, 17 Nov 2026 10:00:00 -0800
Message-ID: <html-${Math.random().toString(36).slice(2)}@customer.example>
MIME-Version: 1.0
Content-Type: ${contentType}
`;

const LOGO = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

async function parsed(raw: string) {
  const { message, attachments } = await parseMessage(crlf(raw));
  return { message, attachments };
}

describe('HTML-only mail inside multipart containers', () => {
  it('multipart/alternative with only an HTML part (web client)', async () => {
    const { message } = await parsed(`${head('multipart/alternative; boundary="alt"')}
--alt
Content-Type: text/html; charset=utf-8
Content-Transfer-Encoding: quoted-printable

<div dir=3D"ltr">The printer on floor 2 is <b>on fire</b>.<br>Please send someone.</div>
--alt--
`);
    expect(message.text).toContain('The printer on floor 2 is on fire.\nPlease send someone.');
    expect(message.reply).toContain('on fire');
    expect(message.hasHtml).toBe(true);
    expect(message.text).not.toMatch(/<div|<b>|<br>/);
  });

  it('multipart/alternative whose text/plain alternative is blank', async () => {
    const { message } = await parsed(`${head('multipart/alternative; boundary="alt"')}
--alt
Content-Type: text/plain; charset=utf-8

\u00a0
\t
--alt
Content-Type: text/html; charset=utf-8

<p>Invoice 4711 is wrong &amp; overdue.</p>
--alt--
`);
    expect(message.text.trim()).toBe('Invoice 4711 is wrong & overdue.');
  });

  it('multipart/related with an inline logo (HTML signature image)', async () => {
    const { message, attachments } = await parsed(`${head('multipart/related; boundary="rel"; type="text/html"')}
--rel
Content-Type: text/html; charset=iso-8859-1
Content-Transfer-Encoding: quoted-printable

<html><body><p>Gr=FC=DFe, the VPN drops every hour.</p><img src=3D"cid:logo@acme"></body></html>
--rel
Content-Type: image/png; name="logo.png"
Content-ID: <logo@acme>
Content-Disposition: inline; filename="logo.png"
Content-Transfer-Encoding: base64

${LOGO}
--rel--
`);
    expect(message.text).toContain('Grüße, the VPN drops every hour.');
    expect(attachments.map((a) => [a.filename, a.inline])).toEqual([['logo.png', true]]);
  });

  it('Outlook: mixed > related > alternative with a blank plain part, and a PDF', async () => {
    const { message, attachments } = await parsed(`${head('multipart/mixed; boundary="mix"')}
--mix
Content-Type: multipart/related; boundary="rel"

--rel
Content-Type: multipart/alternative; boundary="alt"

--alt
Content-Type: text/plain; charset="us-ascii"


--alt
Content-Type: text/html; charset="us-ascii"

<html><head><style>p.MsoNormal{margin:0}</style></head><body><p class=MsoNormal>Order 88 arrived damaged.<o:p></o:p></p></body></html>
--alt--

--rel
Content-Type: image/png; name="image001.png"
Content-ID: <image001.png@01DA0000.00000000>
Content-Transfer-Encoding: base64

${LOGO}
--rel--

--mix
Content-Type: application/pdf; name="photo.pdf"
Content-Disposition: attachment; filename="photo.pdf"
Content-Transfer-Encoding: base64

JVBERi0xLjQK
--mix--
`);
    expect(message.text.trim()).toBe('Order 88 arrived damaged.');
    expect(message.text).not.toContain('MsoNormal');
    expect(attachments.map((a) => a.filename)).toEqual(['image001.png', 'photo.pdf']);
  });

  it('keeps a text/plain alternative that has words, and the HTML is not added to it', async () => {
    const { message } = await parsed(`${head('multipart/alternative; boundary="alt"')}
--alt
Content-Type: text/plain; charset=utf-8

Plain words.
--alt
Content-Type: text/html; charset=utf-8

<p>HTML words.</p>
--alt--
`);
    expect(message.text.trim()).toBe('Plain words.');
    expect(message.hasHtml).toBe(true);
  });

  it('a message with neither readable text nor HTML stays empty, without HTML', async () => {
    const { message } = await parsed(`${head('multipart/alternative; boundary="alt"')}
--alt
Content-Type: text/plain; charset=utf-8


--alt--
`);
    expect(message.text.trim()).toBe('');
    expect(message.hasHtml).toBe(false);
  });

  it('script and style content never becomes text', async () => {
    const { message } = await parsed(`${head('multipart/alternative; boundary="alt"')}
--alt
Content-Type: text/html; charset=utf-8

<html><head><style>.x{color:red}</style><script>steal()</script></head><body><p>Real words</p></body></html>
--alt--
`);
    expect(message.text.trim()).toBe('Real words');
  });
});

describe('isBlankText', () => {
  it('treats whitespace, no-break and zero-width spaces as blank, and any letter as text', () => {
    expect(isBlankText(' \n\t\u00a0\u200b\ufeff')).toBe(true);
    expect(isBlankText('')).toBe(true);
    expect(isBlankText(' a ')).toBe(false);
    expect(isBlankText('.')).toBe(false);
  });
});

describe('HTML without readable text', () => {
  it('an image-only HTML body (a pasted screenshot, a tracking pixel) has no text', async () => {
    const { message } = await parsed(`${head('multipart/related; boundary="rel"')}
--rel
Content-Type: text/html; charset=utf-8

<html><body><img src="http://tracker.example/p.gif" width="1"><img src="cid:shot" alt=""></body></html>
--rel--
`);
    expect(message.text.trim()).toBe('');
    expect(message.hasHtml).toBe(true);
  });
});
