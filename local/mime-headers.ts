/**
 * Reading the header block of a raw RFC 5322 message the way SES does for its receipt
 * event: names as written, values unfolded but NOT decoded (encoded-words stay encoded).
 */

export interface RawHeader {
  name: string;
  value: string;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The bytes before the first empty line (the whole message when there is no body). */
export function headerBlock(raw: Buffer): Buffer {
  for (let i = 0; i < raw.length; i += 1) {
    if (raw[i] !== 0x0a) continue;
    // An empty line is LF LF or LF CR LF (bare-LF messages happen in the wild).
    if (raw[i + 1] === 0x0a) return raw.subarray(0, i + 1);
    if (raw[i + 1] === 0x0d && raw[i + 2] === 0x0a) return raw.subarray(0, i + 1);
  }
  return raw;
}

/** Header bytes as text: UTF-8 when valid (RFC 6532), else Latin-1 so no byte is lost. */
function headerText(bytes: Buffer): string {
  try {
    return utf8.decode(bytes);
  } catch {
    return bytes.toString('latin1');
  }
}

/**
 * Splits the header block into `{ name, value }` in message order. Continuation lines are
 * unfolded (the CRLF is removed, the whitespace kept); lines that are neither a header nor
 * a continuation (a leading "From " mbox line, garbage) are skipped as SES does.
 */
export function parseRawHeaders(raw: Buffer): RawHeader[] {
  const lines = headerText(headerBlock(raw)).split(/\r?\n/);
  const headers: RawHeader[] = [];
  for (const line of lines) {
    if (line === '') continue;
    if ((line.startsWith(' ') || line.startsWith('\t')) && headers.length > 0) {
      headers[headers.length - 1].value += line;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim();
    if (!/^[\x21-\x39\x3b-\x7e]+$/.test(name)) continue;
    headers.push({ name, value: line.slice(colon + 1) });
  }
  return headers.map((h) => ({ name: h.name, value: h.value.trim() }));
}

/** All values of a header, case-insensitive name match, in message order. */
export function headerValues(headers: readonly RawHeader[], name: string): string[] {
  const lower = name.toLowerCase();
  return headers.filter((h) => h.name.toLowerCase() === lower).map((h) => h.value);
}
