import type { AddressObject, EmailAddress, ParsedMail } from 'mailparser';
// A require, as in parse-message.ts: the CommonJS build the rest of the parser uses.
import mailparser = require('mailparser');
import libmime = require('libmime');
import type { Address } from '../domain/inbound-message';

const { parseAddressHeader } = mailparser;

/** `local@domain` with nothing a mailbox cannot hold unquoted: what "a valid address" means here. */
const VALID = /^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:".][^\s@<>()[\]\\,;:"]*$/;
/** An address-like token inside a broken header value (for salvage). */
const EMAIL_TOKEN = /[^\s<>"'(),;:[\]\\]+@[^\s<>"'(),;:[\]\\]+\.[^\s<>"'(),;:[\]\\]+/;

export const isValidAddress = (address: string): boolean => VALID.test(address) && !address.endsWith('.');

/** Reads an address header (Sender ...) through mailparser's address parser when present. */
export function headerAddress(mail: ParsedMail, name: string): AddressObject | undefined {
  const v = mail.headers.get(name);
  return v && typeof v === 'object' && 'value' in v ? (v as AddressObject) : undefined;
}

function flatten(list: EmailAddress[]): EmailAddress[] {
  const out: EmailAddress[] = [];
  for (const a of list) {
    if (a.group) out.push(...flatten(a.group));
    else out.push(a);
  }
  return out;
}

/**
 * A display name without the debris broken headers leave: line breaks, empty bracket pairs
 * (`Ana [ ]`), the address itself in brackets, stray brackets and quotes at either end
 * (`Ana>`), runs of spaces; empty when it only repeats the address.
 */
export function cleanName(name: string, address = ''): string {
  const n = name
    .split(`<${address}>`)
    .join(' ')
    // eslint-disable-next-line no-control-regex -- CR, LF and NUL in a name would break the header or the page that shows it
    .replace(/[\r\n\u0000]+/g, ' ')
    .replace(/\[\s*\]|\(\s*\)|<\s*>|""/g, ' ')
    .replace(/^[\s<>"']+|[\s<>"']+$/g, '')
    .replace(/\s+/g, ' ');
  return n.toLowerCase() === address.toLowerCase() ? '' : n;
}

/** `"Ana" <ana@x.com>>`, `<ana@x.com`, `<mailto:ana@x.com>` and stray quotes leave debris in addresses. */
function cleanAddress(address: string): string {
  const a = address.trim().replace(/^[<"'\s]+|[>"'\s,;]+$/g, '').replace(/^mailto:/i, '');
  const unquoted = a.replace(/"/g, '');
  return isValidAddress(a) || !isValidAddress(unquoted) ? a : unquoted;
}

function toAddress(a: EmailAddress): Address {
  let name = a.name ?? '';
  let address = cleanAddress(a.address ?? '');
  // `<Ana Perez> ana@x.com`: the parser takes the bracketed words for the address.
  if (!isValidAddress(address) && isValidAddress(cleanAddress(name))) [name, address] = [address, cleanAddress(name)];
  address = address.toLowerCase();
  return { name: cleanName(name, address), address };
}

/** The mailboxes of an address header (groups flattened), cleaned, those without an address left out. */
export function addressList(v: AddressObject | AddressObject[] | undefined): Address[] {
  if (!v) return [];
  const objs = Array.isArray(v) ? v : [v];
  return objs
    .flatMap((o) => flatten(o.value ?? []))
    .map(toAddress)
    .filter((a) => a.address !== '');
}

function decodeWords(value: string): string {
  try {
    return libmime.decodeWords(value);
  } catch {
    return value;
  }
}

/**
 * The mailboxes of one raw From value. When the parser finds no valid address in it (`"Ana
 * Perez"ana@x.com`, words and an address without brackets), the address-like token is taken
 * and the rest of the value, cleaned, is the name.
 */
function fromMailboxes(raw: string): Address[] {
  const list = addressList(parseAddressHeader(raw));
  if (list.some((a) => isValidAddress(a.address))) return list;
  const token = EMAIL_TOKEN.exec(raw);
  if (!token || !isValidAddress(token[0])) return list;
  const address = token[0].toLowerCase();
  const name = cleanName(decodeWords(raw.replace(token[0], ' ')), address);
  return [{ name, address }, ...list];
}

/**
 * The requester, from all From headers: the first mailbox that parses to a valid address.
 * Several From headers are recorded as a problem naming the ones not used (a forger may add
 * one, and RFC 5322 allows one). A From without a usable address falls back to the bare local
 * part it names (`MAILER-DAEMON (Mail Delivery System)`), then Reply-To, then Sender.
 */
export function pickFrom(rawFroms: readonly string[], replyTo: Address[], sender: Address[], problems: string[]): Address | null {
  const lists = rawFroms.map(fromMailboxes);
  const at = lists.findIndex((list) => list.some((a) => isValidAddress(a.address)));
  if (rawFroms.length > 1) {
    const ignored = rawFroms.filter((_, i) => i !== at).map((r) => JSON.stringify(r.trim().slice(0, 80)));
    problems.push(`${rawFroms.length} From headers; ${at >= 0 ? 'used the first with a valid address, ' : ''}ignored ${ignored.join(', ')}`);
  }
  if (at >= 0) return lists[at].find((a) => isValidAddress(a.address)) ?? null;
  const rawFrom = rawFroms[0];
  const list = lists.flat();
  if (rawFrom !== undefined && !rawFrom.includes('<')) {
    const bare = /^\s*([^\s@()<>",;:]+)\s*(?:\(([^()]*)\))?\s*$/.exec(rawFrom);
    if (bare && /^[\x21-\x7e]+$/.test(bare[1])) {
      problems.push('From has no domain; used the bare local part');
      return { name: (bare[2] ?? '').trim(), address: bare[1].toLowerCase() };
    }
  }
  const fallback = replyTo.find((a) => a.address.includes('@')) ?? sender.find((a) => a.address.includes('@'));
  if (fallback) {
    problems.push(rawFrom === undefined ? 'no From header; used Reply-To/Sender' : 'From has no usable address; used Reply-To/Sender');
    return fallback;
  }
  const partial = list.find((a) => a.address.includes('@')) ?? list[0];
  if (partial) {
    problems.push('From has no usable address');
    return partial;
  }
  if (rawFrom === undefined) problems.push('no From header');
  else problems.push(`unreadable From header: ${JSON.stringify(rawFrom.trim().slice(0, 80))}`);
  return null;
}
