import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { simpleParser } from 'mailparser';
import { ingestEmail, type IngestInput } from '../lambdas/use-cases/ingest-email';
import { ingestInputForObject } from '../cli/commands/replay';
import { buildMail, mailParts } from '../test/unit/fuzz/mail-arbitraries';
import { memoryIngestDeps } from '../test/unit/fuzz/memory-deps';

export const CORPUS_DIR = resolve(__dirname, '..', '..', 'shared', 'corpus');

/** Corpus messages (every file but the README and the expectations), or generated ones when absent. */
export function loadMessages(): { source: string; messages: Buffer[] } {
  if (existsSync(join(CORPUS_DIR, 'expectations.jsonl'))) {
    const files: string[] = [];
    const walk = (dir: string): void => {
      for (const name of readdirSync(dir).sort()) {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) walk(path);
        else if (name !== 'README.md' && name !== 'expectations.jsonl') files.push(path);
      }
    };
    walk(CORPUS_DIR);
    return { source: `corpus ${CORPUS_DIR} (${files.length} files)`, messages: files.map((f) => readFileSync(f)) };
  }
  const messages = fc.sample(mailParts, { numRuns: 200, seed: 42 }).map(buildMail);
  return { source: `generated (${messages.length} messages; ${CORPUS_DIR} is absent)`, messages };
}

export interface CpuResult {
  source: string;
  messages: number;
  rounds: number;
  ingestCpuMsPerMessage: number;
  bareParseCpuMsPerMessage: number;
  ratio: number;
}

function cpuMs(start: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(start);
  return (d.user + d.system) / 1000;
}

/**
 * CPU of the whole ingest use case (in-memory fakes) against `simpleParser` alone, same
 * messages, same process, rounds interleaved so JIT warm-up and GC hit both alike.
 */
export async function measureCpu(rounds: number): Promise<CpuResult> {
  const { source, messages } = loadMessages();
  const target = { inboundPrefix: 'inbound/', region: 'us-east-1', recipient: 'support@example.com' };
  const inputs: IngestInput[] = messages.map((raw, i) =>
    ingestInputForObject({ key: `inbound/m${i}`, lastModified: new Date('2026-11-20T10:00:00Z'), raw }, target),
  );
  let ingest = 0;
  let bare = 0;
  const runIngest = async (): Promise<number> => {
    const deps = memoryIngestDeps();
    messages.forEach((raw, i) => deps.rawMail.objects.set(`inbound/m${i}`, { body: raw, contentType: 'message/rfc822', lastModified: new Date(0) }));
    const start = process.cpuUsage();
    for (const input of inputs) await ingestEmail(deps, input);
    return cpuMs(start);
  };
  const runBare = async (): Promise<number> => {
    const start = process.cpuUsage();
    for (const raw of messages) await simpleParser(raw);
    return cpuMs(start);
  };
  await runIngest(); // warm-up, not counted
  await runBare();
  for (let r = 0; r < rounds; r += 1) {
    if (r % 2 === 0) {
      ingest += await runIngest();
      bare += await runBare();
    } else {
      bare += await runBare();
      ingest += await runIngest();
    }
  }
  const n = messages.length * rounds;
  return {
    source,
    messages: messages.length,
    rounds,
    ingestCpuMsPerMessage: ingest / n,
    bareParseCpuMsPerMessage: bare / n,
    ratio: ingest / bare,
  };
}
