// In a function bundle this name is aliased to the deferred stand-in (lambdas/mail/deferred/
// html-to-text.ts), so the converter loads only when a mail needs it, as it does for mailparser.
import { htmlToText } from 'html-to-text';

/** mailparser's own limit (MAX_HTML_NESTING_DEPTH): deeper markup is cut, not recursed into. */
const MAX_DEPTH = 1000;

/** True when a body has no readable text: empty, or only whitespace and invisible characters. */
export function isBlankText(text: string): boolean {
  return text.replace(/[\s\u00a0\u200b-\u200d\u2060\ufeff]+/g, '') === '';
}

/**
 * The readable text of an HTML body, converted as mailparser converts a single-part text/html
 * message (same library, same depth limit), so a message reads about the same whether its HTML
 * sits at the top or inside multipart/alternative or multipart/related. Images are left out:
 * an inline logo or a tracking pixel is not text (it is listed among the attachments when the
 * mail carries it), and a mail that is only an image has no readable text. Throws when the
 * converter does (the caller records the problem and keeps the empty text).
 */
export function textOfHtml(html: string): string {
  return htmlToText(html, { limits: { maxDepth: MAX_DEPTH }, selectors: [{ selector: 'img', format: 'skip' }] }).replace(/\r\n?/g, '\n');
}
