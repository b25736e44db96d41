/**
 * Quote and signature stripping for plain-text mail bodies.
 *
 * The core is the fragment algorithm of GitHub's email_reply_parser (scan the body bottom-up,
 * group lines into quoted / unquoted fragments, hide every quoted, signature or blank fragment
 * below the lowest visible one), which keeps inline answers between quotes readable. On top
 * of it we cut unquoted history that the algorithm cannot see: Outlook "Original Message" and
 * "From: / Sent:" blocks, and localized reply headers (German "Am ... schrieb", Spanish
 * "El ... escribió") followed by an unquoted copy of the previous mail.
 *
 * Everything is line based with anchored, linear regexes: bodies come from strangers and a
 * backtracking pattern over a 1 MB line would stall the ingest Lambda.
 */

import { isClientFooter } from './client-footers';

/** Longest line a header regex is run on; longer lines are never reply headers. */
const MAX_HEADER_LINE = 400;

/**
 * Where a customer's signature may start: email_reply_parser's rule (a paragraph opening with
 * `--`, `__` or `-x`, which catches "-Ana" and mailing-list footers) or a client footer. Only
 * for customer mail: an agent's text is cut only at the standard delimiter (`agentReplyText`).
 */
const SIGNATURE_PREFIX = /^\s*--|^\s*__|^-\w/;
const isSignatureStart = (line: string): boolean => SIGNATURE_PREFIX.test(line) || isClientFooter(line);
/** The standard signature delimiter (RFC 3676 4.3): "-- " alone on a line; clients often drop the space. */
const SIGNATURE_DELIMITER = /^-- ?$/;

/** "On <date>, <name> wrote:" and its siblings in other languages. */
const QUOTE_HEADER =
  /^\s*(?:On|Am|El|Le|Op|Il|Em)\s.{0,300}?(?:wrote|schrieb|escribi[óo]|a\s+[ée]crit|schreef|ha\s+scritto|escreveu)\s*:?\s*$/i;
/** German clients put the name after the verb: "Am 03.03.2026 um 10:00 schrieb Ana <a@x.de>:". */
const QUOTE_HEADER_DE = /^\s*Am\s.{0,200}?\sschrieb\s.{0,200}:\s*$/i;
const QUOTE_HEADER_START = /^\s*(?:On|Am|El|Le|Op|Il|Em)\s/i;
const QUOTE_HEADER_END = /(?:wrote|schrieb|escribi[óo]|a\s+[ée]crit|schreef|ha\s+scritto|escreveu)\s*:?\s*$|\sschrieb\s.{0,200}:\s*$/i;

const ORIGINAL_MESSAGE =
  /^\s*-{2,}\s*(?:Original Message|Ursprüngliche Nachricht|Mensaje original|Message d'origine|Oorspronkelijk bericht|Forwarded message|Weitergeleitete Nachricht)\s*-{2,}\s*$/i;
const FROM_LINE = /^\s*\*?(?:From|Von|De|Van|Da)\s*:\*?\s+\S/i;
const SENT_LINE = /^\s*\*?(?:Sent|Date|Gesendet|Datum|Enviado|Fecha|Envoyé|Verzonden|Inviato)\s*:\*?\s/i;
const RULE_LINE = /^\s*_{10,}\s*$/;

/** One block of a body: quoted or not, signature or not, hidden from the reply or not. */
export interface ReplyFragment {
  quoted: boolean;
  signature: boolean;
  hidden: boolean;
  content: string;
}

interface Fragment {
  quoted: boolean;
  signature: boolean;
  hidden: boolean;
  /** Lines top-down. */
  lines: string[];
}

const isQuoteHeader = (line: string): boolean =>
  line.length <= MAX_HEADER_LINE && (QUOTE_HEADER.test(line) || QUOTE_HEADER_DE.test(line));

/** Joins a reply header that a client wrapped over up to three lines ("On ...\n<addr>\nwrote:"). */
function joinWrappedHeaders(lines: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.length <= MAX_HEADER_LINE && QUOTE_HEADER_START.test(line) && !QUOTE_HEADER_END.test(line)) {
      let joined = line;
      let j = i + 1;
      for (; j < Math.min(lines.length, i + 3); j++) {
        const next = lines[j];
        if (next.trim() === '' || next.startsWith('>') || QUOTE_HEADER_START.test(next)) break;
        joined = `${joined.trimEnd()} ${next.trim()}`;
        if (QUOTE_HEADER_END.test(next) && isQuoteHeader(joined)) {
          out.push(joined);
          i = j;
          joined = '';
          break;
        }
      }
      if (joined === '') continue;
    }
    out.push(line);
  }
  return out;
}

/**
 * Index of the first line of unquoted history (Outlook blocks, unquoted reply headers), or -1.
 * An Outlook block at the very top is a forward without new text; a bare reply header at the
 * top is left to the fragment scan.
 */
function findHistoryCut(lines: string[]): number {
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.length > MAX_HEADER_LINE) continue;
    let cut = -1;
    if (ORIGINAL_MESSAGE.test(line)) cut = i;
    else if (RULE_LINE.test(line) && i + 1 < lines.length && FROM_LINE.test(lines[i + 1])) cut = i;
    else if (FROM_LINE.test(line) && lines.slice(i + 1, i + 5).some((l) => SENT_LINE.test(l))) cut = i;
    else if (isQuoteHeader(line)) {
      const next = lines.slice(i + 1).find((l) => l.trim() !== '');
      if (next !== undefined && !next.startsWith('>')) cut = i;
    }
    if (cut >= 0 && (ORIGINAL_MESSAGE.test(line) || FROM_LINE.test(line) || RULE_LINE.test(line) || lines.slice(0, cut).some((l) => l.trim() !== ''))) {
      return cut;
    }
  }
  return -1;
}

function fragmentsOf(lines: string[]): Fragment[] {
  const fragments: Fragment[] = [];
  const state: { current: Fragment | null; foundVisible: boolean } = { current: null, foundVisible: false };
  const finish = (): void => {
    const f = state.current;
    if (!f) return;
    if (!state.foundVisible) {
      if (f.quoted || f.signature || f.lines.join('\n').trim() === '') f.hidden = true;
      else state.foundVisible = true;
    }
    fragments.push(f);
    state.current = null;
  };
  for (let i = lines.length - 1; i >= 0; i--) {
    let line = lines[i];
    if (!isSignatureStart(line)) line = line.trimEnd();
    const quoted = line.startsWith('>');
    if (state.current && line === '') {
      const top = state.current.lines[0];
      if (top !== undefined && isSignatureStart(top)) {
        state.current.signature = true;
        finish();
      }
    }
    const frag = state.current;
    if (frag && (frag.quoted === quoted || (frag.quoted && (isQuoteHeader(line) || line === '')))) {
      frag.lines.unshift(line);
    } else {
      finish();
      state.current = { quoted, signature: false, hidden: false, lines: [line] };
    }
  }
  finish();
  return fragments.reverse();
}

/**
 * Returns only the new text of a plain-text reply: quoted history, reply headers, trailing
 * signature and "Sent from my ..." lines removed. Inline answers between quotes are kept.
 * Pure and linear in the size of `text`.
 */
export function extractReply(text: string): string {
  return readReply(text).visible;
}

/**
 * Splits a plain-text body into fragments (top-down) and the visible reply. History cut off
 * before the fragment scan (Outlook blocks, unquoted reply headers) comes back as one final
 * hidden, quoted fragment.
 */
export function readReply(text: string): { fragments: ReplyFragment[]; visible: string } {
  let lines = text.replace(/\r\n?/g, '\n').split('\n');
  lines = joinWrappedHeaders(lines);
  const cut = findHistoryCut(lines);
  let history: ReplyFragment | null = null;
  if (cut >= 0) {
    history = { quoted: true, signature: false, hidden: true, content: lines.slice(cut).join('\n') };
    lines = lines.slice(0, cut);
  }
  // A rule of underscores glued to the line above would otherwise join that fragment.
  const spaced: string[] = [];
  for (const line of lines) {
    if (/^ ?[_-]{7,}\s*$/.test(line) && spaced.length > 0 && spaced[spaced.length - 1].trim() !== '') spaced.push('');
    spaced.push(line);
  }
  const raw = fragmentsOf(spaced);
  const fragments: ReplyFragment[] = raw.map((f) => ({
    quoted: f.quoted,
    signature: f.signature,
    hidden: f.hidden,
    content: f.lines.join('\n'),
  }));
  if (history) fragments.push(history);
  const visible = raw
    .filter((f) => !f.hidden)
    .map((f) => f.lines.join('\n'))
    .join('\n')
    .trimEnd()
    .split('\n');
  while (visible.length > 0 && (visible[visible.length - 1].trim() === '' || isClientFooter(visible[visible.length - 1]))) {
    visible.pop();
  }
  return { fragments, visible: visible.join('\n').trimEnd() };
}

/**
 * The words of an agent's reply, to be relayed to the customer whole: only quoted history
 * (reply headers with the quote below them, Outlook "Original Message" and "From: / Sent:"
 * blocks, `>` lines at the end), a signature behind the standard delimiter (`-- ` alone on a
 * line) and client footers ("Sent from my iPhone") at the end are removed. Unlike customer
 * mail, a paragraph starting with `--`, `-x` or `__` is the agent's text, and the lines kept
 * are returned exactly as written (trailing blank lines aside). Pure and linear.
 */
export function agentReplyText(text: string): string {
  let lines = text.replace(/\r\n?/g, '\n').split('\n');
  const cut = findHistoryCut(lines);
  if (cut >= 0) lines = lines.slice(0, cut);
  lines = dropTrailingQuote(lines);
  const delimiter = lines.findIndex((l) => SIGNATURE_DELIMITER.test(l));
  if (delimiter >= 0) lines = lines.slice(0, delimiter);
  for (;;) {
    const last = lines[lines.length - 1];
    if (last === undefined || !(last.trim() === '' || isClientFooter(last))) break;
    lines.pop();
  }
  return lines.join('\n');
}

/**
 * Without the `>` quote at the end of a body and the reply header that introduces it
 * ("On ... wrote:", possibly wrapped over three lines). Quotes with the agent's answers below
 * them (inline answers) stay: only what follows the last unquoted line goes.
 */
function dropTrailingQuote(lines: string[]): string[] {
  let end = lines.length;
  while (end > 0 && (lines[end - 1].trim() === '' || lines[end - 1].startsWith('>'))) end--;
  if (!lines.slice(end).some((l) => l.startsWith('>'))) return lines;
  // A reply header directly above the quote (wrapped headers span up to three lines).
  for (let start = end - 1; start >= Math.max(0, end - 3); start--) {
    if (isQuoteHeader(lines.slice(start, end).map((l) => l.trim()).join(' '))) return lines.slice(0, start);
  }
  return lines.slice(0, end);
}
