import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseMessage, type ParsedMessage } from '../../lambdas/mail/parse-message';
import { readReply } from '../../lambdas/domain/reply-text';
import { classifyAutoReply, isRoleSender } from '../../lambdas/domain/classify';

/** Per-check comparison of sesdesk's parser against the shared corpus (see its README). */
export const CHECKS = ['from', 'name', 'subject', 'headers', 'body', 'attachments', 'flags', 'reply', 'parse'] as const;
export type Check = (typeof CHECKS)[number];

export interface CheckResult {
  file: string;
  check: Check;
  pass: boolean;
  detail?: string;
}

type Expectation = Record<string, any>;

const squash = (s: string): string => s.replace(/\s+/g, '');
const bare = (id: string): string => id.trim().replace(/^<|>$/g, '');
const md5 = (b: Buffer): string => createHash('md5').update(b).digest('hex');

export function readExpectations(corpusDir: string): Expectation[] {
  return fs
    .readFileSync(path.join(corpusDir, 'expectations.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Expectation);
}

function checkReply(e: Expectation, body: string): { pass: boolean; detail?: string } {
  const r = e.reply;
  if (r.must_complete_within_seconds !== undefined) {
    // A regex-DoS guard: CPU time, which other processes on a busy machine do not inflate.
    const t0 = process.cpuUsage();
    readReply(body);
    const used = process.cpuUsage(t0);
    const ms = (used.user + used.system) / 1000;
    return ms < r.must_complete_within_seconds * 1000 ? { pass: true } : { pass: false, detail: `took ${ms} ms of CPU` };
  }
  const { fragments, visible } = readReply(body);
  const bad: string[] = [];
  if (r.visible_equals !== undefined && visible.trim() !== String(r.visible_equals).trim()) {
    bad.push(`visible ${JSON.stringify(visible.slice(0, 80))}`);
  }
  const f = r.fragments;
  if (f) {
    if (fragments.length !== f.count) bad.push(`fragment count ${fragments.length} != ${f.count}`);
    for (const k of ['quoted', 'signature', 'hidden'] as const) {
      const got = fragments.map((x) => x[k]);
      if (f[k] && JSON.stringify(got) !== JSON.stringify(f[k])) bad.push(`${k} ${JSON.stringify(got)}`);
    }
  }
  const frag = (i: string): string | undefined => fragments[Number(i)]?.content;
  for (const [i, re] of Object.entries<string>(r.fragment_regex ?? {})) {
    if (!new RegExp(re, 'm').test(frag(i) ?? '')) bad.push(`fragment ${i} !~ /${re}/`);
  }
  for (const [i, list] of Object.entries<string[]>(r.fragment_contains ?? {})) {
    for (const s of list) if (!(frag(i) ?? '').includes(s)) bad.push(`fragment ${i} lacks ${JSON.stringify(s)}`);
  }
  for (const [i, want] of Object.entries<string>(r.fragment_equals ?? {})) {
    const got = frag(i) ?? '';
    const ok = want.trim() === '' ? got.trim() === '' : got.trim() === want.trim();
    if (!ok) bad.push(`fragment ${i} != ${JSON.stringify(want)}`);
  }
  return bad.length ? { pass: false, detail: bad.join('; ') } : { pass: true };
}

function checkAttachments(e: Expectation, p: ParsedMessage): { pass: boolean; detail?: string } {
  const got = p.attachments;
  const bad: string[] = [];
  const want: Expectation[] = e.attachments ?? [];
  if (e.attachment_count !== undefined && got.length !== e.attachment_count) bad.push(`count ${got.length} != ${e.attachment_count}`);
  if (e.attachments_complete === true && got.length !== want.length) bad.push(`count ${got.length} != ${want.length}`);
  const used = new Set<number>();
  for (const w of want) {
    const candidates = w.index !== undefined ? [w.index as number] : got.map((_, i) => i);
    const match = candidates.find((i) => {
      const a = got[i];
      if (!a || used.has(i)) return false;
      if (w.filename !== undefined && w.filename_in_mime_headers !== false && a.filename !== w.filename) return false;
      // zammad stores text attachments with CRLF turned into LF (see the corpus README).
      const lfSize = (): number => Buffer.from(a.content.toString('binary').replace(/\r\n/g, '\n'), 'binary').length;
      if (w.size !== undefined && a.size !== w.size && lfSize() !== w.size) return false;
      if (w.md5 !== undefined && md5(a.content) !== w.md5 && md5(Buffer.from(a.content.toString('binary').replace(/\r\n/g, '\n'), 'binary')) !== w.md5) return false;
      if (w.content_type !== undefined && a.contentType !== String(w.content_type).toLowerCase()) return false;
      return true;
    });
    if (match === undefined) bad.push(`missing ${JSON.stringify({ filename: w.filename, size: w.size, content_type: w.content_type })}`);
    else used.add(match);
  }
  if (bad.length) bad.push(`got ${JSON.stringify(got.map((a) => [a.filename, a.size, a.contentType]))}`);
  return bad.length ? { pass: false, detail: bad.join('; ') } : { pass: true };
}

/** HTML 4 Latin-1 entity names for U+00A0..U+00FF, in code point order. */
const LATIN1_ENTITIES = (
  'nbsp iexcl cent pound curren yen brvbar sect uml copy ordf laquo not shy reg macr deg plusmn sup2 sup3 acute micro ' +
  'para middot cedil sup1 ordm raquo frac14 frac12 frac34 iquest Agrave Aacute Acirc Atilde Auml Aring AElig Ccedil ' +
  'Egrave Eacute Ecirc Euml Igrave Iacute Icirc Iuml ETH Ntilde Ograve Oacute Ocirc Otilde Ouml times Oslash Ugrave ' +
  'Uacute Ucirc Uuml Yacute THORN szlig agrave aacute acirc atilde auml aring aelig ccedil egrave eacute ecirc euml ' +
  'igrave iacute icirc iuml eth ntilde ograve oacute ocirc otilde ouml divide oslash ugrave uacute ucirc uuml yacute thorn yuml'
).split(' ');
const ENTITY: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", euro: '€', ndash: '–', mdash: '—' };
LATIN1_ENTITIES.forEach((n, i) => (ENTITY[n] = String.fromCodePoint(0xa0 + i)));

function htmlText(html: string): string {
  return html
    .replace(/<[^>]*>/g, ' ')
    .replace(/&#x([0-9a-f]+);/gi, (_, h: string) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/&#(\d+);/g, (_, d: string) => String.fromCodePoint(Number(d)))
    .replace(/&([a-zA-Z0-9]+);/g, (all, n: string) => ENTITY[n] ?? all);
}

/** Runs every check the expectation states for one corpus file. */
export async function checkFile(corpusDir: string, e: Expectation): Promise<CheckResult[]> {
  const raw = fs.readFileSync(path.join(corpusDir, e.file));
  const out: CheckResult[] = [];
  const add = (check: Check, pass: boolean, detail?: string): void => {
    out.push({ file: e.file, check, pass, detail: pass ? undefined : detail });
  };
  if (e.reply) {
    const r = checkReply(e, raw.toString('utf8'));
    add('reply', r.pass, r.detail);
    return out;
  }
  const p = await parseMessage(raw);
  const m = p.message;
  if (e.from_email !== undefined) {
    add('from', (m.from?.address ?? '') === String(e.from_email).toLowerCase(), `got ${JSON.stringify(m.from)}`);
  }
  if (e.from_name !== undefined) add('name', (m.from?.name ?? '') === e.from_name, `got ${JSON.stringify(m.from?.name)}`);
  if (e.subject !== undefined) add('subject', m.subject === (e.subject ?? ''), `got ${JSON.stringify(m.subject)}`);
  if (e.spec_subject !== undefined) add('subject', m.subject === e.spec_subject, `got ${JSON.stringify(m.subject)}`);
  const addrs = (list: Array<{ address: string }>): string[] => list.map((a) => a.address);
  for (const [key, list] of [
    ['to_addresses', m.to],
    ['reply_to_addresses', m.replyTo],
  ] as const) {
    if (e[key] !== undefined) {
      const want = (e[key] as Array<string | { address: string }>).map((w) => (typeof w === 'string' ? w : w.address).toLowerCase());
      add('headers', JSON.stringify(addrs(list)) === JSON.stringify(want), `${key} got ${JSON.stringify(addrs(list))}`);
    }
  }
  if (e.message_id !== undefined) add('headers', bare(m.messageId ?? '') === bare(e.message_id), `message_id got ${m.messageId}`);
  if (e.references !== undefined) {
    add('headers', JSON.stringify(m.references.map(bare)) === JSON.stringify(e.references.map(bare)), `references got ${JSON.stringify(m.references)}`);
  }
  if (e.in_reply_to !== undefined) add('headers', bare(m.inReplyTo ?? '') === bare(e.in_reply_to[0]), `in_reply_to got ${m.inReplyTo}`);
  // The parser hands on the text and, beside the model, the decoded HTML body; zammad shows the HTML one.
  const body = squash(m.text) + squash(htmlText(p.html ?? ''));
  for (const s of (e.body_contains ?? []) as string[]) {
    add('body', body.includes(squash(s)), `lacks ${JSON.stringify(s.slice(0, 60))}`);
  }
  if (e.body_empty === true) add('body', m.text.trim() === '', `not empty: ${JSON.stringify(m.text.slice(0, 60))}`);
  if (e.body_equals !== undefined) add('body', m.text === e.body_equals, `got ${JSON.stringify(m.text.slice(0, 60))}`);
  if (e.body_first_line !== undefined) add('body', m.text.split('\n')[0] === e.body_first_line, `first line ${JSON.stringify(m.text.split('\n')[0])}`);
  if (e.has_html !== undefined) add('body', (m.hasHtml ?? false) === e.has_html, `html ${m.hasHtml ? 'present' : 'absent'}`);
  if (e.attachments !== undefined || e.attachment_count !== undefined) {
    const r = checkAttachments(e, p);
    add('attachments', r.pass, r.detail);
  }
  if (e.bounce !== undefined) add('flags', m.bounce === e.bounce, `bounce ${m.bounce}`);
  if (e.auto_reply !== undefined) add('flags', m.autoReply === e.auto_reply, `autoReply ${m.autoReply}`);
  if (e.referenced_message_id !== undefined) add('flags', m.bouncedMessageId === e.referenced_message_id, `bouncedMessageId ${m.bouncedMessageId}`);
  if (e.send_auto_response !== undefined) {
    const auto = classifyAutoReply(p.headers, m.from?.address ?? null, m.subject).autoReply;
    const send = !auto && !m.bounce && !m.autoReply && !isRoleSender(m.from?.address ?? null);
    add('flags', send === e.send_auto_response, `would ${send ? '' : 'not '}acknowledge`);
  }
  if (e.must_parse === true) add('parse', !m.problems.some((x) => /parser failed|MIME parse failed/.test(x)), m.problems.join('; '));
  return out;
}
