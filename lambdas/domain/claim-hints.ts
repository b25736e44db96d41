import { classifyAutoReply, isRoleSender, type HeaderLookup } from './classify';
import { LOOP_HEADER } from './outbound';
import { splitPlusAddress } from './reply-token';
import { findTicketRef, findTicketRefInAddresses } from './ticket-ref';

/**
 * What the SES receipt event says about a mail before its raw MIME is read: the top-level
 * headers (SES lists them, undecoded) and the decoded From and Subject of `commonHeaders`.
 */
export interface MailHints {
  /** Top-level headers in order; `truncated` when SES cut the list short. */
  headers: ReadonlyArray<{ name: string; value: string }>;
  truncated: boolean;
  /** The From address (address only, lower-cased), when there is exactly one. */
  from: string | null;
  subject: string;
  /** Addresses in To and Cc, as SES decoded them. */
  to: readonly string[];
}

/** Case-insensitive lookup over the SES header list. */
export function hintHeaders(headers: MailHints['headers']): HeaderLookup {
  return {
    get: (name) => headers.find((h) => h.name.toLowerCase() === name)?.value,
    getAll: (name) => headers.filter((h) => h.name.toLowerCase() === name).map((h) => h.value),
  };
}

/** The address of a header value such as `"Ana" <ana@x.example>` or `ana@x.example`. */
export function addressOfHeader(value: string): string | null {
  const angle = /<([^<>\s]+@[^<>\s]+)>\s*$/.exec(value);
  const bare = angle ? angle[1] : /^\s*([^\s<>"]+@[^\s<>"]+)\s*$/.exec(value)?.[1];
  return bare ? bare.toLowerCase() : null;
}

/**
 * True when the event alone shows a mail that will open a new ticket with an acknowledgement:
 * it answers nothing (no In-Reply-To, References, subject tag or reply token), comes from one
 * ordinary sender who is not the desk itself, and is not machine-generated. Such a mail may
 * reserve its ticket number with its dedupe claim (one write for both), which lets the ack go
 * out before the single commit that stores the ticket. A wrong guess costs nothing but a
 * released number: everything is decided again after parsing.
 */
export function likelyNewTicket(hints: MailHints, recipients: readonly string[], supportAddresses: readonly string[]): boolean {
  if (hints.truncated || !hints.from) return false;
  const h = hintHeaders(hints.headers);
  if (h.get('in-reply-to') !== undefined || h.get('references') !== undefined) return false;
  if (h.getAll('from').length !== 1) return false;
  const support = new Set(supportAddresses.map((a) => a.toLowerCase()));
  if (support.has(splitPlusAddress(hints.from).base)) return false;
  if (isRoleSender(hints.from)) return false;
  if (classifyAutoReply(h, hints.from, hints.subject).autoReply) return false;
  if (h.get(LOOP_HEADER.toLowerCase()) !== undefined) return false;
  if (findTicketRef(hints.subject) !== null) return false;
  const addressed = [...recipients, ...hints.to];
  if (findTicketRefInAddresses(addressed) !== null) return false;
  // A plus-tag on a support address is a reply token (valid or forged): threading decides.
  if (addressed.some((a) => { const p = splitPlusAddress(a); return p.tag !== null && support.has(p.base); })) return false;
  return true;
}
