import * as iconv from 'iconv-lite';
import { commonHanScore, isKana } from './cjk-common';

/**
 * Reads text as its bytes are, whatever its label says. Mail declares one charset and carries
 * another often enough: Shift_JIS labelled ISO-2022-JP, UTF-8 labelled ISO-8859-1, GBK labelled
 * GB2312, KOI8-R labelled windows-1251, raw 8-bit headers with no label at all.
 *
 * The decision (`chooseCharset`) trusts the label unless the bytes contradict it:
 * - bytes a 7-bit label (US-ASCII, ISO-2022-*) cannot carry are UTF-8 when they are valid UTF-8,
 *   else the most plausible legacy charset (Japanese first under ISO-2022-JP);
 * - valid UTF-8 with multi-byte sequences under a legacy label is UTF-8 (text in a legacy
 *   charset is almost never valid UTF-8; a multi-byte label is kept when its reading is the more
 *   plausible one);
 * - a label its bytes do not fit (invalid UTF-8, a multi-byte charset's undecodable sequences)
 *   gives way to the most plausible reading;
 * - a single-byte label is replaced only when another single-byte charset reads the bytes
 *   clearly better (KOI8-R and windows-1251 swap the case of every Cyrillic letter).
 * Plausibility is measured on the decoded text (`plausibility`): mojibake has tell-tale shapes
 * (accented capitals inside words, case flipping inside Cyrillic words, kana in a Chinese
 * reading, rare Han characters, C1 controls); test/unit/mail/charset-guess.test.ts measures it
 * on Japanese, Chinese, Korean, Cyrillic and Western European samples.
 */

/** Fallbacks for bytes without a usable label, in order of preference on ties. */
const FALLBACKS = ['windows-1252', 'windows-1250', 'iso-8859-2', 'windows-1251', 'koi8-r', 'gb18030', 'shift_jis', 'euc-jp', 'big5', 'cp949'];
/** Single-byte charsets of one script, the usual suspects of a wrong label. */
const SCRIPT_GROUPS = [
  ['windows-1251', 'koi8-r', 'koi8-u', 'iso-8859-5', 'cp866'],
  ['windows-1252', 'iso-8859-15', 'windows-1250', 'iso-8859-2', 'windows-1257', 'windows-1254'],
];
/** Non-ASCII bytes a single-byte label must contradict before it is overruled. */
const MIN_EVIDENCE = 8;
const SINGLE_BYTE = ['windows-1252', 'windows-1250', 'iso-8859-2', 'windows-1251', 'koi8-r', 'koi8-u', 'windows-1253', 'windows-1254', 'windows-1257'];
const JAPANESE = ['shift_jis', 'euc-jp'];
const CJK = new Set(['gb18030', 'gbk', 'shift_jis', 'euc-jp', 'big5', 'euc-kr', 'cp949']);

/** Labels that mean "no particular charset". */
const IGNORED = new Set(['unknown-8bit', 'x-unknown', 'binary', 'unknown', '8bit', 'default', 'x-user-defined']);
/** Labels whose bytes are all below 0x80. */
const SEVEN_BIT = /^(?:us-?ascii|ascii|ansi_x3\.4-1968|iso-?2022-?(?:jp|kr|cn)(?:-\d)?|iso-?646.*|7bit|utf-?7|hz-gb-2312)$/;
const UTF8 = /^utf-?8$/;

/** Analysing this much of a text is enough to decide; the decision applies to the whole. */
const SAMPLE_BYTES = 64 * 1024;

export function isValidUtf8(bytes: Buffer): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** A valid UTF-8 sample cut at SAMPLE_BYTES may end inside a character: judge up to the last whole one. */
function utf8Sample(bytes: Buffer): Buffer {
  if (bytes.length <= SAMPLE_BYTES) return bytes;
  let end = SAMPLE_BYTES;
  while (end > SAMPLE_BYTES - 4 && (bytes[end] & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end);
}

const hasHighBytes = (bytes: Buffer): boolean => bytes.some((b) => b >= 0x80);

/**
 * UTF-8 with at most a stray invalid byte here and there (a gateway's footer in Latin-1, a
 * truncated character): at least one multi-byte character, and no more than one invalid
 * sequence per ten of them. Legacy double-byte text, whose byte pairs often look like UTF-8
 * sequences, has far more invalid ones.
 */
function mostlyUtf8(bytes: Buffer): boolean {
  let bad = 0;
  let multi = 0;
  for (const ch of bytes.toString('utf8')) {
    if (ch === '\ufffd') bad++;
    else if (ch.charCodeAt(0) >= 0x80) multi++;
  }
  return multi > 0 && bad <= Math.max(1, multi / 10);
}
/** ESC $ B, ESC $ @, ESC ( J, ESC $ ( D: an ISO-2022-JP text. */
// eslint-disable-next-line no-control-regex -- the escape sequences ISO-2022-JP switches character sets with start with ESC
const ISO_2022_JP_ESCAPE = /\x1b\$[@B]|\x1b\(J|\x1b\$\(D/;
const hasIso2022JpEscapes = (bytes: Buffer): boolean => ISO_2022_JP_ESCAPE.test(bytes.toString('latin1'));

const isUpper = (cp: number): boolean => {
  const ch = String.fromCodePoint(cp);
  return ch.toLowerCase() !== ch;
};

type Cat = 'ascii-letter' | 'ascii' | 'latin-upper' | 'latin-lower' | 'latin-symbol' | 'cyr-upper' | 'cyr-lower' | 'han' | 'kana' | 'hangul' | 'cjk-other' | 'bad' | 'other';

function category(cp: number): Cat {
  if (cp < 0x80) {
    if ((cp >= 0x41 && cp <= 0x5a) || (cp >= 0x61 && cp <= 0x7a)) return 'ascii-letter';
    if (cp < 0x20 && cp !== 9 && cp !== 10 && cp !== 13) return 'bad';
    return 'ascii';
  }
  if (cp === 0xfffd || (cp >= 0x80 && cp < 0xa0)) return 'bad';
  if (cp >= 0xa0 && cp < 0xc0) return 'latin-symbol';
  if (cp >= 0xc0 && cp <= 0x24f && cp !== 0xd7 && cp !== 0xf7) return isUpper(cp) ? 'latin-upper' : 'latin-lower';
  if (cp >= 0x400 && cp <= 0x4ff) return isUpper(cp) ? 'cyr-upper' : 'cyr-lower';
  if (isKana(cp)) return 'kana';
  // Half-width katakana is what Shift_JIS makes of most single high bytes: rare in real text.
  if (cp >= 0xff61 && cp <= 0xff9f) return 'other';
  if ((cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0x3400 && cp <= 0x4dbf) || (cp >= 0xf900 && cp <= 0xfaff)) return 'han';
  if (cp >= 0xac00 && cp <= 0xd7af) return 'hangul';
  if ((cp >= 0x3000 && cp <= 0x303f) || (cp >= 0xff00 && cp <= 0xff60)) return 'cjk-other';
  if ((cp >= 0x2010 && cp <= 0x2027) || (cp >= 0x2030 && cp <= 0x205e) || (cp >= 0x20a0 && cp <= 0x20bf) || (cp >= 0x2100 && cp <= 0x214f)) return 'latin-symbol';
  if (cp >= 0x2500 && cp <= 0x25ff) return 'latin-symbol';
  return 'other';
}

const isLetter = (c: Cat): boolean => c !== 'ascii' && c !== 'bad' && c !== 'latin-symbol' && c !== 'other' && c !== 'cjk-other';
const isCyrillic = (c: Cat): boolean => c === 'cyr-upper' || c === 'cyr-lower';

/** Which script family a charset writes, for the scores only that family earns. */
export type Family = 'japanese' | 'chinese' | 'korean' | 'other';

export function familyOf(charset: string): Family {
  const c = charset.toLowerCase();
  if (/shift|sjis|jis|euc-?jp|cp932|iso-?2022-?jp/.test(c)) return 'japanese';
  if (/gb|big5|cp936|hz/.test(c)) return 'chinese';
  if (/euc-?kr|cp949|ks_c|iso-?2022-?kr/.test(c)) return 'korean';
  return 'other';
}

/**
 * How plausible `text` is as human writing; higher is more plausible. `family` is the script
 * family of the charset it was decoded from: kana count only in a Japanese reading and Hangul
 * only in a Korean one. Exported for tests.
 */
export function plausibility(text: string, family: Family = 'other'): number {
  const cps = Array.from(text, (ch) => ch.codePointAt(0) ?? 0);
  const cats = cps.map(category);
  let score = 0;
  let wordStart = 0;
  for (let i = 0; i < cats.length; i++) {
    const c = cats[i];
    const prev = i > 0 ? cats[i - 1] : 'ascii';
    const next = i + 1 < cats.length ? cats[i + 1] : 'ascii';
    if (!isLetter(prev)) wordStart = i;
    switch (c) {
      case 'bad':
        score -= 20;
        break;
      case 'latin-symbol':
        // Punctuation and symbols are fine between words, not glued inside one.
        score -= isLetter(prev) && isLetter(next) ? 4 : 1;
        break;
      case 'latin-upper':
      case 'latin-lower': {
        // Accented letters live inside Latin words; a word made only of them is mojibake.
        let j = wordStart;
        let asciiInWord = false;
        while (j < cats.length && isLetter(cats[j])) {
          if (cats[j] === 'ascii-letter') asciiInWord = true;
          j++;
        }
        const wordLen = j - wordStart;
        if (!asciiInWord && wordLen >= 3) score -= 3;
        else if (c === 'latin-upper' && i > wordStart && prev !== 'latin-upper' && prev !== 'ascii-letter') score -= 2;
        else if (c === 'latin-upper' && i > wordStart && prev === 'ascii-letter' && cps[i - 1] >= 0x61) score -= 2;
        else if (isCyrillic(prev) || isCyrillic(next)) score -= 3;
        else score += 1;
        break;
      }
      case 'cyr-upper':
        // A capital after a lower-case letter inside a word: KOI8-R read as windows-1251 or back.
        if (prev === 'cyr-lower') score -= 4;
        else score += i > wordStart ? 0.5 : 1;
        if (prev === 'ascii-letter' || next === 'ascii-letter') score -= 4;
        break;
      case 'cyr-lower':
        score += prev === 'ascii-letter' || next === 'ascii-letter' ? -4 : 1;
        if (prev === 'latin-upper' || prev === 'latin-lower') score -= 2;
        break;
      case 'kana':
        score += family === 'japanese' ? 2 : family === 'other' ? 0 : -2;
        break;
      case 'hangul':
        score += family === 'korean' ? commonHanScore(cps[i]) : -2;
        break;
      case 'han':
        score += commonHanScore(cps[i]) - (prev === 'ascii-letter' || next === 'ascii-letter' ? 3 : 0);
        break;
      case 'cjk-other':
        score += 0.5;
        break;
      case 'ascii-letter':
        // "żCuándo": an ASCII capital right after an accented lower-case letter is a misread symbol.
        if (cps[i] <= 0x5a && prev === 'latin-lower') score -= 3;
        break;
      case 'ascii':
        // Chinese and Japanese put no spaces between words; Korean does: "橇赴磐啊 绊厘车" is Korean misread.
        if (cps[i] === 0x20 && (family === 'chinese' || family === 'japanese') && prev === 'han' && (next === 'han' || next === 'kana')) score -= 4;
        break;
      case 'other':
        score -= 3;
        break;
      default:
        break;
    }
  }
  return score;
}

/** Normalizes a charset label to an iconv-lite name, or null when iconv-lite cannot decode it. */
export function usableCharset(label: string): string | null {
  const name = label.trim().toLowerCase().replace(/^["']|["']$/g, '');
  if (!name || IGNORED.has(name) || SEVEN_BIT.test(name) || UTF8.test(name)) return null;
  const mapped = /^(?:gb2312|x-gbk|gbk|cp936|euc-cn|csgb2312|x-euc-cn)$/.test(name)
    ? 'gb18030'
    : name === 'ks_c_5601-1987' || name === 'euc-kr'
      ? 'cp949'
      : /^(?:iso-?8859-1|latin-?1|l1|cp819)$/.test(name)
        ? 'windows-1252'
        : name;
  return iconv.encodingExists(mapped) ? mapped : null;
}

const decode = (bytes: Buffer, charset: string): string => iconv.decode(bytes, charset);

interface Reading {
  charset: string;
  score: number;
}

function best(bytes: Buffer, candidates: readonly string[], bonus: Record<string, number> = {}): Reading {
  let top: Reading = { charset: candidates[0], score: -Infinity };
  for (const charset of candidates) {
    const score = plausibility(decode(bytes, charset), familyOf(charset)) + (bonus[charset] ?? 0);
    if (score > top.score) top = { charset, score };
  }
  return top;
}

/** What to decode `bytes` with, and why when it is not the label. */
export interface CharsetChoice {
  /** An iconv-lite name, `utf-8`, or `iso-2022-jp` (decoded by libmime through encoding-japanese). */
  charset: string;
  /** Set when the label was overruled: a short reason for the problems list. */
  reason?: string;
}

/**
 * The charset `bytes` are really in, given the label they came with (null: none). Linear in
 * the bytes analysed (at most 64 KB); loads a double-byte table only when a double-byte
 * reading has to be tried.
 */
export function chooseCharset(all: Buffer, label: string | null): CharsetChoice {
  const bytes = all.length > SAMPLE_BYTES ? all.subarray(0, SAMPLE_BYTES) : all;
  const declared = (label ?? '').trim().toLowerCase().replace(/^["']|["']$/g, '');
  const sevenBit = declared === '' || IGNORED.has(declared) || SEVEN_BIT.test(declared);
  const usable = usableCharset(declared);
  if (!hasHighBytes(bytes)) {
    if (hasIso2022JpEscapes(bytes) && !/^iso-?2022-?jp/.test(declared)) return { charset: 'iso-2022-jp', reason: 'ISO-2022-JP escape sequences' };
    return { charset: usable ?? (UTF8.test(declared) ? 'utf-8' : declared || 'us-ascii') };
  }
  const utf8 = isValidUtf8(utf8Sample(all));
  if (UTF8.test(declared)) {
    // Valid, or mostly UTF-8 with a stray byte: keep it. Only bytes with no UTF-8 sequence at all are another charset.
    if (utf8 || mostlyUtf8(bytes)) return { charset: 'utf-8' };
    const guess = best(bytes, FALLBACKS);
    return { charset: guess.charset, reason: 'bytes that are not UTF-8' };
  }
  if (sevenBit) {
    if (utf8) return { charset: 'utf-8', reason: '8-bit bytes that are UTF-8' };
    const japanese = /^iso-?2022-?jp/.test(declared);
    const guess = best(bytes, japanese ? [...JAPANESE, ...FALLBACKS.filter((c) => !JAPANESE.includes(c))] : FALLBACKS, japanese ? { shift_jis: 3, 'euc-jp': 3 } : {});
    return { charset: guess.charset, reason: '8-bit bytes' };
  }
  if (usable === null) return { charset: utf8 ? 'utf-8' : declared };
  const multiByte = CJK.has(usable) || familyOf(usable) !== 'other';
  if (utf8) {
    if (!multiByte) return { charset: 'utf-8', reason: 'bytes that are UTF-8' };
    const asUtf8 = plausibility(bytes.toString('utf8'), 'other');
    const asLabel = plausibility(decode(bytes, usable), familyOf(usable));
    return asUtf8 >= asLabel ? { charset: 'utf-8', reason: 'bytes that are UTF-8' } : { charset: usable };
  }
  const asLabel = plausibility(decode(bytes, usable), familyOf(usable));
  if (multiByte) {
    // A double-byte label whose reading has undecodable sequences is another charset.
    if (!decode(bytes, usable).includes('\ufffd')) return { charset: usable };
    const guess = best(bytes, [usable, ...FALLBACKS.filter((c) => c !== usable)], { [usable]: 3 });
    return guess.charset === usable ? { charset: usable } : { charset: guess.charset, reason: 'undecodable sequences' };
  }
  // Another single-byte reading must be clearly better, on enough evidence: every reading
  // decodes every byte, and a word or two proves nothing. Rivals are the charsets of the same
  // script (KOI8-R and windows-1251 swap cases; Latin-1 and Latin-2 differ in a few letters),
  // any script only when the label's reading is hopeless (mostly words of mojibake).
  const high = bytes.reduce((n, b) => n + (b >= 0x80 ? 1 : 0), 0);
  if (high < MIN_EVIDENCE) return { charset: usable };
  const group = SCRIPT_GROUPS.find((g) => g.includes(usable));
  const rivals = asLabel < -high ? SINGLE_BYTE : (group ?? []);
  const guess = best(bytes, [usable, ...rivals.filter((c) => c !== usable)]);
  if (guess.charset !== usable && guess.score > asLabel + 6 + Math.abs(asLabel) * 0.25) return { charset: guess.charset, reason: 'bytes another charset reads better' };
  return { charset: usable };
}

/**
 * Decodes raw 8-bit header bytes: UTF-8 when valid, else the most plausible of the declared
 * charsets (preferred) and the fallbacks.
 */
export function decodeHeaderBytes(bytes: Buffer, declared: readonly string[]): { text: string; charset: string } {
  if (isValidUtf8(bytes)) return { text: bytes.toString('utf8'), charset: 'utf-8' };
  const candidates: string[] = [];
  const bonus: Record<string, number> = {};
  for (const d of declared) {
    const cs = usableCharset(d);
    if (cs && !candidates.includes(cs)) {
      candidates.push(cs);
      bonus[cs] = 3;
    }
  }
  for (const cs of FALLBACKS) if (!candidates.includes(cs)) candidates.push(cs);
  const { charset } = best(bytes, candidates, bonus);
  return { text: decode(bytes, charset), charset };
}
