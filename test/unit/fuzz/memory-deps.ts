import { parseMessage } from '../../../lambdas/mail/parse-message';
import type { Clock } from '../../../lambdas/domain/clock';
import type { IngestDeps } from '../../../lambdas/use-cases/ingest-email';
import { createSlaService } from '../../../lambdas/use-cases/sla-service';
import { defaultLocalConfig } from '../../../local/run-stack';
import {
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
}

/** Ingest deps on the in-memory fakes, with the real parser, SLA service and local config. */
export function memoryIngestDeps(clock: Clock = { now: () => new Date('2026-11-20T15:00:00Z') }): MemoryDeps {
  const config = defaultLocalConfig();
  return {
    tickets: new InMemoryTicketRepository(),
    ledger: new InMemoryInboundLedger(),
    rawMail: new InMemoryRawMailStore(),
    mailer: new RecordingMailer(),
    timers: new InMemoryTimers(),
    clock,
    config,
    sla: createSlaService(config),
    parse: (raw) => parseMessage(raw, { maxBytes: MAX_PARSE_BYTES }),
    replyTokenSecret: 'memory-deps-secret',
  };
}
