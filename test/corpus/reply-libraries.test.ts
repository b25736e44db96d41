import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { readReply, type ReplyFragment } from '../../lambdas/domain/reply-text';

/**
 * Our quote and signature stripper (lambdas/domain/reply-text.ts) against the two maintained
 * npm libraries that do the same job, `email-reply-parser` (crisp-oss, a port of GitHub's
 * email_reply_parser) and `planer` (lever, a port of Mailgun's talon), on
 *  - the reply expectations of the shared corpus (github/email_reply_parser's own test mail),
 *  - hand-written cases of the mail our customers send (docs/reply-stripping.md).
 * Whichever scores better is kept; this test fails when a library overtakes ours.
 *
 * email-reply-parser ships as an ES module, which Jest's CommonJS runtime cannot load, so both
 * libraries run in one child Node process that reads the bodies as JSON on stdin. planer is
 * used through its plain-text API only (its HTML API needs a DOM).
 */

const repo = path.resolve(__dirname, '../..');
const corpusDir = path.resolve(repo, '../shared/corpus');
const corpusPresent = fs.existsSync(path.join(corpusDir, 'expectations.jsonl'));

type Impl = 'own' | 'email-reply-parser' | 'planer';
const IMPLS: Impl[] = ['own', 'email-reply-parser', 'planer'];

/** What an implementation made of one body; `fragments` is null when its API has none. */
interface Reading {
  visible: string;
  fragments: ReplyFragment[] | null;
  /** CPU milliseconds it took (CPU time: a busy machine does not inflate it). */
  ms: number;
  error?: string;
}

const LIBRARY_RUNNER = `
const [erpPath, planerPath] = process.argv.slice(1);
const { default: EmailReplyParser } = await import(erpPath);
const { createRequire } = await import('node:module');
const planer = createRequire(import.meta.url)(planerPath);
let input = '';
for await (const chunk of process.stdin) input += chunk;
const cpuMs = (t0) => {
  const used = process.cpuUsage(t0);
  return (used.user + used.system) / 1000;
};
const time = (f) => {
  const t0 = process.cpuUsage();
  try {
    const r = f();
    return { ...r, ms: cpuMs(t0) };
  } catch (e) {
    return { visible: '', fragments: null, ms: cpuMs(t0), error: String(e && e.message || e) };
  }
};
const out = JSON.parse(input).map((body) => ({
  'email-reply-parser': time(() => {
    const email = new EmailReplyParser().read(body);
    return {
      visible: email.getVisibleText(),
      fragments: email.getFragments().map((f) => ({ quoted: f.isQuoted(), signature: f.isSignature(), hidden: f.isHidden(), content: f.getContent() })),
    };
  }),
  planer: time(() => ({ visible: planer.extractFromPlain(body), fragments: null })),
}));
process.stdout.write(JSON.stringify(out));
`;

/** Reads every body with all three implementations. */
function readAll(bodies: string[]): Array<Record<Impl, Reading>> {
  const child = spawnSync(
    process.execPath,
    ['--input-type=module', '-e', LIBRARY_RUNNER, pathToFileURL(require.resolve('email-reply-parser')).href, require.resolve('planer')],
    { cwd: repo, input: JSON.stringify(bodies), encoding: 'utf8', timeout: 300_000, maxBuffer: 64 * 1024 * 1024 },
  );
  if (child.status !== 0) throw new Error(`library runner failed (${child.status}): ${child.stderr}`);
  const libs = JSON.parse(child.stdout) as Array<Record<'email-reply-parser' | 'planer', Reading>>;
  return bodies.map((body, i) => {
    const t0 = process.cpuUsage();
    let own: Reading;
    try {
      own = { ...readReply(body), ms: 0 };
    } catch (e) {
      own = { visible: '', fragments: null, ms: 0, error: String(e) };
    }
    const used = process.cpuUsage(t0);
    own.ms = (used.user + used.system) / 1000;
    return { own, ...libs[i] };
  });
}

type ReplyExpectation = Record<string, any>;

/**
 * One corpus reply expectation, judged as test/corpus/corpus-checks.ts judges ours: null when
 * it holds, else why not. Fragment checks cannot be met by an API without fragments.
 */
function judge(r: ReplyExpectation, got: Reading): string | null {
  if (got.error) return `threw ${got.error}`;
  if (r.must_complete_within_seconds !== undefined) {
    return got.ms < r.must_complete_within_seconds * 1000 ? null : `took ${got.ms.toFixed(0)} ms`;
  }
  const bad: string[] = [];
  if (r.visible_equals !== undefined && got.visible.trim() !== String(r.visible_equals).trim()) {
    bad.push(`visible ${JSON.stringify(got.visible.slice(0, 60))}`);
  }
  if (needsFragments(r) && got.fragments === null) return 'no fragment API';
  const fragments = got.fragments ?? [];
  const f = r.fragments;
  if (f) {
    if (fragments.length !== f.count) bad.push(`fragment count ${fragments.length} != ${f.count}`);
    for (const k of ['quoted', 'signature', 'hidden'] as const) {
      if (f[k] && JSON.stringify(fragments.map((x) => x[k])) !== JSON.stringify(f[k])) bad.push(k);
    }
  }
  const frag = (i: string): string => fragments[Number(i)]?.content ?? '';
  for (const [i, re] of Object.entries<string>(r.fragment_regex ?? {})) if (!new RegExp(re, 'm').test(frag(i))) bad.push(`fragment ${i} !~ /${re}/`);
  for (const [i, list] of Object.entries<string[]>(r.fragment_contains ?? {})) {
    for (const s of list) if (!frag(i).includes(s)) bad.push(`fragment ${i} lacks ${JSON.stringify(s)}`);
  }
  for (const [i, want] of Object.entries<string>(r.fragment_equals ?? {})) {
    const ok = want.trim() === '' ? frag(i).trim() === '' : frag(i).trim() === want.trim();
    if (!ok) bad.push(`fragment ${i} != ${JSON.stringify(want)}`);
  }
  return bad.length ? bad.join('; ') : null;
}

const needsFragments = (r: ReplyExpectation): boolean => Boolean(r.fragments || r.fragment_regex || r.fragment_contains || r.fragment_equals);

/**
 * Hand cases: one body each, and the new text a person wrote. Written from what the clients
 * our customers use actually send (Gmail, Outlook desktop and web, Apple Mail on iOS,
 * Thunderbird, in English, Spanish and German).
 */
const LONG_LINE = `On ${'a '.repeat(50_000)}`.trimEnd();
/** Each hand case must also be read within this time (the corpus' limit for its pathological mail). */
const HAND_CASE_MS = 1000;
const HAND_CASES: Array<{ name: string; body: string; reply: string }> = [
  {
    name: 'top-posted above Gmail "On ... wrote:"',
    body: 'Thanks, that fixed it.\n\nOn Tue, Mar 3, 2026 at 10:00 AM Support <support@example.com> wrote:\n> Try restarting the service.\n>\n> Regards\n',
    reply: 'Thanks, that fixed it.',
  },
  {
    name: '"On ... wrote:" wrapped over two lines',
    body: 'Works now, thanks!\n\nOn Tue, Mar 3, 2026 at 10:00 AM Example Support Team <support@example.com>\nwrote:\n> Try restarting the service.\n',
    reply: 'Works now, thanks!',
  },
  {
    name: 'Outlook "-----Original Message-----" (CRLF)',
    body: 'Please call me back at 555-0100.\r\n\r\n-----Original Message-----\r\nFrom: Support <support@example.com>\r\nSent: Monday, March 2, 2026 9:00 AM\r\nTo: Ana <ana@customer.example>\r\nSubject: RE: [#LOCAL-5] Printer\r\n\r\nHave you tried turning it off and on?\r\n',
    reply: 'Please call me back at 555-0100.',
  },
  {
    name: 'Outlook "From: ... Sent: ..." block under a rule',
    body: 'See the attached screenshot.\n\n________________________________\nFrom: Support <support@example.com>\nSent: Monday, March 2, 2026 9:00 AM\nTo: Ana <ana@customer.example>\nSubject: [#LOCAL-5] Printer\n\nCould you send a screenshot?\n',
    reply: 'See the attached screenshot.',
  },
  {
    name: 'Outlook "From: ... Sent: ..." block without a rule',
    body: 'Done, it prints again.\n\nFrom: Support <support@example.com>\nSent: Tuesday, March 3, 2026 10:00\nTo: Ana <ana@customer.example>\nSubject: Re: Printer\n\nPlease update the driver.\n',
    reply: 'Done, it prints again.',
  },
  {
    name: '">" quote below the answer, no header',
    body: 'Yes, please close it.\n\n> Can we close the ticket?\n> Thanks\n',
    reply: 'Yes, please close it.',
  },
  {
    name: '">" inline answers keep the questions they answer',
    body: '> Which version do you run?\n\n4.2.1\n\n> Did it work before the update?\n\nYes, until Monday.\n\n> Regards, Support\n',
    reply: '> Which version do you run?\n\n4.2.1\n\n> Did it work before the update?\n\nYes, until Monday.',
  },
  {
    name: 'Spanish Gmail "El ... escribió:"',
    body: '¡Gracias, ya funciona!\n\nEl mar, 3 mar 2026 a las 10:00, Soporte (<soporte@example.com>) escribió:\n> Reinicie el equipo, por favor.\n',
    reply: '¡Gracias, ya funciona!',
  },
  {
    name: 'Spanish Thunderbird "El ... escribió:"',
    body: 'Adjunto el registro.\n\nEl 3/3/26 a las 10:00, Soporte escribió:\n> Envíenos el registro, por favor.\n',
    reply: 'Adjunto el registro.',
  },
  {
    name: 'German Thunderbird "Am ... schrieb ...:"',
    body: 'Danke, das hat geholfen.\n\nAm 03.03.2026 um 10:00 schrieb Support <support@example.com>:\n> Bitte starten Sie den Dienst neu.\n',
    reply: 'Danke, das hat geholfen.',
  },
  {
    name: 'German Gmail "Am ... Uhr schrieb ...:"',
    body: 'Leider nicht.\n\nAm Di., 3. März 2026 um 10:00 Uhr schrieb Support <support@example.com>:\n> Geht es jetzt?\n',
    reply: 'Leider nicht.',
  },
  {
    name: '"-- " signature',
    body: 'Hello, the invoice total is wrong.\n\n-- \nAna Pérez\nACME Corp\n+1 555 0100\n',
    reply: 'Hello, the invoice total is wrong.',
  },
  {
    name: '"-- " signature above a quote',
    body: 'See below, line 3 is the problem.\n\n-- \nAna\n\nOn Mon, Mar 2, 2026 at 9:00 AM Support <support@example.com> wrote:\n> Which line fails?\n',
    reply: 'See below, line 3 is the problem.',
  },
  {
    name: '"Sent from my iPhone"',
    body: 'Short answer: yes.\n\nSent from my iPhone\n',
    reply: 'Short answer: yes.',
  },
  {
    name: '"Sent from my iPhone" above an iOS quote',
    body: 'OK\n\nSent from my iPhone\n\n> On 3 Mar 2026, at 10:00, Support <support@example.com> wrote:\n>\n> Shall we close the ticket?\n',
    reply: 'OK',
  },
  {
    // Bodies come from strangers: a pasted log or a hostile mail must not stall the ingest Lambda.
    name: 'a 100 KB line that starts like a reply header',
    body: `Please see the log line below.\n\n${LONG_LINE}\n\n> old\n`,
    reply: `Please see the log line below.\n\n${LONG_LINE}`,
  },
  {
    name: 'plain text stays as it is',
    body: 'Hello,\n\nthe printer on floor 2 is on fire -- again.\n\nAna\n',
    reply: 'Hello,\n\nthe printer on floor 2 is on fire -- again.\n\nAna',
  },
];

interface Score {
  pass: number;
  total: number;
  misses: string[];
}

function table(title: string, scores: Record<Impl, Score>, extra?: Record<Impl, string>): string {
  const rows = IMPLS.map((impl) => {
    const s = scores[impl];
    return `  ${impl.padEnd(20)} ${String(s.pass).padStart(3)} / ${s.total}${extra ? `   ${extra[impl]}` : ''}`;
  });
  const misses = IMPLS.flatMap((impl) => scores[impl].misses.map((m) => `    ${impl}: ${m}`.slice(0, 200)));
  return [title, ...rows, ...(misses.length ? ['  misses:', ...misses] : [])].join('\n');
}

describe('hand cases: ours against email-reply-parser and planer', () => {
  const scores = {} as Record<Impl, Score>;

  beforeAll(() => {
    const readings = readAll(HAND_CASES.map((c) => c.body));
    for (const impl of IMPLS) {
      const misses = HAND_CASES.map((c, i) => ({ c, got: readings[i][impl] }))
        .filter(({ c, got }) => got.error || got.visible.trim() !== c.reply || got.ms >= HAND_CASE_MS)
        .map(({ c, got }) => (got.ms >= HAND_CASE_MS ? `${c.name} (took ${got.ms.toFixed(0)} ms)` : c.name));
      scores[impl] = { pass: HAND_CASES.length - misses.length, total: HAND_CASES.length, misses };
    }
    console.log(table('reply stripping, hand cases (visible text equals the new text, read within 1 s)', scores));
  });

  it('scores at least as high as each library', () => {
    expect(scores.own.pass).toBeGreaterThanOrEqual(scores['email-reply-parser'].pass);
    expect(scores.own.pass).toBeGreaterThanOrEqual(scores.planer.pass);
  });

  it('the libraries really ran (each gets some case right)', () => {
    // A runner that silently returned nothing would make the comparison above meaningless.
    expect(scores['email-reply-parser'].pass).toBeGreaterThan(0);
    expect(scores.planer.pass).toBeGreaterThan(0);
  });
});

if (!corpusPresent) {
  console.log(`reply library comparison on the corpus skipped: ${corpusDir} is absent (it lives beside the repository, not in it)`);
}
const onCorpus = corpusPresent ? describe : describe.skip;

onCorpus('corpus reply expectations: ours against email-reply-parser and planer', () => {
  const all = {} as Record<Impl, Score>;
  const visibleOnly = {} as Record<Impl, Score>;

  beforeAll(() => {
    const expectations = fs
      .readFileSync(path.join(corpusDir, 'expectations.jsonl'), 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as ReplyExpectation)
      .filter((e) => e.reply);
    const readings = readAll(expectations.map((e) => fs.readFileSync(path.join(corpusDir, e.file), 'utf8')));
    for (const impl of IMPLS) {
      const verdicts = expectations.map((e, i) => ({ e, why: judge(e.reply, readings[i][impl]) }));
      const name = (e: ReplyExpectation): string => path.basename(e.file);
      all[impl] = {
        pass: verdicts.filter((v) => v.why === null).length,
        total: verdicts.length,
        misses: verdicts.filter((v) => v.why !== null).map((v) => `${name(v.e)}: ${v.why}`),
      };
      // The checks an API without fragments can be judged on (visible text, time).
      const fair = verdicts.filter((v) => !needsFragments(v.e.reply));
      visibleOnly[impl] = { pass: fair.filter((v) => v.why === null).length, total: fair.length, misses: [] };
    }
    const extra = Object.fromEntries(IMPLS.map((impl) => [impl, `(visible-text and time checks only: ${visibleOnly[impl].pass} / ${visibleOnly[impl].total})`])) as Record<Impl, string>;
    console.log(table(`reply stripping, corpus (${expectations.length} email_reply_parser expectations)`, all, extra));
  });

  it('finds the email_reply_parser expectations', () => {
    expect(all.own.total).toBeGreaterThanOrEqual(10);
  });

  it('scores at least as high as each library on all checks', () => {
    expect(all.own.pass).toBeGreaterThanOrEqual(all['email-reply-parser'].pass);
    expect(all.own.pass).toBeGreaterThanOrEqual(all.planer.pass);
  });

  it('scores at least as high as each library on the checks every API can be judged on', () => {
    expect(visibleOnly.own.pass).toBeGreaterThanOrEqual(visibleOnly['email-reply-parser'].pass);
    expect(visibleOnly.own.pass).toBeGreaterThanOrEqual(visibleOnly.planer.pass);
  });
});
