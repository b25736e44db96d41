import { parseMessage } from '../../../lambdas/mail/parse-message';
import type { Clock } from '../../../lambdas/domain/clock';
import type { IngestDeps } from '../../../lambdas/use-cases/ingest-email';
import { createSlaService } from '../../../lambdas/use-cases/sla-service';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseRuntimeConfig } from '../../../lambdas/use-cases/runtime-config';
import {
  InMemoryCounters,
  InMemoryInboundLedger,
  InMemoryRawMailStore,
  InMemoryTicketRepository,
  InMemoryTimers,
  RecordingMailer,
} from '../../support/in-memory';

/** Largest message parsed, as the deployed wiring sets it (SES's 40 MB limit plus headroom). */
export const MAX_PARSE_BYTES = 41 * 1024 * 1024;

export interface MemoryDeps extends IngestDeps {
  tickets: InMemoryTicketRepository;
  ledger: InMemoryInboundLedger;
  rawMail: InMemoryRawMailStore;
  mailer: RecordingMailer;
  timers: InMemoryTimers;
  counters: InMemoryCounters;
}

/** Ingest deps on the in-memory fakes, with the real parser, SLA service and local config. */
/**
 * The local stack's default config (local/run-stack.ts defaultLocalConfig), built here without
 * importing the emulators so the benchmark's memory child stays small.
 */
export function localConfig(policy = 'platform'): IngestDeps['config'] {
  return parseRuntimeConfig({
    region: 'local',
    ticketPrefix: 'LOCAL',
    supportAddresses: ['support@example.com'],
    supportName: 'Example Support',
    agents: { addresses: [], domains: ['example.com'] },
    trustAgentsWithoutVerdicts: true,
    escalation: { tier1: 'tier1@example.com', tier2: 'tier2@example.com', tier3: 'tier3@example.com' },
    policy: JSON.parse(readFileSync(join(POLICY_DIR(), `${policy}.json`), 'utf8')),
    displayTimezone: 'UTC',
  });
}

/** Bundled copies (the benchmark's memory child) run from elsewhere and say where the presets are. */
const POLICY_DIR = (): string => process.env.SESDESK_POLICY_DIR ?? join(__dirname, '..', '..', '..', 'policies');

let shared: { config: IngestDeps['config']; sla: IngestDeps['sla'] } | null = null;

export function memoryIngestDeps(clock: Clock = { now: () => new Date('2026-11-20T15:00:00Z') }): MemoryDeps {
  shared ??= (() => {
    const config = localConfig();
    return { config, sla: createSlaService(config) };
  })();
  const { config, sla } = shared;
  const ledger = new InMemoryInboundLedger();
  const counters = new InMemoryCounters();
  return {
    tickets: new InMemoryTicketRepository({ ledger, counters }),
    ledger,
    rawMail: new InMemoryRawMailStore(),
    mailer: new RecordingMailer(),
    timers: new InMemoryTimers(),
    counters,
    clock,
    config,
    sla,
    parse: (raw) => parseMessage(raw, { maxBytes: MAX_PARSE_BYTES }),
    replyTokenSecret: 'memory-deps-secret',
  };
}
