import * as iconv from 'iconv-lite';
import { chooseCharset, decodeHeaderBytes } from '../../../lambdas/mail/charset-guess';
import { parseMessage } from '../../../lambdas/mail/parse-message';

/**
 * Class 2 of issue 14: text is read as its bytes are, whatever the label says. Samples written
 * for these tests in Japanese, Chinese (simplified and traditional), Korean, Russian and
 * Western/Central European languages, encoded in their usual charsets and mislabelled the ways
 * mail gets mislabelled.
 */
const SAMPLES: Record<string, { texts: string[]; charsets: string[] }> = {
  ja: {
    texts: ['プリンター故障のお知らせ', 'お世話になっております。プリンターが動きません。よろしくお願いします。', '請求書の件', '東京都港区の山田です', '会議室の予約について確認をお願いいたします'],
    charsets: ['shift_jis', 'euc-jp'],
  },
  zh: { texts: ['打印机坏了', '您好，打印机坏了，请尽快处理。谢谢！', '关于发票的问题', '请问我的订单什么时候发货', '绩效管理报告'], charsets: ['gbk', 'gb18030'] },
  tw: { texts: ['印表機壞了', '您好，印表機壞了，請盡快處理。謝謝！', '關於發票的問題', '請問我的訂單什麼時候出貨'], charsets: ['big5'] },
  ko: { texts: ['프린터가 고장났습니다', '안녕하세요, 주문한 상품이 아직 도착하지 않았습니다.', '청구서 문의'], charsets: ['euc-kr'] },
  ru: { texts: ['Принтер не работает', 'Здравствуйте! Принтер не работает, помогите пожалуйста.', 'Счёт на оплату', 'Вопрос по заказу 123'], charsets: ['cp1251', 'koi8-r'] },
  de: { texts: ['Drucker läuft nicht', 'Grüße aus München, der Drucker läuft nicht. Schöne Woche!', 'Bestellbestätigung'], charsets: ['windows-1252'] },
  fr: { texts: ['Réunion à Genève', 'Bonjour, l’imprimante ne fonctionne pas. Merci d’avance — Hélène', 'Reçu de paiement'], charsets: ['windows-1252'] },
  es: { texts: ['Facturación de señal', '¿Cuándo llegará mi pedido?', 'Información del envío'], charsets: ['windows-1252'] },
  pl: { texts: ['Zażółć gęślą jaźń', 'Drukarka nie działa, proszę o pomoc. Dziękuję bardzo za szybką odpowiedź.'], charsets: ['iso-8859-2', 'windows-1250'] },
};

const read = (bytes: Buffer, charset: string): string => (charset === 'utf-8' ? bytes.toString('utf8') : iconv.decode(bytes, charset));

interface Case {
  name: string;
  bytes: Buffer;
  label: string | null;
  want: string;
}

function cases(): Case[] {
  const out: Case[] = [];
  for (const [lang, { texts, charsets }] of Object.entries(SAMPLES)) {
    for (const want of texts) {
      for (const cs of charsets) {
        const bytes = iconv.encode(want, cs);
        const add = (how: string, label: string | null, b = bytes) => out.push({ name: `${lang} ${cs} ${how}`, bytes: b, label, want });
        add('unlabelled', null);
        add('labelled us-ascii', 'us-ascii');
        add('labelled utf-8', 'utf-8');
        add('labelled as itself', cs);
        if (lang === 'ja') add('labelled iso-2022-jp', 'iso-2022-jp');
        if (lang === 'zh') add('labelled gb2312', 'gb2312');
        add(`in UTF-8, labelled ${cs}`, cs, Buffer.from(want, 'utf8'));
      }
    }
  }
  return out;
}

describe('chooseCharset over the sample matrix', () => {
  const all = cases();

  it(`reads every one of the ${all.length} cases as written`, () => {
    const misses = all.filter((c) => read(c.bytes, chooseCharset(c.bytes, c.label).charset) !== c.want).map((c) => c.name);
    expect(misses).toEqual([]);
  });

  it('decodes raw 8-bit header bytes of every sample without any label', () => {
    const misses: string[] = [];
    for (const [lang, { texts, charsets }] of Object.entries(SAMPLES)) {
      for (const t of texts) for (const cs of charsets) if (decodeHeaderBytes(iconv.encode(t, cs), []).text !== t) misses.push(`${lang} ${cs} ${t}`);
    }
    expect(misses).toEqual([]);
  });

  it('KOI8-R and windows-1251 swapped labels are corrected on a sentence', () => {
    const text = 'Здравствуйте! Принтер в бухгалтерии снова не печатает, помогите пожалуйста.';
    expect(chooseCharset(iconv.encode(text, 'koi8-r'), 'windows-1251')).toMatchObject({ charset: 'koi8-r' });
    expect(chooseCharset(iconv.encode(text, 'cp1251'), 'koi8-r')).toMatchObject({ charset: 'windows-1251' });
  });

  it('keeps a single-byte label that a word or two cannot disprove', () => {
    expect(chooseCharset(iconv.encode('äöüß ad asd', 'latin1'), 'iso-8859-1')).toEqual({ charset: 'windows-1252' });
  });

  it('keeps UTF-8 with one stray Latin-1 byte as UTF-8', () => {
    const bytes = Buffer.concat([Buffer.from('Grüße aus München, schöne Woche, liebe Grüße — Ana '), Buffer.from([0xe9])]);
    expect(chooseCharset(bytes, 'utf-8').charset).toBe('utf-8');
  });

  it('recognizes unlabelled ISO-2022-JP by its escape sequences', () => {
    expect(chooseCharset(Buffer.from('\x1b$B%W%j%s%?!<\x1b(B', 'latin1'), null)).toMatchObject({ charset: 'iso-2022-jp' });
  });
});

describe('whole messages with mislabelled charsets', () => {
  const msg = (head: string, body: Buffer) => Buffer.concat([Buffer.from(`From: Yamada <yamada@customer.example>\r\nTo: support@example.com\r\nMessage-ID: <cs@customer.example>\r\nMIME-Version: 1.0\r\n${head}\r\n`, 'latin1'), body, Buffer.from('\r\n')]);

  it('Shift_JIS body and subject labelled ISO-2022-JP', async () => {
    const subject = iconv.encode('プリンター故障', 'shift_jis').toString('base64');
    const body = 'お世話になっております。プリンターが動きません。';
    const { message } = await parseMessage(
      msg(`Subject: =?ISO-2022-JP?B?${subject}?=\r\nContent-Type: text/plain; charset="ISO-2022-JP"\r\nContent-Transfer-Encoding: 8bit\r\n`, iconv.encode(body, 'shift_jis')),
    );
    expect(message.subject).toBe('プリンター故障');
    expect(message.text.trim()).toBe(body);
    expect(message.problems.join(' ')).toMatch(/labelled ISO-2022-JP holds 8-bit bytes; read as shift_jis/);
  });

  it('raw 8-bit Shift_JIS subject, EUC-JP base64 body labelled us-ascii', async () => {
    const body = '会議室の予約について確認をお願いいたします';
    const { message } = await parseMessage(
      msg(
        `Subject: ${iconv.encode('請求書の件について', 'shift_jis').toString('latin1')}\r\nContent-Type: text/plain; charset=us-ascii\r\nContent-Transfer-Encoding: base64\r\n`,
        Buffer.from(iconv.encode(body, 'euc-jp').toString('base64')),
      ),
    );
    expect(message.subject).toBe('請求書の件について');
    expect(message.text.trim()).toBe(body);
  });

  it('GBK with GB18030-only characters labelled GB2312, quoted-printable, and a GBK encoded-word subject', async () => {
    const body = '您好，打印机坏了。镕喆𠀀';
    const qp = [...iconv.encode(body, 'gb18030')].map((b) => `=${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');
    const { message } = await parseMessage(
      msg(`Subject: =?gb2312?B?${iconv.encode('镕喆的发票', 'gbk').toString('base64')}?=\r\nContent-Type: text/plain; charset=gb2312\r\nContent-Transfer-Encoding: quoted-printable\r\n`, Buffer.from(qp)),
    );
    expect(message.subject).toBe('镕喆的发票');
    expect(message.text.trim()).toBe(body);
  });

  it('KOI8-R body labelled windows-1251, and a raw KOI8-R subject with no Content-Type at all', async () => {
    const body = 'Здравствуйте! Принтер в бухгалтерии снова не печатает, помогите пожалуйста.';
    const labelled = await parseMessage(msg('Subject: test\r\nContent-Type: text/plain; charset=windows-1251\r\nContent-Transfer-Encoding: 8bit\r\n', iconv.encode(body, 'koi8-r')));
    expect(labelled.message.text.trim()).toBe(body);
    const raw = Buffer.concat([Buffer.from('From: ivan@customer.example\r\nSubject: '), iconv.encode('тест тест', 'koi8-r'), Buffer.from('\r\n\r\n'), iconv.encode('Принтер не работает.', 'koi8-r'), Buffer.from('\r\n')]);
    const bare = await parseMessage(raw);
    expect(bare.message.subject).toBe('тест тест');
    expect(bare.message.text.trim()).toBe('Принтер не работает.');
  });

  it('Western European: UTF-8 labelled ISO-8859-1 (and in an encoded word), windows-1252 labelled UTF-8', async () => {
    const de = 'Grüße aus München, der Drucker läuft nicht. Schöne Woche!';
    const a = await parseMessage(msg('Subject: =?ISO-8859-1?Q?Gr=C3=BC=C3=9Fe_aus_M=C3=BCnchen?=\r\nContent-Type: text/plain; charset=iso-8859-1\r\n', Buffer.from(de, 'utf8')));
    expect(a.message.subject).toBe('Grüße aus München');
    expect(a.message.text.trim()).toBe(de);
    const fr = 'Bonjour, l’imprimante ne fonctionne pas. Merci d’avance — Hélène';
    const b = await parseMessage(msg('Subject: x\r\nContent-Type: text/html; charset=utf-8\r\n', iconv.encode(`<p>${fr}</p>`, 'windows-1252')));
    expect(b.message.text.trim()).toBe(fr);
  });

  it('correctly labelled mail is left as it is, with no problem recorded', async () => {
    const { message } = await parseMessage(msg('Subject: =?utf-8?Q?Gr=C3=BC=C3=9Fe?=\r\nContent-Type: text/plain; charset=utf-8\r\n', Buffer.from('Grüße, Ana')));
    expect(message.text.trim()).toBe('Grüße, Ana');
    expect(message.problems).toEqual([]);
  });
});
