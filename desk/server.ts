import { serve } from '@hono/node-server';
import { Hono, type Context } from 'hono';
import { secureHeaders } from 'hono/secure-headers';
import type { AddressInfo } from 'node:net';
import { isInvalidInput, NotFoundError } from '../lambdas/domain/errors';
import { downloadHeaders } from './attachments';
import type { DeskSource } from './desk-source';
import { DESK_SCRIPT } from './static/desk-script';
import { DESK_STYLE } from './static/desk-style';
import { queuePage, reportPage, ticketPage } from './pages';
import { errorPage } from './views/layout';

/**
 * The desk page's HTTP server (hono on Node's http): read-only (GET and HEAD only), bound to
 * 127.0.0.1 by default, every answer under a strict Content-Security-Policy (scripts and styles
 * from this origin only, no inline code, no frames, no plugins), and requests whose Host header
 * names another site refused, so a web page cannot reach the desk through DNS rebinding.
 */
export const CSP = {
  defaultSrc: ["'none'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'"],
  connectSrc: ["'self'"],
  formAction: ["'self'"],
  baseUri: ["'none'"],
  frameAncestors: ["'none'"],
};

const TICKET_ID = /^[A-Z][A-Z0-9]{1,7}-\d{1,12}$/;

export interface DeskAppOptions {
  /** Host header values served (`127.0.0.1:4280` ...); any when null (a wildcard bind). */
  allowedHosts: ReadonlySet<string> | null;
}

export function createDeskApp(source: DeskSource, options: DeskAppOptions = { allowedHosts: null }): Hono {
  const app = new Hono();
  app.use('*', async (c, next) => {
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') {
      return c.text('the desk page is read-only', 405, { Allow: 'GET, HEAD' });
    }
    const host = (c.req.header('host') ?? '').toLowerCase();
    if (options.allowedHosts !== null && !options.allowedHosts.has(host)) {
      return c.text(`host ${JSON.stringify(host)} is not this desk page`, 421);
    }
    return next();
  });
  app.use(
    '*',
    secureHeaders({
      contentSecurityPolicy: CSP,
      crossOriginResourcePolicy: 'same-origin',
      crossOriginOpenerPolicy: 'same-origin',
      referrerPolicy: 'no-referrer',
      xFrameOptions: 'DENY',
      strictTransportSecurity: false,
      // Downloads set their own, stricter policy (sandbox): keep it.
      overwrite: false,
    }),
  );
  app.use('*', async (c, next) => {
    await next();
    if (!c.res.headers.has('Cache-Control')) c.res.headers.set('Cache-Control', 'no-store');
    c.res.headers.set('Vary', 'X-Desk-Partial');
  });

  app.get('/static/desk.js', (c) => c.body(DESK_SCRIPT, 200, { 'Content-Type': 'text/javascript; charset=utf-8', 'Cache-Control': 'no-cache' }));
  app.get('/static/desk.css', (c) => c.body(DESK_STYLE, 200, { 'Content-Type': 'text/css; charset=utf-8', 'Cache-Control': 'no-cache' }));

  const partial = (c: Context) => c.req.header('x-desk-partial') === '1';
  app.get('/', async (c) => c.html(await queuePage(source, new URL(c.req.url).searchParams, partial(c))));
  app.get('/report', async (c) => c.html(await reportPage(source, new URL(c.req.url).searchParams, partial(c))));
  app.get('/tickets/:id', async (c) => {
    const page = await ticketPage(source, ticketId(c.req.param('id')), partial(c));
    return page === null ? c.html(errorPage(source, 'No such ticket', `There is no ticket ${c.req.param('id')}.`), 404) : c.html(page);
  });
  app.get('/tickets/:id/attachment', async (c) => {
    const id = ticketId(c.req.param('id'));
    const message = await messageOf(source, id, c.req.query('m'));
    const index = Number(c.req.query('i'));
    const attachment = Number.isInteger(index) && index >= 0 ? message.attachments[index] : undefined;
    if (!attachment?.key) throw new NotFoundError(`no stored attachment ${c.req.query('i')} on that message`);
    const bytes = await source.objects.getObject(attachment.key);
    return c.body(new Uint8Array(bytes), 200, downloadHeaders(attachment.filename, bytes, index));
  });
  app.get('/tickets/:id/raw', async (c) => {
    const id = ticketId(c.req.param('id'));
    const message = await messageOf(source, id, c.req.query('m'));
    if (!message.rawKey) throw new NotFoundError('that message has no raw mail');
    const bytes = await source.objects.getObject(message.rawKey);
    const headers = downloadHeaders(`${id}-${message.at.replace(/[^0-9]/g, '').slice(0, 14)}.eml`, bytes);
    return c.body(new Uint8Array(bytes), 200, { ...headers, 'Content-Type': 'application/octet-stream' });
  });

  app.notFound((c) => c.html(errorPage(source, 'Not found', 'There is nothing at this address.'), 404));
  app.onError((thrown, c) => {
    const error: unknown = thrown;
    if (isInvalidInput(error)) return c.html(errorPage(source, 'Not understood', error.message), 400);
    if (error instanceof NotFoundError) return c.html(errorPage(source, 'Not found', error.message), 404);
    console.error('desk page:', error);
    return c.html(errorPage(source, 'Something went wrong', error instanceof Error ? error.message : String(error)), 500);
  });
  return app;
}

function ticketId(raw: string): string {
  const id = raw.toUpperCase();
  if (!TICKET_ID.test(id)) throw new NotFoundError(`"${raw}" is not a ticket id`);
  return id;
}

/** A message of the ticket by its key: the key must be one of this ticket's, never a path of our choosing. */
async function messageOf(source: DeskSource, ticketId: string, key: string | undefined) {
  const message = key ? (await source.tickets.listMessages(ticketId)).find((m) => m.key === key) : undefined;
  if (!message) throw new NotFoundError(`no such message on ${ticketId}`);
  return message;
}

export interface RunningDesk {
  url: string;
  port: number;
  close(): Promise<void>;
}

const WILDCARDS = new Set(['0.0.0.0', '::', '[::]']);

/** Serves the desk page on `host:port` (port 0: a free one). */
export async function startDeskServer(source: DeskSource, o: { host?: string; port?: number } = {}): Promise<RunningDesk> {
  const host = o.host ?? '127.0.0.1';
  let allowed: Set<string> | null = null;
  const app = createDeskApp(source, { get allowedHosts() { return allowed; } });
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, hostname: host, port: o.port ?? 0 }, () => resolve(s));
    s.once('error', reject);
  });
  const port = (server.address() as AddressInfo).port;
  const shown = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  allowed = WILDCARDS.has(host) ? null : new Set([`${shown}:${port}`, `127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`].map((h) => h.toLowerCase()));
  return {
    url: `http://${WILDCARDS.has(host) ? '127.0.0.1' : shown}:${port}/`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
      }),
  };
}
