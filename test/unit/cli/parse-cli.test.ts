import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { join, resolve } from 'node:path';

/**
 * `sesdesk parse FILE.eml [--json]` run as a user runs it: the real bin script in a child
 * process (as test/integration/cli-local-stack.test.ts does), no services needed.
 */
const repo = resolve(__dirname, '../../..');
const cli = join(repo, 'bin/sesdesk.js');

function run(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const out = spawnSync(process.execPath, [cli, ...args], { cwd: repo, encoding: 'utf8', timeout: 180_000 });
  if (out.error) throw out.error;
  return { code: out.status, stdout: out.stdout, stderr: out.stderr };
}

/** Keys of the `parse --json` document, in the order of shared/spec/cli.md, then `problems`. */
const SPEC_KEYS = [
  'messageId', 'from', 'to', 'cc', 'replyTo', 'subject', 'date', 'inReplyTo', 'references',
  'text', 'reply', 'attachments', 'autoReply', 'bounce', 'ticketRef',
];
const JSON_KEYS = [...SPEC_KEYS, 'problems'];
const ATTACHMENT_KEYS = ['filename', 'contentType', 'size', 'sha256', 'inline'];

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(join(os.tmpdir(), 'sesdesk-parse-cli-'));
});
afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('the key order this test asserts', () => {
  // The spec lives beside the repository (../shared/spec); a fresh clone has no copy of it.
  const specFile = resolve(repo, '../shared/spec/cli.md');
  const maybe = fs.existsSync(specFile) ? it : it.skip;
  maybe('is the order of the parse --json example in cli.md', () => {
    const block = /## `parse --json`\s*```json\n([\s\S]*?)```/.exec(fs.readFileSync(specFile, 'utf8'));
    expect(block).not.toBeNull();
    const example = JSON.parse(block![1]) as Record<string, unknown>;
    expect(Object.keys(example)).toEqual(SPEC_KEYS);
    expect(Object.keys((example.attachments as Array<Record<string, unknown>>)[0])).toEqual(ATTACHMENT_KEYS);
  });
});

describe('sesdesk parse --json', () => {
  it('prints examples/urgente-es.eml as one JSON document with the spec keys in order and decoded values', () => {
    const out = run(['parse', 'examples/urgente-es.eml', '--json']);
    expect(out.code).toBe(0);
    const doc = JSON.parse(out.stdout) as Record<string, unknown>;
    expect(Object.keys(doc)).toEqual(JSON_KEYS);
    expect(doc).toMatchObject({
      messageId: '<urgente-0002@cliente.example>',
      from: { name: 'Carlos Ruiz', address: 'carlos@cliente.example' },
      to: [{ name: '', address: 'soporte@example.com' }],
      cc: [],
      replyTo: [],
      // RFC 2047 encoded word (UTF-8, Q) decoded
      subject: 'Urgente: el sistema está caído',
      // -0500 turned into a UTC instant
      date: '2026-11-23T14:15:00.000Z',
      inReplyTo: null,
      references: [],
      attachments: [],
      autoReply: false,
      bounce: false,
      ticketRef: null,
      problems: [],
    });
    // quoted-printable ISO-8859-1 body decoded to UTF-8
    expect(doc.text).toBe('Buenos días,\n\nel sistema no funciona desde las 9:00. Producción parada.\n\nSaludos,\nCarlos\n');
    expect(doc.reply).toContain('Producción parada.');
    expect(out.stderr).toBe('');
  });

  it('decodes examples/first.eml (encoded-word display name, 8bit UTF-8 body, -0800 date)', () => {
    const out = run(['parse', join(repo, 'examples/first.eml'), '--json']);
    expect(out.code).toBe(0);
    const doc = JSON.parse(out.stdout) as Record<string, unknown>;
    expect(Object.keys(doc)).toEqual(JSON_KEYS);
    expect(doc.from).toEqual({ name: 'Ana Pérez', address: 'ana@customer.example' });
    expect(doc.to).toEqual([{ name: 'Support', address: 'support@example.com' }]);
    expect(doc.subject).toBe('Cannot log in to the dashboard');
    expect(doc.date).toBe('2026-11-21T01:00:00.000Z');
    expect(doc.messageId).toBe('<first-mail-0001@customer.example>');
    expect(doc.text).toContain('"invalid session"');
  });

  it('a threaded reply with an attachment: cc, reply-to, references, stripped quote, attachment keys and hash, ticket tag', () => {
    const attachment = Buffer.from('2026-11-23 09:00:01 ERROR db pool exhausted\n');
    const file = join(tmp, 'reply.eml');
    fs.writeFileSync(
      file,
      [
        'From: =?ISO-8859-1?Q?Jos=E9_M=FCller?= <jose@customer.example>',
        'To: Support <support@example.com>',
        'Cc: "Ops, Team" <ops@customer.example>, boss@customer.example',
        'Reply-To: tickets@customer.example',
        'Subject: Re: [#LOCAL-7] =?UTF-8?B?QmFja3VwIGZhbGxpZG8=?=',
        'Date: Tue, 24 Nov 2026 08:30:00 +0100',
        'Message-ID: <reply-3@customer.example>',
        'In-Reply-To: <ack-1@example.com>',
        'References: <orig-1@customer.example> <ack-1@example.com>',
        'MIME-Version: 1.0',
        'Content-Type: multipart/mixed; boundary="b1"',
        '',
        '--b1',
        'Content-Type: text/plain; charset=utf-8',
        'Content-Transfer-Encoding: 8bit',
        '',
        'The log is attached.',
        '',
        'On Mon, 23 Nov 2026 at 10:00, Support <support@example.com> wrote:',
        '> Please send us the log.',
        '--b1',
        'Content-Type: text/plain; name="app.log"',
        'Content-Disposition: attachment; filename="app.log"',
        'Content-Transfer-Encoding: base64',
        '',
        attachment.toString('base64'),
        '--b1--',
        '',
      ].join('\r\n'),
    );
    const out = run(['parse', file, '--json']);
    expect(out.code).toBe(0);
    const doc = JSON.parse(out.stdout) as Record<string, any>;
    expect(Object.keys(doc)).toEqual(JSON_KEYS);
    expect(doc.from).toEqual({ name: 'José Müller', address: 'jose@customer.example' });
    expect(doc.cc).toEqual([
      { name: 'Ops, Team', address: 'ops@customer.example' },
      { name: '', address: 'boss@customer.example' },
    ]);
    expect(doc.replyTo).toEqual([{ name: '', address: 'tickets@customer.example' }]);
    expect(doc.subject).toBe('Re: [#LOCAL-7] Backup fallido');
    expect(doc.date).toBe('2026-11-24T07:30:00.000Z');
    expect(doc.inReplyTo).toBe('<ack-1@example.com>');
    expect(doc.references).toEqual(['<orig-1@customer.example>', '<ack-1@example.com>']);
    expect(doc.text).toContain('> Please send us the log.');
    expect(doc.reply).toBe('The log is attached.');
    expect(doc.ticketRef).toBe('LOCAL-7');
    expect(doc.attachments).toHaveLength(1);
    expect(Object.keys(doc.attachments[0])).toEqual(ATTACHMENT_KEYS);
    expect(doc.attachments[0]).toEqual({
      filename: 'app.log',
      contentType: 'text/plain',
      size: attachment.length,
      sha256: createHash('sha256').update(attachment).digest('hex'),
      inline: false,
    });
    expect(doc.problems).toEqual([]);
  });

  it('a file that is not a mail still prints a document with problems, and exits 0', () => {
    const file = join(tmp, 'not-a-mail.eml');
    fs.writeFileSync(file, 'just some words, no headers at all\n');
    const out = run(['parse', file, '--json']);
    expect(out.code).toBe(0);
    const doc = JSON.parse(out.stdout) as Record<string, unknown>;
    expect(Object.keys(doc)).toEqual(JSON_KEYS);
    expect(doc.from).toBeNull();
    expect(doc.text).toContain('just some words');
    expect(Array.isArray(doc.problems)).toBe(true);
    expect((doc.problems as string[]).length).toBeGreaterThan(0);
  });

  it('without --json prints a summary for people, not JSON', () => {
    const out = run(['parse', 'examples/urgente-es.eml']);
    expect(out.code).toBe(0);
    expect(() => JSON.parse(out.stdout)).toThrow();
    expect(out.stdout).toMatch(/^From: +Carlos Ruiz <carlos@cliente\.example>$/m);
    expect(out.stdout).toMatch(/^Subject: +Urgente: el sistema está caído$/m);
  });
});

describe('sesdesk parse misuse (exit 2, message on stderr, nothing on stdout)', () => {
  it('a missing file names the file and says it does not exist', () => {
    const missing = join(tmp, 'does-not-exist.eml');
    const out = run(['parse', missing, '--json']);
    expect(out.code).toBe(2);
    expect(out.stdout).toBe('');
    expect(out.stderr).toContain(missing);
    expect(out.stderr).toMatch(/no such file/);
  });

  it('a directory instead of a file', () => {
    const out = run(['parse', tmp]);
    expect(out.code).toBe(2);
    expect(out.stdout).toBe('');
    expect(out.stderr).toMatch(/is a directory/);
  });

  it('parse without a file argument names the missing argument and points at the usage', () => {
    const out = run(['parse', '--json']);
    expect(out.code).toBe(2);
    expect(out.stdout).toBe('');
    expect(out.stderr).toMatch(/missing required argument 'file'/);
    expect(out.stderr).toMatch(/sesdesk --help/);
  });

  it('sesdesk without any argument prints the usage, listing parse', () => {
    const out = run([]);
    expect(out.code).toBe(2);
    expect(out.stdout).toBe('');
    expect(out.stderr).toMatch(/^Usage: sesdesk /m);
    expect(out.stderr).toMatch(/^\s+parse \[options\] <file>/m);
  });
});
