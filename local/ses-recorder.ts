import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { parseRawHeaders, type RawHeader } from './mime-headers';
import { httpUrl } from './ports';
import { sesMessageId } from '../lambdas/domain/ses-message-id';

/**
 * A thin HTTP front for aws-ses-v2-local. Why it exists: aws-ses-v2-local 2.10 parses a
 * raw send (SESv2 `Content.Raw`, SESv1 `SendRawEmail`) with mailparser and keeps only
 * from/to/subject/body/attachments in `GET /store`; every other header (In-Reply-To,
 * References, Auto-Submitted, our loop header) is dropped. The front forwards every
 * request unchanged, remembers the raw MIME of each accepted raw send by the SES
 * MessageId the emulator returned, and on `GET /store` adds `headers` (as SES would see
 * them: raw values, unfolded) and `rawUrl` to those emails. `GET /raw/<MessageId>`
 * serves the raw message itself. The viewer (`GET /`) works through it unchanged.
 *
 * Like SES, it replaces the Message-ID of each raw message it keeps with the one SES would
 * write for the MessageId the send returned (`<id@email.amazonses.com>` for the local stack's
 * us-east-1): what the mailer records is what a local recipient sees and replies to.
 */
export interface SesRecorder {
  /** Base URL clients use as the SES endpoint. */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

export interface SesRecorderOptions {
  /** Base URL of the aws-ses-v2-local server. */
  readonly upstream: string;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** @default 0 (any free port) */
  readonly port?: number;
  /** Region SES plays, for the Message-ID it writes. @default 'us-east-1' (the local stack's) */
  readonly region?: string;
}

interface UpstreamReply {
  status: number;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

async function readBody(stream: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function forward(upstream: URL, req: IncomingMessage, body: Buffer): Promise<UpstreamReply> {
  return new Promise((resolve, reject) => {
    const headers = { ...req.headers, host: upstream.host, 'content-length': String(body.length) };
    delete headers['transfer-encoding'];
    const out = request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers },
      (res) => {
        readBody(res).then((b) => resolve({ status: res.statusCode ?? 502, headers: res.headers, body: b }), reject);
      },
    );
    out.once('error', reject);
    out.end(body);
  });
}

/** The raw MIME of a raw-send request, or null for any other request. */
function rawOfRequest(method: string, path: string, contentType: string, body: Buffer): Buffer | null {
  if (method !== 'POST') return null;
  try {
    if (path === '/v2/email/outbound-emails') {
      const data = (JSON.parse(body.toString('utf8')) as { Content?: { Raw?: { Data?: unknown } } }).Content?.Raw?.Data;
      return typeof data === 'string' ? Buffer.from(data, 'base64') : null;
    }
    if (path === '/' && contentType.includes('application/x-www-form-urlencoded')) {
      const form = new URLSearchParams(body.toString('utf8'));
      const data = form.get('RawMessage.Data');
      return form.get('Action') === 'SendRawEmail' && data !== null ? Buffer.from(data, 'base64') : null;
    }
  } catch {
    return null; // a malformed request: the emulator answers it, we just do not record it
  }
  return null;
}

function messageIdOfReply(reply: UpstreamReply): string | null {
  const text = reply.body.toString('utf8');
  try {
    const json = JSON.parse(text) as { MessageId?: unknown };
    if (typeof json.MessageId === 'string') return json.MessageId;
  } catch {
    // SESv1 answers in XML
  }
  return /<MessageId>([^<]+)<\/MessageId>/.exec(text)?.[1] ?? null;
}

/**
 * `raw` with its Message-ID field (folded lines included) replaced by `id`, or `id` added at the
 * top of the header block when it has none, as SES does on send.
 */
export function withMessageId(raw: Buffer, id: string): Buffer {
  const text = raw.toString('latin1');
  const split = /\r?\n\r?\n/.exec(text);
  const headEnd = split ? split.index : text.length;
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const head = text.slice(0, headEnd);
  const field = /^message-id[ \t]*:.*(?:\r?\n[ \t].*)*/im;
  const newHead = field.test(head) ? head.replace(field, `Message-ID: ${id}`) : `Message-ID: ${id}${eol}${head}`;
  return Buffer.from(newHead + text.slice(headEnd), 'latin1');
}

interface StoredEmail {
  messageId?: string;
  headers?: RawHeader[];
  rawUrl?: string;
  [key: string]: unknown;
}

export async function startSesRecorder(options: SesRecorderOptions): Promise<SesRecorder> {
  const upstream = new URL(options.upstream);
  const host = options.host ?? '127.0.0.1';
  const raws = new Map<string, Buffer>();

  const send = (res: ServerResponse, reply: UpstreamReply, body: Buffer = reply.body): void => {
    const headers: Record<string, string | string[] | undefined> = { ...reply.headers, 'content-length': String(body.length) };
    delete headers['transfer-encoding'];
    delete headers.connection;
    delete headers['keep-alive'];
    res.writeHead(reply.status, headers);
    res.end(body);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://local');
    const rawMatch = /^\/raw\/([^/]+)$/.exec(url.pathname);
    if (method === 'GET' && rawMatch) {
      const raw = raws.get(decodeURIComponent(rawMatch[1]));
      if (raw === undefined) {
        res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ message: 'no raw message with that id' }));
      } else {
        res.writeHead(200, { 'content-type': 'message/rfc822', 'content-length': String(raw.length) }).end(raw);
      }
      return;
    }
    const body = await readBody(req);
    const reply = await forward(upstream, req, body);
    const ok = reply.status >= 200 && reply.status < 300;

    const raw = ok ? rawOfRequest(method, url.pathname, String(req.headers['content-type'] ?? ''), body) : null;
    const sentId = raw ? messageIdOfReply(reply) : null;
    if (raw && sentId) raws.set(sentId, withMessageId(raw, sesMessageId(sentId, options.region ?? 'us-east-1')));
    if (ok && method === 'POST' && url.pathname === '/clear-store') raws.clear();

    if (ok && method === 'GET' && url.pathname === '/store') {
      const store = JSON.parse(reply.body.toString('utf8')) as { emails?: StoredEmail[] };
      for (const email of store.emails ?? []) {
        const kept = email.messageId === undefined ? undefined : raws.get(email.messageId);
        if (kept === undefined) continue;
        email.headers ??= parseRawHeaders(kept);
        email.rawUrl = `/raw/${encodeURIComponent(email.messageId as string)}`;
      }
      send(res, reply, Buffer.from(JSON.stringify(store)));
      return;
    }
    send(res, reply);
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      res.writeHead(502, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: `ses recorder: ${err instanceof Error ? err.message : String(err)}` }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    url: httpUrl(host, port),
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
