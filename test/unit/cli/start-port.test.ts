import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { main } from '../../../cli/main';
import { PortInUseError } from '../../../local/ports';
import { startSmtpInbound } from '../../../local/smtp-inbound';

/** A taken SMTP port: one clear line naming --smtp-port, before any part of the stack starts. */
let server: Server;
let port: number;
let dir: string;
let err: string;

beforeAll(async () => {
  server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
  dir = mkdtempSync(join(tmpdir(), 'sesdesk-port-'));
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  err = '';
  jest.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
  jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
});
afterEach(() => jest.restoreAllMocks());

it('sesdesk start on a taken --smtp-port fails (exit 1) with one line that names the flag, and starts nothing', async () => {
  expect(await main(['node', 'sesdesk', 'start', '--smtp-port', String(port), '--desk-port', '0', '--data-dir', dir])).toBe(1);
  expect(err).toBe(
    `sesdesk: the SMTP port ${port} on 127.0.0.1 is already in use (another sesdesk start?): choose another with --smtp-port, e.g. --smtp-port ${port + 1}\n`,
  );
  // Nothing was started: no stack info, no DynamoDB Local data.
  expect(existsSync(join(dir, 'stack.json'))).toBe(false);
  expect(existsSync(join(dir, 'dynamodb'))).toBe(false);
  err = '';
  expect(await main(['node', 'sesdesk', 'start', '--smtp-port', '0', '--desk-port', String(port), '--data-dir', dir])).toBe(1);
  expect(err).toBe(`sesdesk: the desk page port ${port} on 127.0.0.1 is already in use (another sesdesk start?): choose another with --desk-port, e.g. --desk-port ${port + 1}\n`);
});

it('the SMTP listener itself reports a port taken meanwhile as PortInUseError, and only that way (no log line)', async () => {
  const s3 = new S3Client({ region: 'us-east-1' });
  const logged: unknown[] = [];
  const logger = { error: (...args: unknown[]) => void logged.push(args) };
  try {
    const started = startSmtpInbound({
      host: '127.0.0.1',
      port,
      s3Client: s3,
      bucket: 'b',
      inboundPrefix: 'inbound/',
      region: 'us-east-1',
      onMessage: async () => undefined,
      logger,
    });
    await expect(started).rejects.toBeInstanceOf(PortInUseError);
    await expect(started).rejects.toMatchObject({ host: '127.0.0.1', port });
    expect(logged).toEqual([]);
  } finally {
    s3.destroy();
  }
});
