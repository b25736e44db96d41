import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Clock } from '../lambdas/domain/clock';

/*
 * The local stack's clock, in a module of its own: `sesdesk clock` and `sesdesk report` read
 * and move it without loading the stack (emulators, handlers) that run-stack.ts starts.
 */

/** The clock file of a data dir: `{ "offsetMs": n }`, written by `sesdesk clock`. */
export const CLOCK_FILE = 'clock.json';

/** The local clock's offset from real time in a data dir (0 when there is no clock file). */
export function readClockOffset(dataDir: string): number {
  try {
    const offset = Number((JSON.parse(readFileSync(join(resolve(dataDir), CLOCK_FILE), 'utf8')) as { offsetMs?: unknown }).offsetMs);
    return Number.isFinite(offset) ? offset : 0;
  } catch {
    return 0;
  }
}

/** Sets the local clock's offset of a data dir; a running stack picks it up within a second. */
export function writeClockOffset(dataDir: string, offsetMs: number): void {
  mkdirSync(resolve(dataDir), { recursive: true });
  writeFileSync(join(resolve(dataDir), CLOCK_FILE), `${JSON.stringify({ offsetMs })}\n`);
}

/**
 * The local clock: real time plus an offset kept in `<data-dir>/clock.json`, so
 * `sesdesk clock advance 4h` moves time for a running stack without touching ticket data.
 */
export class FileOffsetClock implements Clock {
  private offsetMs = 0;
  private lastRead = 0;

  public constructor(private readonly file: string | null, initialOffsetMs = 0) {
    this.offsetMs = initialOffsetMs;
  }

  public now(): Date {
    if (this.file && Date.now() - this.lastRead > 200) {
      this.lastRead = Date.now();
      try {
        this.offsetMs = Number((JSON.parse(readFileSync(this.file, 'utf8')) as { offsetMs?: unknown }).offsetMs) || 0;
      } catch {
        // no clock file yet: no offset
      }
    }
    return new Date(Date.now() + this.offsetMs);
  }
}
