import * as iconv from 'iconv-lite';

/**
 * Guesses the charset of raw 8-bit header bytes that arrived without MIME encoding.
 *
 * Mailers that put unencoded GBK, KOI8-R or Latin-1 into headers (Outlook Express, Eudora,
 * old webmail) almost always also label a body part with the same charset, so declared
 * charsets are tried first; otherwise each fallback decode is scored for plausibility
 * (mojibake has tell-tale shapes: accented capitals inside words, CJK glued to Latin
 * letters, C1 control characters) and the best one wins, earlier candidates on ties.
 */
const FALLBACKS = ['windows-1252', 'koi8-r', 'windows-1251', 'gbk', 'shift_jis', 'euc-kr', 'big5'];

const IGNORED = new Set(['us-ascii', 'ascii', 'utf-8', 'utf8', 'unknown-8bit', 'x-unknown', 'binary']);

export function isValidUtf8(bytes: Buffer): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

type Cat = 'ascii-letter' | 'ascii' | 'latin-upper' | 'latin-lower' | 'latin-symbol' | 'cyr-upper' | 'cyr-lower' | 'cjk' | 'bad' | 'other';

function category(cp: number): Cat {
  if (cp < 0x80) {
    if ((cp >= 0x41 && cp <= 0x5a) || (cp >= 0x61 && cp <= 0x7a)) return 'ascii-letter';
    if (cp < 0x20 && cp !== 9 && cp !== 10 && cp !== 13) return 'bad';
    return 'ascii';
  }
  if (cp === 0xfffd || (cp >= 0x80 && cp < 0xa0)) return 'bad';
  if (cp >= 0xa0 && cp < 0xc0) return 'latin-symbol';
  if (cp >= 0xc0 && cp <= 0xde && cp !== 0xd7) return 'latin-upper';
  if (cp >= 0xdf && cp <= 0x24f) return cp >= 0x100 && cp % 2 === 0 ? 'latin-upper' : 'latin-lower';
  if (cp >= 0x410 && cp <= 0x42f) return 'cyr-upper';
  if (cp >= 0x430 && cp <= 0x44f) return 'cyr-lower';
  if (cp >= 0x400 && cp <= 0x4ff) return 'cyr-lower';
  // Half-width katakana is what Shift_JIS makes of most single high bytes: rare in real text.
  if (cp >= 0xff61 && cp <= 0xff9f) return 'other';
  if ((cp >= 0x3000 && cp <= 0x9fff) || (cp >= 0xac00 && cp <= 0xd7af) || (cp >= 0xff00 && cp <= 0xffef)) return 'cjk';
  if (cp >= 0x2500 && cp <= 0x25ff) return 'latin-symbol';
  return 'other';
}

const isLetter = (c: Cat): boolean => c !== 'ascii' && c !== 'bad' && c !== 'latin-symbol' && c !== 'other';

/** Higher is more plausible. Exported for tests. */
export function plausibility(text: string): number {
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
        score -= 3;
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
        else score += 1;
        break;
      }
      case 'cyr-upper':
        score += i > wordStart ? 0 : 1;
        if (prev === 'ascii-letter' || next === 'ascii-letter') score -= 4;
        break;
      case 'cyr-lower':
        score += prev === 'ascii-letter' || next === 'ascii-letter' ? -4 : 1;
        if (prev === 'latin-upper' || prev === 'latin-lower') score -= 2;
        break;
      case 'cjk':
        score += prev === 'ascii-letter' || next === 'ascii-letter' ? -4 : 2;
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
  if (!name || IGNORED.has(name)) return null;
  const mapped = name === 'gb2312' || name === 'x-gbk' ? 'gbk' : name === 'ks_c_5601-1987' ? 'cp949' : name;
  return iconv.encodingExists(mapped) ? mapped : null;
}

/**
 * Decodes raw 8-bit header bytes: UTF-8 when valid, else the most plausible of the declared
 * charsets (preferred) and the fallbacks.
 */
export function decodeHeaderBytes(bytes: Buffer, declared: readonly string[]): { text: string; charset: string } {
  if (isValidUtf8(bytes)) return { text: bytes.toString('utf8'), charset: 'utf-8' };
  const candidates: Array<{ charset: string; bonus: number }> = [];
  const seen = new Set<string>();
  for (const d of declared) {
    const cs = usableCharset(d);
    if (cs && !seen.has(cs)) {
      seen.add(cs);
      candidates.push({ charset: cs, bonus: 3 });
    }
  }
  for (const cs of FALLBACKS) if (!seen.has(cs)) candidates.push({ charset: cs, bonus: 0 });
  let best = { text: iconv.decode(bytes, 'windows-1252'), charset: 'windows-1252', score: -Infinity };
  for (const { charset, bonus } of candidates) {
    const text = iconv.decode(bytes, charset);
    const score = plausibility(text) + bonus;
    if (score > best.score) best = { text, charset, score };
  }
  return { text: best.text, charset: best.charset };
}
