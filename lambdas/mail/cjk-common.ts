import * as iconv from 'iconv-lite';

/**
 * Which Han characters and Hangul syllables are common, taken from the charsets themselves (no
 * data of our own): the first level of GB 2312 (3,755 characters of everyday simplified
 * Chinese), of JIS X 0208 (2,965 everyday kanji), Big5's "frequently used" block (5,401
 * traditional characters) and KS X 1001's 2,350 Hangul syllables. Mojibake from a wrong
 * double-byte reading lands mostly outside them (GBK's extension rows, Big5's less common
 * block, kanji level 2, the syllables only Unified Hangul Code adds). Built once, on the first
 * double-byte guess; it loads those four iconv-lite tables.
 */
let common: Set<number> | null = null;

function rows(charset: string, leads: [number, number], trails: Array<[number, number]>, into: Set<number>): void {
  const bytes: number[] = [];
  for (let lead = leads[0]; lead <= leads[1]; lead++) {
    for (const [from, to] of trails) for (let t = from; t <= to; t++) bytes.push(lead, t);
  }
  for (const ch of iconv.decode(Buffer.from(bytes), charset)) {
    const cp = ch.codePointAt(0) ?? 0;
    if (cp !== 0xfffd) into.add(cp);
  }
}

function commonSet(): Set<number> {
  if (common) return common;
  const set = new Set<number>();
  rows('gb18030', [0xb0, 0xd7], [[0xa1, 0xfe]], set);
  rows('euc-jp', [0xb0, 0xcf], [[0xa1, 0xfe]], set);
  rows('big5', [0xa4, 0xc6], [[0x40, 0x7e], [0xa1, 0xfe]], set);
  rows('cp949', [0xb0, 0xc8], [[0xa1, 0xfe]], set);
  common = set;
  return set;
}

/** Hiragana, katakana and the prolonged sound mark. */
export function isKana(cp: number): boolean {
  return (cp >= 0x3041 && cp <= 0x3096) || (cp >= 0x30a1 && cp <= 0x30fa) || cp === 0x30fc;
}

/** +2 for a common Han character or Hangul syllable, -1 for any other. */
export function commonHanScore(cp: number): number {
  return commonSet().has(cp) ? 2 : -1;
}
