import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { sendFiles } from '../../cli/commands/send';
import { main } from '../../cli/main';
import { defaultLocalConfig, runLocalStack, type RunningLocalStack } from '../../local/run-stack';
import { findChromium, launchChromium } from '../support/chromium';
import { localStack, uniqueName } from './local-stack';

/**
 * The desk page in a real headless Chromium (Debian's, driven by playwright-core) against the
 * local stack: mail goes in over SMTP, the queue shows it without a reload, the ticket page
 * follows, `sesdesk clock advance` makes the first response breach and the page shows it as
 * the timer fires, and a hostile mail's markup stays text: no script of it runs.
 */
jest.setTimeout(180_000);

// page.evaluate() callbacks run in the browser; the project's types are Node's (no DOM lib).
declare const window: any;
declare const document: any;

const chromium = findChromium();
const described = 'path' in chromium ? describe : describe.skip;
if (!('path' in chromium)) {
  // Said once, plainly, in the test output: the suite is skipped, not passed.
  console.warn(`desk browser tests SKIPPED: ${chromium.missing}`);
}

const WAIT = { timeout: 60_000 };

described('the desk page in Chromium', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sesdesk-desk-browser-'));
  const dataDir = join(dir, 'data');
  let stack: RunningLocalStack;
  let browser: Browser;
  let page: Page;
  let fileNo = 0;
  const dialogs: string[] = [];
  const cspViolations: string[] = [];

  async function send(raw: string): Promise<string> {
    fileNo += 1;
    const file = join(dir, `m${fileNo}.eml`);
    writeFileSync(file, raw);
    const [outcome] = await sendFiles([file], { host: stack.info.smtp.host, port: stack.info.smtp.port, to: 'support@example.com' });
    const id = /created (LOCAL-\d+)/.exec(outcome.response)?.[1];
    if (!id) throw new Error(`no ticket created: ${outcome.response}`);
    return id;
  }

  beforeAll(async () => {
    const ls = localStack();
    stack = await runLocalStack({
      existing: { dynamodb: ls.dynamodb.endpoint, s3: ls.s3.endpoint, ses: ls.ses.endpoint, viewerUrl: ls.ses.viewerUrl },
      dataDir,
      tableName: uniqueName('desk-browser'),
      bucket: uniqueName('desk-browser-raw'),
      smtpPort: 0,
      config: defaultLocalConfig('platform'),
      timerIntervalMs: 300,
      desk: { port: 0, pollMs: 500 },
      logger: { info: () => undefined, error: (...args: unknown[]) => console.error(...args) },
    });
    browser = await launchChromium((chromium as { path: string }).path);
    page = await browser.newPage();
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
    });
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  let id: string;

  it('shows a new ticket in the open queue without a reload, after a mail arrives over SMTP', async () => {
    const response = await page.goto(stack.desk!.url);
    expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
    await page.waitForSelector('td.empty', WAIT);
    await page.evaluate(() => Object.assign(window, { __sameDocument: true }));
    id = await send(
      ['From: Ana Pérez <ana@customer.example>', 'To: support@example.com', 'Subject: Cannot log in since this morning', 'Message-ID: <browser-1@customer.example>',
        'Content-Type: text/plain; charset=utf-8', '', 'Since this morning the login page says my password is wrong.', ''].join('\r\n'),
    );
    const row = page.locator(`tr[data-ticket="${id}"]`);
    await row.waitFor(WAIT);
    expect(await page.evaluate(() => window.__sameDocument)).toBe(true);
    await expect(row.locator('td.subject').innerText()).resolves.toBe('Cannot log in since this morning');
    await expect(row.locator('.countdown').innerText()).resolves.toMatch(/^in \d/);
    expect(await row.locator('[data-breach-marker]').count()).toBe(0);
  });

  it('follows the ticket to its page: the customer mail and the acknowledgement told apart, times in both zones', async () => {
    await page.click(`tr[data-ticket="${id}"] td.id a`);
    await page.waitForSelector('article.msg.kind-customer', WAIT);
    expect(page.url()).toContain(`/tickets/${id}`);
    await expect(page.locator('article.msg.kind-customer .kind').innerText()).resolves.toMatch(/customer/i);
    await page.waitForSelector('article.msg[data-kind="ack"]', WAIT);
    await expect(page.locator('article.msg[data-kind="ack"] .kind').innerText()).resolves.toMatch(/system/i);
    // Desk zone (the platform policy's) from the server; the viewer's own beside it from the script.
    const zones = await page.evaluate(() => ({ viewer: Intl.DateTimeFormat().resolvedOptions().timeZone, desk: document.body.dataset.deskZone }));
    if (zones.viewer !== zones.desk) await page.waitForSelector('.ticket-head time[data-viewer] + .viewer-time', WAIT);
    await expect(page.locator('.timeline').innerText()).resolves.toContain('Opened by ana@customer.example');
  });

  it('shows the breach as it happens after `sesdesk clock advance`, and the queue marks it', async () => {
    const due = await page.locator('.sla .countdown').getAttribute('data-due');
    expect(due).toBeTruthy();
    const minutes = Math.ceil((Date.parse(due!) - stack.deps.clock.now().getTime()) / 60_000) + 2;
    await expect(main(['node', 'sesdesk', 'clock', 'advance', `${minutes}m`, '--data-dir', dataDir])).resolves.toBe(0);
    // The local timer runner fires the breach; the page's next refresh shows it recorded (tier 2).
    await page.waitForSelector('.sla [data-breach-marker]', WAIT);
    await page.waitForFunction(() => /tier 2/.test(document.querySelector('.sla')?.textContent ?? ''), undefined, WAIT);
    await expect(page.locator('.timeline').innerText()).resolves.toMatch(/First response SLA breached/);
    await page.goto(stack.desk!.url);
    const row = page.locator(`tr[data-ticket="${id}"]`);
    await expect(row.locator('[data-breach-marker]').innerText()).resolves.toBe('BREACHED');
    await expect(row.locator('td.num').innerText()).resolves.toBe('2');
    await page.goto(`${stack.desk!.url}?breached=1`);
    await row.waitFor(WAIT);
  });

  it('shows a hostile mail as text: no script of it runs, bidi overrides are visible, attachments only download', async () => {
    const hostile = await send(
      [
        'From: "<img src=x onerror=alert(1)>" <mallory@customer.example>',
        'To: support@example.com',
        'Subject: <script>alert("subject")</script> invoice\u202Efdp.exe',
        'Message-ID: <browser-2@customer.example>',
        'MIME-Version: 1.0',
        'Content-Type: multipart/mixed; boundary="b1"',
        '',
        '--b1',
        'Content-Type: multipart/alternative; boundary="b2"',
        '',
        '--b2',
        'Content-Type: text/plain; charset=utf-8',
        '',
        'Hello <script>window.__pwned = 1</script><svg onload="window.__pwned = 2"></svg>',
        '--b2',
        'Content-Type: text/html; charset=utf-8',
        '',
        '<p>Hello</p><script>window.__pwned = 3</script><img src=x onerror="window.__pwned = 4">',
        '--b2--',
        '--b1',
        'Content-Type: text/html; name="x.html"',
        `Content-Disposition: attachment; filename*=UTF-8''%22%3E%3Cimg%20src%3Dx%20onerror%3Dalert(5)%3Einvoice%E2%80%AEgpj.exe`,
        '',
        '<script>window.__pwned = 5</script>',
        '--b1--',
        '',
      ].join('\r\n'),
    );
    const response = await page.goto(`${stack.desk!.url}tickets/${hostile}`);
    expect(response?.headers()['content-security-policy']).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    );
    await page.waitForSelector('article.msg.kind-customer', WAIT);
    // Two refreshes of the live part too: swapped-in content must not run either.
    await page.waitForFunction(() => Number(document.body.dataset.refreshes ?? 0) >= 2, undefined, WAIT);
    const state = await page.evaluate(() => ({
      pwned: window.__pwned,
      scripts: [...document.scripts].map((s: any) => s.getAttribute('src')),
      handlers: document.querySelectorAll('[onerror],[onload],[onclick]').length,
      svg: document.querySelectorAll('article svg, article img:not(.preview)').length,
      title: document.querySelector('.ticket-head h1')?.textContent ?? '',
      body: document.querySelector('article.kind-customer pre.body')?.textContent ?? '',
      from: document.querySelector('article.kind-customer .meta')?.textContent ?? '',
      attachment: document.querySelector('ul.attachments a')?.textContent ?? '',
      href: document.querySelector('ul.attachments a')?.getAttribute('href') ?? '',
    }));
    expect(state.pwned).toBeUndefined();
    expect(dialogs).toEqual([]);
    expect(state.scripts).toEqual(['/static/desk.js']);
    expect(state.handlers).toBe(0);
    expect(state.svg).toBe(0);
    expect(state.title).toContain('<script>alert("subject")</script> invoice[U+202E]fdp.exe');
    expect(state.body).toContain('<script>window.__pwned = 1</script>');
    // The parser keeps the name's text (its brackets go): still markup-looking text, shown as text.
    expect(state.from).toContain('img src=x onerror=alert(1)');
    expect(state.attachment).toContain('[U+202E]');
    const download = await page.request.get(new URL(state.href, stack.desk!.url).toString());
    const headers = download.headers();
    expect(headers['content-type']).toBe('application/octet-stream');
    expect(headers['content-disposition']).toMatch(/^attachment; filename="[^"\u202e]*"; filename\*=UTF-8''/);
    expect(headers['content-disposition']).not.toContain('%E2%80%AE');
    expect(headers['x-content-type-options']).toBe('nosniff');
    expect(cspViolations).toEqual([]);
  });
});
