import { createServer } from 'node:net';

/**
 * A port that was free a moment ago. Only for processes that must be told their port up
 * front (DynamoDB Local is a Java child process); in-process servers bind port 0 instead,
 * which has no race at all.
 */
export async function findFreePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('could not find a free port'))));
    });
  });
}

/** `http://host:port`, with IPv6 hosts bracketed. */
export function httpUrl(host: string, port: number): string {
  const h = host.includes(':') ? `[${host}]` : host;
  return `http://${h}:${port}`;
}

/** Something else listens on a port a part of the local stack was told to use. */
export class PortInUseError extends Error {
  public constructor(public readonly host: string, public readonly port: number, options?: { cause?: unknown }) {
    super(`port ${port} on ${host} is already in use`, options);
    this.name = 'PortInUseError';
  }
}

/** `listen`'s EADDRINUSE as a {@link PortInUseError}; other errors unchanged. */
export function portError(error: Error, host: string, port: number): Error {
  return (error as NodeJS.ErrnoException).code === 'EADDRINUSE' ? new PortInUseError(host, port, { cause: error }) : error;
}

/**
 * Throws {@link PortInUseError} when `port` on `host` cannot be bound now, so a stack whose port
 * is taken fails before it starts anything else (port 0 always binds).
 */
export async function assertPortFree(host: string, port: number): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((resolve, reject) => {
    const server = createServer();
    server.once('error', (error) => reject(portError(error, host, port)));
    server.listen(port, host, () => server.close(() => resolve()));
  });
}
