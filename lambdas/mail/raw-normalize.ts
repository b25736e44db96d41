import { decodeHeaderBytes, isValidUtf8 } from './charset-guess';
import { decodeTransfer, relabelEncodedWords, textPartRelabel, withCharsetParam } from './relabel';

/**
 * Pre-pass over the raw message bytes that repairs what mailparser reads wrong, before it
 * sees them:
 * - unencoded 8-bit header bytes in a legacy charset (GBK, KOI8-R, Latin-1 ...) become UTF-8,
 *   which mailparser reads as RFC 6532 headers;
 * - parts with `Content-Transfer-Encoding: x-uuencode` are re-encoded as base64 (mailparser
 *   yields an empty attachment for them);
 * - charset labels that contradict the bytes they label (a text part's `charset=`, encoded
 *   words) are corrected, so the text is read as its bytes are (relabel.ts).
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
  // Charset labels: each header field's range, the current block's start and Content-Type field,
  // and the inline text parts with their body ranges.
  const fields: Array<{ start: number; end: number; high: boolean }> = [];
  let blockStart = 0;
  let ctField: { start: number; end: number } | null = null;
  let openText: TextPart | null = null;
  const textParts: Array<TextPart & { bodyEnd: number }> = [];

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
    const attached = /^content-disposition[ \t]*:[ \t]*attachment/im.test(blockText) || /\b(?:file)?name\*?(?:0\*?)?[ \t]*=/i.test(blockText);
    if ((ct === '' || ct === 'text/plain' || ct === 'text/html') && !attached && blockText.length < MAX_BLOCK_TEXT) {
      const ctValue = /^content-type[ \t]*:([^\n]*(?:\n[ \t][^\n]*)*)/im.exec(blockText)?.[1] ?? '';
      const charset = /;\s*charset\s*=\s*"?([^"\s;]+)/i.exec(ctValue)?.[1] ?? null;
      openText = { blockStart, ctField, cte, charset, bodyStart, eol };
    }
    ctField = null;
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
        if (blockLines === 0) blockStart = pos;
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
        const field = fields[fields.length - 1];
        if (continuation && field !== undefined && field.end <= pos) {
          field.end = lineEnd;
          field.high ||= high;
        } else fields.push({ start: pos, end: lineEnd, high });
        if (lastHeaderKey === 'content-type') ctField = { start: continuation && ctField ? ctField.start : pos, end: lineEnd };
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
        if (openText) {
          const t: TextPart = openText;
          textParts.push({ ...t, bodyEnd: pos });
          openText = null;
        }
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
  if (openText) {
    const t: TextPart = openText;
    textParts.push({ ...t, bodyEnd: len });
  }
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
  relabelCharsets(raw, textParts, fields, replacements, problems);
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

interface TextPart {
  blockStart: number;
  ctField: { start: number; end: number } | null;
  cte: string;
  charset: string | null;
  bodyStart: number;
  eol: string;
}

/** Text parts' charset parameters and encoded words whose labels contradict their bytes. */
function relabelCharsets(
  raw: Buffer,
  textParts: ReadonlyArray<TextPart & { bodyEnd: number }>,
  fields: ReadonlyArray<{ start: number; end: number; high: boolean }>,
  replacements: Replacement[],
  problems: string[],
): void {
  for (const part of textParts) {
    const relabel = textPartRelabel(decodeTransfer(raw.subarray(part.bodyStart, part.bodyEnd), part.cte), part.charset);
    if (!relabel) continue;
    if (relabel.reason !== 'GB18030 is the superset of its label') {
      problems.push(`text part ${part.charset ? `labelled ${part.charset}` : "without a charset"} holds ${relabel.reason}; read as ${relabel.charset}`);
    }
    if (part.ctField) {
      const field = raw.toString('latin1', part.ctField.start, part.ctField.end);
      replacements.push({ start: part.ctField.start, end: part.ctField.end, bytes: Buffer.from(withCharsetParam(field, relabel.charset), 'latin1') });
    } else {
      replacements.push({ start: part.blockStart, end: part.blockStart, bytes: Buffer.from(`Content-Type: text/plain; charset=${relabel.charset}${part.eol}`, 'latin1') });
    }
  }
  for (const f of fields) {
    // 8-bit fields are decoded whole by the header repair above; long ones are left alone.
    if (f.high || f.end - f.start > MAX_FIELD_RELABEL || raw.indexOf('=?', f.start) < 0 || raw.indexOf('=?', f.start) >= f.end) continue;
    const relabelled = relabelEncodedWords(raw.toString('latin1', f.start, f.end));
    if (!relabelled) continue;
    problems.push(`encoded words relabelled: ${relabelled.changes.join(', ')}`);
    replacements.push({ start: f.start, end: f.end, bytes: Buffer.from(relabelled.text, 'latin1') });
  }
}

/** Header fields longer than this are not searched for encoded words to relabel. */
const MAX_FIELD_RELABEL = 16 * 1024;

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
