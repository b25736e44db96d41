import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as z from '../lambdas/domain/zod';

/**
 * What a running `sesdesk start` writes to `<data-dir>/stack.json` so the other commands
 * (`send`, `tickets`, `show`, `outbox` ...) can find its parts.
 */
export const StackInfoSchema = z.object({
  pid: z.number(),
  startedAt: z.string(),
  region: z.string(),
  tableName: z.string(),
  bucket: z.string(),
  inboundPrefix: z.string(),
  supportAddress: z.string(),
  endpoints: z.object({ dynamodb: z.string(), s3: z.string(), ses: z.string() }),
  smtp: z.object({ host: z.string(), port: z.number() }),
  sesViewerUrl: z.string(),
  /** The desk page (queue, tickets, SLA report). */
  deskUrl: z.optional(z.string()),
  clock: z.optional(z.object({ offsetMs: z.number() })),
  /** The desk's time zone (its display zone, else its SLA policy's): the CLI prints times in it. */
  timeZone: z.optional(z.string()),
});
export type StackInfo = z.infer<typeof StackInfoSchema>;

export const DEFAULT_DATA_DIR = './.sesdesk';

/**
 * Credentials the local stack's clients use. s3rver only knows this key pair out of the box
 * (it never checks SigV4 signatures, but it does look the access key id up); the other
 * emulators accept anything.
 */
export const LOCAL_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

export function stackInfoPath(dataDir: string): string {
  return join(resolve(dataDir), 'stack.json');
}

export function writeStackInfo(dataDir: string, info: StackInfo): void {
  mkdirSync(resolve(dataDir), { recursive: true });
  writeFileSync(stackInfoPath(dataDir), `${JSON.stringify(info, null, 2)}\n`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The running local stack's parts; a clear error when none is running. */
export function readStackInfo(dataDir: string): StackInfo {
  const file = stackInfoPath(dataDir);
  if (!existsSync(file)) {
    throw new Error(`no local stack found in ${resolve(dataDir)}: start one with \`npx sesdesk start\` (or pass --data-dir)`);
  }
  const info = StackInfoSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
  if (!alive(info.pid)) {
    throw new Error(`the local stack in ${resolve(dataDir)} is not running (pid ${info.pid} exited): start it with \`npx sesdesk start\``);
  }
  return info;
}
