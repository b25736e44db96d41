import { parseMessage } from '../../../lambdas/mail/parse-message';
import type { Clock } from '../../../lambdas/domain/clock';
import type { IngestDeps } from '../../../lambdas/use-cases/ingest-email';
import { createSlaService } from '../../../lambdas/use-cases/sla-service';
import { join } from 'node:path';
import { defaultLocalConfig } from '../../../local/local-config';
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
/** The local stack's default config (bundled copies say where the presets are: see POLICY_DIR). */
export function localConfig(policy = 'platform'): IngestDeps['config'] {
  return defaultLocalConfig(policy, POLICY_DIR());
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
