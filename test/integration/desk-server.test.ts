import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sendFiles } from '../../cli/commands/send';
import { main } from '../../cli/main';
import { defaultLocalConfig, runLocalStack, type RunningLocalStack } from '../../local/run-stack';
import { localStack, uniqueName } from './local-stack';

/**
 * The desk page's HTTP side on the local stack, fed through the real pipeline over SMTP: every
 * kind of message told apart, the timeline read back from the commands and timers, attachments
 * served as downloads with a type their bytes prove, filters and search, the report giving the
 * numbers `sesdesk report` prints, and the server's refusals (other hosts, writes, bad input).
 */
jest.setTimeout(120_000);

const dir = mkdtempSync(join(tmpdir(), 'sesdesk-desk-server-'));
const dataDir = join(dir, 'data');
let stack: RunningLocalStack;
let url: string;
let n = 0;
const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');

async function send(lines: string[]): Promise<string> {
  n += 1;
  const file = join(dir, `m${n}.eml`);
  writeFileSync(file, [...lines, ''].join('\r\n'));
  const [outcome] = await sendFiles([file], { host: stack.info.smtp.host, port: stack.info.smtp.port, to: 'support@example.com' });
  return outcome.response;
}
const get = async (path: string, headers: Record<string, string> = {}) => {
  const res = await fetch(new URL(path, url), { headers });
  return { res, text: await res.text() };
};

let first: string;
let second: string;

beforeAll(async () => {
  const ls = localStack();
  stack = await runLocalStack({
    existing: { dynamodb: ls.dynamodb.endpoint, s3: ls.s3.endpoint, ses: ls.ses.endpoint, viewerUrl: ls.ses.viewerUrl },
    dataDir,
    tableName: uniqueName('desk-server'),
    bucket: uniqueName('desk-server-raw'),
    smtpPort: 0,
    config: defaultLocalConfig('platform'),
    timerIntervalMs: 3_600_000,
    desk: { port: 0 },
    logger: { info: () => undefined, error: (...args: unknown[]) => console.error(...args) },
  });
  url = stack.desk!.url;
  const created = (r: string) => /created (LOCAL-\d+)/.exec(r)?.[1] ?? '';
  first = created(await send([
    'From: Cora <cora@customer.example>', 'To: support@example.com', 'Subject: Printer offline', 'Message-ID: <s1@customer.example>',
    'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="b"', '', '--b', 'Content-Type: text/plain; charset=utf-8', '', 'It is offline.',
    '--b', 'Content-Type: image/png', 'Content-Disposition: attachment; filename="shot.png"', 'Content-Transfer-Encoding: base64', '', PNG.toString('base64'),
    '--b', 'Content-Type: image/png', 'Content-Disposition: attachment; filename="fake.png"', '', '<html><script>alert(1)</script></html>', '--b--',
  ]));
  second = created(await send(['From: Dan <dan@other.example>', 'To: support@example.com', 'Subject: Invoice question', 'Message-ID: <s2@other.example>', '', 'Where is my invoice?']));
  const agent = (body: string[]) => send(['From: Sam <sam@example.com>', 'To: support@example.com', `Subject: Re: [#${first}] Printer offline`, `Message-ID: <a${n}@example.com>`, '', ...body]);
  await agent(['#priority high', '#assign alex@example.com', '#internal', 'Checked the spooler.']);
  await agent(['#status needs_clarification', 'Which model is it?']);
  await send(['From: Cora <cora@customer.example>', 'To: support@example.com', `Subject: Re: [#${first}] Printer offline`, 'Message-ID: <s3@customer.example>',
    'Auto-Submitted: auto-replied', '', 'I am out of office.']);
  await send(['From: Cora <cora@customer.example>', 'To: support@example.com', `Subject: Re: [#${first}] Printer offline`, 'Message-ID: <s4@customer.example>', '', 'It is an HP 4000.']);
});

afterAll(async () => {
  await stack?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('the ticket page', () => {
  it('tells customer, agent, internal note, auto-reply and system mail apart and lists the timeline', async () => {
    const { res, text } = await get(`/tickets/${first}`);
    expect(res.status).toBe(200);
    for (const kind of ['customer', 'note', 'agent', 'auto-reply', 'ack', 'relay', 'notification']) expect(text).toContain(`data-kind="${kind}"`);
    expect(text).toContain('Internal note</span> <span class="kind-note">not sent to the customer');
    for (const event of ['Priority set to high by sam@example.com', 'Assigned to alex@example.com by sam@example.com',
      'Status open → needs clarification (by sam@example.com)', 'Waiting on the customer: resolution clock paused',
      'Status needs clarification → in progress (reply from cora@customer.example)', 'Resolution clock running again']) {
      expect(text).toContain(event);
    }
    expect(text).toContain('Europe/Berlin');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('serves attachments as downloads: image/png only when the bytes are a PNG, else octet-stream', async () => {
    const { text } = await get(`/tickets/${first}`);
    const links = [...text.matchAll(/href="(\/tickets\/[^"]+\/attachment\?[^"]+)"/g)].map((m) => m[1].replace(/&amp;/g, '&'));
    const [real, fake] = [...new Set(links)];
    const png = await fetch(new URL(real, url));
    expect(png.headers.get('content-type')).toBe('image/png');
    expect(png.headers.get('content-disposition')).toBe(`attachment; filename="shot.png"; filename*=UTF-8''shot.png`);
    expect(png.headers.get('content-security-policy')).toBe("default-src 'none'; sandbox");
    expect(Buffer.from(await png.arrayBuffer()).equals(PNG)).toBe(true);
    const html = await fetch(new URL(fake, url));
    expect(html.headers.get('content-type')).toBe('application/octet-stream');
    expect(html.headers.get('x-content-type-options')).toBe('nosniff');
    expect((await get(real.replace(/m=[^&]+/, 'm=tickets%2Fother'))).res.status).toBe(404);
    expect((await get(real.replace(/i=\d+/, 'i=9'))).res.status).toBe(404);
  });
});

describe('the queue', () => {
  it('filters by priority, assignee, account and status, searches by id, requester and subject', async () => {
    const rows = async (qs: string) => [...(await get(`/?${qs}`)).text.matchAll(/data-ticket="([^"]+)"/g)].map((m) => m[1]);
    expect((await rows('')).sort()).toEqual([first, second].sort());
    expect(await rows('priority=high')).toEqual([first]);
    expect(await rows('assignee=ALEX@example.com')).toEqual([first]);
    expect(await rows('assignee=none')).toEqual([second]);
    expect(await rows('status=in_progress')).toEqual([first]);
    expect(await rows('status=closed')).toEqual([]);
    expect(await rows('account=none&priority=high')).toEqual([first]);
    expect(await rows(`q=${second.split('-')[1]}`)).toEqual([second]);
    expect(await rows('q=dan%40other')).toEqual([second]);
    expect(await rows('q=PRINTER')).toEqual([first]);
    expect(await rows('breached=1')).toEqual([]);
  });

  it('answers a partial refresh with the live part only, and refuses bad input, writes and other hosts', async () => {
    const partial = await get('/', { 'X-Desk-Partial': '1' });
    expect(partial.text.startsWith('<div id="live">')).toBe(true);
    expect(partial.text).not.toContain('<form');
    expect((await get('/?status=nonsense')).res.status).toBe(400);
    expect((await get('/?cursor=forged')).res.status).toBe(400);
    expect((await get('/tickets/LOCAL-99999')).res.status).toBe(404);
    expect((await fetch(url, { method: 'POST' })).status).toBe(405);
    // Node's fetch will not forge Host; a raw request does (DNS rebinding sends the attacker's name).
    const { request } = await import('node:http');
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(url, { headers: { Host: 'evil.example:80' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(421);
  });
});

describe('the report page', () => {
  it('gives the numbers `sesdesk report` prints for the same period', async () => {
    const { text } = await get('/report?preset=all');
    const out: string[] = [];
    const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out.push(String(chunk));
      return true;
    });
    try {
      await expect(main(['node', 'sesdesk', 'report', '--json', '--data-dir', dataDir])).resolves.toBe(0);
    } finally {
      write.mockRestore();
    }
    const cli = JSON.parse(out.join('')) as { priorities: Array<{ priority: string; tickets: number; breaches: number; firstResponse: { attainment: number | null } }>; total: { tickets: number } };
    expect(cli.total.tickets).toBe(2);
    for (const row of cli.priorities) {
      const cells = new RegExp(`data-priority="${row.priority}">\\s*<td><bdi>${row.priority}</bdi></td><td class="num">(\\d+)</td>`).exec(text);
      expect(Number(cells?.[1])).toBe(row.tickets);
    }
    expect(text).toContain('<svg class="chart"');
    expect(text).toContain('sesdesk report');
  });
});
