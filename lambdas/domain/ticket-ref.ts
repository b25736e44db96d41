/**
 * Our ticket reference in mail: the subject tag `[#PREFIX-N]` and the plus-address reply
 * token `support+PREFIX-N@...`. Other systems' tags (`[remote-rt #79]`, `[Ticket#11392]`,
 * `INC678439`) are deliberately not ours. Only the subject and recipient addresses are
 * consulted, never HTML attributes or attachments, so a number quoted elsewhere cannot
 * thread a message into someone else's ticket.
 */

const ID = '[A-Z][A-Z0-9]{1,7}-[1-9][0-9]{0,11}';
const TAG = new RegExp(`\\[#(${ID})\\]`);
const ANY_OUR_TAG = new RegExp(`\\s*\\[#${ID}\\]\\s*`, 'g');
const PLUS_TOKEN = new RegExp(`^[^@+\\s]+\\+(${ID})@`, 'i');
/** Reply/forward prefixes in the languages our customers write in, e.g. `Re:`, `AW:`, `Fwd:`, `WG:`, `RE[2]:`. */
const REPLY_PREFIX = /^\s*(?:re|aw|antw|antwort|sv|vs|wg|fw|fwd|tr|rv|enc|odp|ynt|r)\s*(?:\[\d+\]|\(\d+\))?\s*[:：]\s*/i;

/** True when `id` has the shape of one of our ticket ids (`USE1-1042`). */
export function isTicketId(id: string): boolean {
  return new RegExp(`^${ID}$`).test(id);
}

/** The first of our `[#PREFIX-N]` tags in a subject, or null. */
export function findTicketRef(subject: string): string | null {
  return TAG.exec(subject)?.[1] ?? null;
}

/** The ticket id of a plus-address reply token (`support+USE1-7@example.com`) among recipients, or null. */
export function findTicketRefInAddresses(addresses: readonly string[]): string | null {
  for (const a of addresses) {
    const m = PLUS_TOKEN.exec(a.trim());
    if (m) return m[1].toUpperCase();
  }
  return null;
}

/**
 * `[#ID] subject` for outgoing mail: removes our existing tags and any stack of leading
 * `Re:`/`AW:`/`Fwd:` prefixes (also those hiding behind a tag) so a long thread does not
 * read `Re: AW: Re: [#X-1] [#X-1] ...`.
 */
export function formatSubjectTag(id: string, subject: string): string {
  let rest = subject.replace(/[\r\n]+/g, ' ');
  for (let i = 0; i < 50; i++) {
    const before = rest;
    rest = rest.replace(ANY_OUR_TAG, ' ').replace(REPLY_PREFIX, '').trimStart();
    if (rest === before) break;
  }
  rest = rest.replace(/\s{2,}/g, ' ').trim();
  return rest ? `[#${id}] ${rest}` : `[#${id}]`;
}
