import { decodeHeaderBytes, isValidUtf8 } from './charset-guess';

/**
 * Pre-pass over the raw message bytes that repairs what mailparser reads wrong, before it
 * sees them:
 * - unencoded 8-bit header bytes in a legacy charset (GBK, KOI8-R, Latin-1 ...) become UTF-8,
 *   which mailparser reads as RFC 6532 headers;
 * - parts with `Content-Transfer-Encoding: x-uuencode` are re-encoded as base64 (mailparser
 *   yields an empty attachment for them).
 * It also notes structural problems (no header block, unterminated multipart). One linear
 * scan over lines; the body is only copied when something has to change.
 */
export interface NormalizedRaw {
  raw: Buffer;
  problems: string[];
  /** Charsets declared anywhere in the message's headers (Content-Type params, encoded words). */
  declaredCharsets: string[];
}

interface Replacement {
  start: number;
  end: number;
  bytes: Buffer;
}

/** Header blocks longer than this are not inspected further (a hostile message can be all header). */
const MAX_BLOCK_TEXT = 256 * 1024;

const HEADER_LINE = /^[!-9;-~]+[ \t]*:/;

export function normalizeRaw(raw: Buffer): NormalizedRaw {
  const problems: string[] = [];
  const declared: string[] = [];
  const addDeclared = (cs: string): void => {
    const c = cs.toLowerCase();
    if (!declared.includes(c)) declared.push(c);
  };
  const boundaries = new Set<string>();
  const closed = new Set<string>();
  const highLines: Array<{ start: number; end: number; eolLen: number }> = [];
  const uuParts: Array<{ cteStart: number; cteEnd: number; bodyStart: number; bodyEnd: number; eol: string }> = [];

  let pos = 0;
  let inHeader = true;
  let firstBlock = true;
  let blockText = '';
  let blockLines = 0;
  let cteLine: { start: number; end: number } | null = null;
  let dispLine: { start: number; end: number } | null = null;
  const dispFixes: Array<{ start: number; end: number }> = [];
  let openUu: { cteStart: number; cteEnd: number; bodyStart: number; eol: string } | null = null;
  let lastHeaderKey = '';
  const len = raw.length;

  const endBlock = (bodyStart: number, eol: string): void => {
    if (firstBlock && blockLines === 0) problems.push('message has no header block');
    firstBlock = false;
    const ct = /^content-type[ \t]*:[ \t]*([^;\s]+)/im.exec(blockText)?.[1]?.toLowerCase() ?? '';
    const bm = /boundary[ \t]*=[ \t]*(?:"([^"]+)"|([^\s;]+))/i.exec(blockText);
    if (bm && ct.startsWith('multipart/')) boundaries.add((bm[1] ?? bm[2]).trim());
    for (const m of blockText.matchAll(/charset[ \t]*=[ \t]*"?([\w.:+-]+)/gi)) addDeclared(m[1]);
    for (const m of blockText.matchAll(/=\?([\w.:+-]+)(?:\*[\w-]+)?\?[bq]\?/gi)) addDeclared(m[1]);
    const cte = /^content-transfer-encoding[ \t]*:[ \t]*([^\s;]+)/im.exec(blockText)?.[1]?.toLowerCase() ?? '';
    inHeader = false;
    // A named text part marked inline is a file the sender attached (RFC 2183 allows inline
    // files); mailparser would merge it into the body and lose the name.
    if (dispLine && ct.startsWith('text/') && /^content-disposition[ \t]*:[ \t]*inline[\s\S]*?filename\*?(?:0\*?)?[ \t]*=/im.test(blockText)) {
      dispFixes.push(dispLine);
    }
    dispLine = null;
    if (/^(x-)?uu(encode|e)?$/.test(cte) && cteLine) {
      openUu = { cteStart: cteLine.start, cteEnd: cteLine.end, bodyStart, eol };
    }
    // An attached message/rfc822 is left byte-exact: it is stored as an attachment as received.
    blockText = '';
    blockLines = 0;
    cteLine = null;
  };

  while (pos < len) {
    let nl = raw.indexOf(10, pos);
    if (nl < 0) nl = len;
    const lineEnd = nl > pos && raw[nl - 1] === 13 ? nl - 1 : nl;
    const next = nl < len ? nl + 1 : len;
    const eol = nl >= len ? '' : lineEnd < nl ? '\r\n' : '\n';
    if (inHeader) {
      if (lineEnd === pos) {
        endBlock(next, eol || '\r\n');
      } else {
        let high = false;
        for (let i = pos; i < lineEnd; i++) {
          if (raw[i] >= 0x80) {
            high = true;
            break;
          }
        }
        const text = raw.toString('latin1', pos, Math.min(lineEnd, pos + 4096));
        const continuation = text.startsWith(' ') || text.startsWith('\t');
        if (firstBlock && blockLines === 0 && !HEADER_LINE.test(text) && !text.startsWith('From ') && !headerFollows(raw, next)) {
          // Not a header at all: treat the whole thing as a body without headers.
          problems.push('message has no header block');
          firstBlock = false;
          inHeader = false;
          continue;
        }
        if (!continuation) lastHeaderKey = /^([^:\s]+)/.exec(text)?.[1]?.toLowerCase() ?? '';
        if (lastHeaderKey === 'content-transfer-encoding' && !continuation) cteLine = { start: pos, end: next };
        if (lastHeaderKey === 'content-disposition' && !continuation) dispLine = { start: pos, end: lineEnd };
        if (high) highLines.push({ start: pos, end: lineEnd, eolLen: 0 });
        if (blockText.length < MAX_BLOCK_TEXT) blockText += `${text}\n`;
        blockLines++;
      }
    } else if (raw[pos] === 0x2d && raw[pos + 1] === 0x2d && lineEnd - pos < 300 && boundaries.size > 0) {
      const text = raw.toString('latin1', pos + 2, lineEnd).trimEnd();
      let matched: string | null = null;
      let closing = false;
      if (boundaries.has(text)) matched = text;
      else if (text.endsWith('--') && boundaries.has(text.slice(0, -2))) {
        matched = text.slice(0, -2);
        closing = true;
      }
      if (matched !== null) {
        if (openUu) {
          const u: { cteStart: number; cteEnd: number; bodyStart: number; eol: string } = openUu;
          uuParts.push({ ...u, bodyEnd: pos });
          openUu = null;
        }
        if (closing) closed.add(matched);
        else inHeader = true;
      }
    }
    pos = next;
  }
  if (inHeader && firstBlock) endBlock(len, '\r\n');
  if (openUu) {
    const u: { cteStart: number; cteEnd: number; bodyStart: number; eol: string } = openUu;
    uuParts.push({ ...u, bodyEnd: len });
  }
  for (const b of boundaries) {
    if (!closed.has(b)) {
      problems.push(`multipart boundary "${b.slice(0, 70)}" is never closed (message may be truncated)`);
      break;
    }
  }

  const replacements: Replacement[] = [];
  if (highLines.length > 0) {
    const invalid = highLines.filter((l) => !isValidUtf8(raw.subarray(l.start, l.end)));
    if (invalid.length > 0) {
      const sample = Buffer.concat(invalid.slice(0, 50).map((l) => raw.subarray(l.start, Math.min(l.end, l.start + 2000))));
      const { charset } = decodeHeaderBytes(sample, declared);
      problems.push(`8-bit header bytes without MIME encoding; decoded as ${charset}`);
      for (const l of invalid) {
        const decoded = decodeHeaderBytes(raw.subarray(l.start, l.end), [charset]).text;
        replacements.push({ start: l.start, end: l.end, bytes: Buffer.from(decoded, 'utf8') });
      }
    }
  }
  for (const d of dispFixes) {
    const line = raw.toString('latin1', d.start, d.end).replace(/inline/i, 'attachment');
    replacements.push({ start: d.start, end: d.end, bytes: Buffer.from(line, 'latin1') });
  }
  for (const u of uuParts) {
    const decoded = uudecode(raw.toString('latin1', u.bodyStart, u.bodyEnd));
    if (decoded === null) {
      problems.push('x-uuencode part could not be decoded');
      continue;
    }
    replacements.push({ start: u.cteStart, end: u.cteEnd, bytes: Buffer.from(`Content-Transfer-Encoding: base64${u.eol}`) });
    const b64 = decoded.toString('base64').replace(/.{76}/g, `$&${u.eol}`);
    replacements.push({ start: u.bodyStart, end: u.bodyEnd, bytes: Buffer.from(`${b64}${u.eol}`) });
  }
  // Without a header block mailparser would read the first lines as headers and lose them.
  if (problems.includes('message has no header block')) replacements.push({ start: 0, end: 0, bytes: Buffer.from('\r\n') });
  if (replacements.length === 0) return { raw, problems, declaredCharsets: declared };
  replacements.sort((a, b) => a.start - b.start);
  const pieces: Buffer[] = [];
  let at = 0;
  for (const r of replacements) {
    if (r.start < at) continue;
    pieces.push(raw.subarray(at, r.start), r.bytes);
    at = r.end;
  }
  pieces.push(raw.subarray(at));
  return { raw: Buffer.concat(pieces), problems, declaredCharsets: declared };
}

/**
 * Decodes a uuencoded body. MIME x-uuencode parts often omit the "begin 644 name" line and
 * carry the data lines alone; null when no data line is found.
 */
export function uudecode(body: string): Buffer | null {
  const lines = body.split(/\r?\n/);
  const begin = lines.findIndex((l) => /^begin\s+[0-7]{3,4}\s/.test(l));
  if (begin < 0 && !lines.some((l) => /^[!-M][ -`]+$/.test(l))) return null;
  const out: number[] = [];
  for (let i = begin + 1; i < lines.length; i++) {
    const line = lines[i];
    if (line === 'end' || line.startsWith('end ')) break;
    if (line.length === 0) continue;
    const n = (line.charCodeAt(0) - 32) & 63;
    if (n === 0) continue;
    const bytes: number[] = [];
    for (let j = 1; j + 3 < line.length + 3 && bytes.length < n; j += 4) {
      const c = [0, 1, 2, 3].map((k) => (j + k < line.length ? (line.charCodeAt(j + k) - 32) & 63 : 0));
      bytes.push(((c[0] << 2) | (c[1] >> 4)) & 255, ((c[1] << 4) | (c[2] >> 2)) & 255, ((c[2] << 6) | c[3]) & 255);
    }
    for (let k = 0; k < n && k < bytes.length; k++) out.push(bytes[k]);
  }
  return Buffer.from(out);
}

/** True when one of the next three lines is a header line (a junk first line mailparser skips). */
function headerFollows(raw: Buffer, from: number): boolean {
  let pos = from;
  for (let i = 0; i < 3 && pos < raw.length; i++) {
    let nl = raw.indexOf(10, pos);
    if (nl < 0) nl = raw.length;
    if (HEADER_LINE.test(raw.toString('latin1', pos, Math.min(nl, pos + 200)))) return true;
    pos = nl + 1;
  }
  return false;
}
