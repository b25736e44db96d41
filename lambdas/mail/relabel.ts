import { chooseCharset, usableCharset } from './charset-guess';

/**
 * Charset labels corrected to what the bytes are, before mailparser reads them (used by the
 * raw pre-pass, raw-normalize.ts): a text part's `charset=` parameter and the charset of RFC
 * 2047 encoded words. Only labels change; the bytes stay as they are.
 */

/** A text part bigger than this is judged on its first bytes (chooseCharset samples 64 KB anyway). */
const MAX_BODY_INPUT = 256 * 1024;

/** The bytes of a body under its Content-Transfer-Encoding (7bit, 8bit, binary, quoted-printable, base64). */
export function decodeTransfer(body: Buffer, cte: string): Buffer {
  const input = body.length > MAX_BODY_INPUT ? body.subarray(0, MAX_BODY_INPUT) : body;
  if (cte === 'base64') return Buffer.from(input.toString('latin1').replace(/[^A-Za-z0-9+/]/g, ''), 'base64');
  if (cte === 'quoted-printable') return decodeQuotedPrintable(input.toString('latin1'));
  return input;
}

function decodeQuotedPrintable(text: string): Buffer {
  const s = text.replace(/=\r?\n/g, '');
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x3d && /^[0-9A-Fa-f]{2}$/.test(s.slice(i + 1, i + 3))) {
      out.push(parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else out.push(c & 0xff);
  }
  return Buffer.from(out);
}

/** The charset a text part's bytes should be read in, when it is not its label; null to leave it. */
export function textPartRelabel(bytes: Buffer, declared: string | null): { charset: string; reason: string } | null {
  const choice = chooseCharset(bytes, declared);
  if (choice.reason) return { charset: choice.charset, reason: choice.reason };
  // GB2312 and GBK labels are read as GB18030, their superset (what the WHATWG encoding standard does too).
  if (declared !== null && choice.charset === 'gb18030' && !/^gb18030$/i.test(declared.trim())) return { charset: 'gb18030', reason: 'GB18030 is the superset of its label' };
  return null;
}

/** A Content-Type field's text with its charset parameter set to `charset` (added when missing). */
export function withCharsetParam(field: string, charset: string): string {
  const param = /(;\s*charset\s*=\s*)(?:"[^"]*"|[^\s;]*)/i;
  if (param.test(field)) return field.replace(param, `$1${charset}`);
  const eol = /\r?\n$/.exec(field)?.[0] ?? '';
  return `${field.slice(0, field.length - eol.length).trimEnd()}; charset=${charset}${eol}`;
}

const ENCODED_WORD = /=\?([^?\s*]+)(\*[^?\s]*)?\?([bBqQ])\?([^?\s]*)\?=/g;

function wordBytes(encoding: string, data: string): Buffer {
  if (encoding.toLowerCase() === 'b') return Buffer.from(data.replace(/[^A-Za-z0-9+/]/g, ''), 'base64');
  return decodeQuotedPrintable(data.replace(/_/g, ' '));
}

/**
 * A header field's text (7-bit, as its bytes) with the charset of its encoded words corrected
 * where their bytes contradict it: all words of one label in the field are judged together
 * (a character may be split across two words), and relabelled together. Null when nothing
 * changes; otherwise the new text and the labels changed.
 */
export function relabelEncodedWords(field: string): { text: string; changes: string[] } | null {
  const byLabel = new Map<string, Buffer[]>();
  for (const m of field.matchAll(ENCODED_WORD)) {
    const label = m[1].toLowerCase();
    const list = byLabel.get(label) ?? [];
    list.push(wordBytes(m[3], m[4]));
    byLabel.set(label, list);
  }
  const relabel = new Map<string, string>();
  const changes: string[] = [];
  for (const [label, parts] of byLabel) {
    const choice = chooseCharset(Buffer.concat(parts), label);
    if (!choice.reason || choice.charset === (usableCharset(label) ?? label)) continue;
    relabel.set(label, choice.charset);
    changes.push(`${label} -> ${choice.charset} (${choice.reason})`);
  }
  if (relabel.size === 0) return null;
  const text = field.replace(ENCODED_WORD, (all, label: string, lang: string | undefined, enc: string, data: string) => {
    const to = relabel.get(label.toLowerCase());
    return to === undefined ? all : `=?${to}${lang ?? ''}?${enc}?${data}?=`;
  });
  return { text, changes };
}
