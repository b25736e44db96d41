import { InvalidInputError } from './errors';

/**
 * S3-safe attachment key segments. Attachment names come from strangers: they may contain
 * `../`, slashes, control characters, NUL, CRLF (header injection) or be 1,000 characters
 * long. The result is always a single, non-empty, bounded path segment.
 */

const MAX_NAME = 100;
const MAX_EXT = 16;

/**
 * Turns an attachment filename into a safe key segment: no path separators, no `..`, no
 * control or reserved characters, at most ~100 characters keeping the extension, never
 * empty (falls back to `attachment-<index>`).
 */
export function safeAttachmentName(name: string | null | undefined, index: number): string {
  let s = (name ?? '').normalize('NFC');
  // Keep only the last path component: "C:\\Users\\x\\a.pdf" and "../../etc/passwd" name files, not places.
  s = s.split(/[\\/]/).pop() ?? '';
  s = s
    // eslint-disable-next-line no-control-regex -- control and invisible characters are what a file name must lose
    .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\ufeff\u200b-\u200f\u202a-\u202e]/g, '')
    .replace(/[<>:"|?*#%{}^~`[\]\\&$@=;+,']/g, '_')
    .replace(/\s+/g, ' ')
    .replace(/\.{2,}/g, '.')
    .trim()
    .replace(/^[.\s_-]+/, '')
    .replace(/[.\s]+$/, '');
  if (!s) return `attachment-${index}`;
  const chars = Array.from(s);
  if (chars.length > MAX_NAME) {
    const dot = s.lastIndexOf('.');
    const ext = dot > 0 && s.length - dot <= MAX_EXT + 1 ? s.slice(dot) : '';
    const stem = Array.from(ext ? s.slice(0, dot) : s).slice(0, MAX_NAME - Array.from(ext).length).join('').trimEnd();
    s = `${stem}${ext}`;
  }
  return s;
}

/** `tickets/<id>/attachments/<n>-<safe name>`: the S3 key of attachment `n` of a ticket. */
export function attachmentKey(ticketId: string, n: number, name: string | null | undefined): string {
  if (!/^[A-Z][A-Z0-9]{1,7}-[0-9]+$/.test(ticketId)) throw new InvalidInputError(`not a ticket id: ${JSON.stringify(ticketId)}`);
  if (!Number.isInteger(n) || n < 0) throw new InvalidInputError(`attachment number must be a non-negative integer, got ${n}`);
  return `tickets/${ticketId}/attachments/${n}-${safeAttachmentName(name, n)}`;
}
