import type { LedgerOutcome, RawMailStore } from '../domain/ports';
import type { IngestResult } from './ingest-email';

/**
 * Replay (issue 6 point 7): re-ingests raw mail kept in the bucket through the ingest use
 * case. Ingest is idempotent, so mail already processed comes back `duplicate` and nothing
 * is sent or created twice; mail the Lambda never saw (or failed on) is processed now.
 */

export type ReplayOutcome = LedgerOutcome;

export interface ReplayWindow {
  /** Only objects stored at or after this instant. */
  since?: Date;
  /** Only objects stored before this instant. */
  until?: Date;
}

export interface ReplayProgress {
  done: number;
  total: number;
  rawKey: string;
  outcome: ReplayOutcome;
}

export interface ReplayDeps {
  rawMail: Pick<RawMailStore, 'listKeys' | 'getRaw'>;
  inboundPrefix: string;
  /** Runs one stored object through ingest (the caller builds the SES event from the bytes). */
  ingestRaw: (object: { key: string; lastModified: Date; raw: Buffer }) => Promise<IngestResult>;
  onProgress?: (progress: ReplayProgress) => void;
}

export interface ReplaySummary {
  /** Objects under the prefix inside the window. */
  total: number;
  counts: Record<ReplayOutcome, number>;
  failures: Array<{ rawKey: string; error: string }>;
}

const OUTCOMES: readonly ReplayOutcome[] = ['created', 'appended', 'duplicate', 'quarantined', 'dropped', 'rejected', 'failed'];

/** The raw objects of a window, oldest first (the order SES stored them). */
export function selectForReplay<T extends { key: string; lastModified: Date }>(objects: readonly T[], window: ReplayWindow): T[] {
  const since = window.since?.getTime() ?? -Infinity;
  const until = window.until?.getTime() ?? Infinity;
  return objects
    .filter((o) => o.lastModified.getTime() >= since && o.lastModified.getTime() < until)
    .sort((a, b) => a.lastModified.getTime() - b.lastModified.getTime() || a.key.localeCompare(b.key));
}

/**
 * Replays every raw object of the window one at a time (in arrival order, so a reply is
 * replayed after the mail that opened its ticket). A failing object is counted and reported;
 * the replay goes on with the next.
 */
export async function replayInbound(deps: ReplayDeps, window: ReplayWindow = {}): Promise<ReplaySummary> {
  if (window.since && window.until && window.since.getTime() >= window.until.getTime()) {
    return { total: 0, counts: emptyCounts(), failures: [] };
  }
  const objects = selectForReplay(await deps.rawMail.listKeys(deps.inboundPrefix), window);
  const counts = emptyCounts();
  const failures: ReplaySummary['failures'] = [];
  let done = 0;
  for (const object of objects) {
    let outcome: ReplayOutcome;
    try {
      const raw = await deps.rawMail.getRaw(object.key);
      outcome = (await deps.ingestRaw({ ...object, raw })).outcome;
    } catch (error) {
      outcome = 'failed';
      failures.push({ rawKey: object.key, error: error instanceof Error ? error.message : String(error) });
    }
    counts[outcome] += 1;
    done += 1;
    deps.onProgress?.({ done, total: objects.length, rawKey: object.key, outcome });
  }
  return { total: objects.length, counts, failures };
}

function emptyCounts(): Record<ReplayOutcome, number> {
  return Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<ReplayOutcome, number>;
}
