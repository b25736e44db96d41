import { FixedClock } from '../../../lambdas/domain/clock';
import { parseMessage } from '../../../lambdas/mail/parse-message';
import { ingestEmail, type IngestDeps, type IngestInput, type IngestResult } from '../../../lambdas/use-cases/ingest-email';
import type { RuntimeConfig } from '../../../lambdas/use-cases/runtime-config';
import { createSlaService } from '../../../lambdas/use-cases/sla-service';
import { defaultLocalConfig } from '../../../local/run-stack';
import { buildSesReceiptEvent } from '../../../local/ses-event';
import { SesReceiptEventSchema } from '../../../lambdas/handlers/ses-event-schema';
import { sesRecordToIngestInput } from '../../../lambdas/handlers/ses-input';
import {
  InMemoryCounters,
  InMemoryInboundLedger,
  InMemoryRawMailStore,
  InMemoryTicketRepository,
  InMemoryTimers,
  RecordingMailer,
} from '../../support/in-memory';

export const SECRET = 'conversation-test-secret';
/** A Tuesday in business hours of the facs desk (06:00-18:00 Pacific). */
export const START = '2026-11-17T18:00:00Z';

export interface Desk {
  deps: IngestDeps;
  tickets: InMemoryTicketRepository;
  ledger: InMemoryInboundLedger;
  rawMail: InMemoryRawMailStore;
  mailer: RecordingMailer;
  timers: InMemoryTimers;
  counters: InMemoryCounters;
  clock: FixedClock;
  /** Delivers one raw mail as SES would; returns the ingest result. */
  deliver(raw: string, opts?: DeliverOptions): Promise<IngestResult>;
  /** The input `deliver` would use (to deliver the very same receipt twice). */
  inputFor(raw: string, opts?: DeliverOptions): Promise<IngestInput>;
}

export interface DeliverOptions {
  sesMessageId?: string;
  recipients?: string[];
  verdicts?: Partial<IngestInput['verdicts']>;
  /** false: an input without the SES event's hints (the claim that reserves a number is not tried). */
  hints?: boolean;
}

let seq = 0;

export function testConfig(overrides: Partial<RuntimeConfig> = {}): RuntimeConfig {
  return { ...defaultLocalConfig('facs'), ...overrides };
}

export function makeDesk(config: RuntimeConfig = testConfig()): Desk {
  const ledger = new InMemoryInboundLedger();
  const counters = new InMemoryCounters();
  const tickets = new InMemoryTicketRepository({ ledger, counters });
  const rawMail = new InMemoryRawMailStore();
  const mailer = new RecordingMailer();
  const timers = new InMemoryTimers();
  const clock = new FixedClock(START);
  const deps: IngestDeps = {
    tickets, ledger, rawMail, mailer, timers, counters, clock, config,
    sla: createSlaService(config),
    parse: (raw) => parseMessage(raw),
    replyTokenSecret: SECRET,
  };
  const inputFor = async (raw: string, opts: DeliverOptions = {}): Promise<IngestInput> => {
    seq += 1;
    clock.advance(1000); // mail arrives one after the other, as in life
    const sesMessageId = opts.sesMessageId ?? `ses${seq}x${Math.random().toString(36).slice(2, 8)}`;
    const rawKey = `inbound/${sesMessageId}`;
    const crlf = raw.replace(/\r?\n/g, '\r\n');
    await rawMail.putObject(rawKey, crlf, 'message/rfc822');
    const recipients = opts.recipients ?? ['support@example.com'];
    // The hints come from a real SES receipt event built from the same bytes.
    const event = SesReceiptEventSchema.parse(buildSesReceiptEvent({ raw: Buffer.from(crlf), sesMessageId, recipients, region: 'us-east-1', now: clock.now() }));
    const hints = opts.hints === false ? undefined : sesRecordToIngestInput(event.Records[0].ses, 'inbound/').hints;
    const messageId = /^Message-ID:\s*(.+)$/im.exec(raw.split(/\r?\n\r?\n/)[0])?.[1]?.trim() ?? null;
    return {
      sesMessageId,
      rawKey,
      recipients,
      receivedAt: clock.now(),
      messageId,
      verdicts: { spamVerdict: 'PASS', virusVerdict: 'PASS', spfVerdict: 'GRAY', dkimVerdict: 'GRAY', dmarcVerdict: 'GRAY', ...opts.verdicts },
      ...(hints ? { hints } : {}),
    };
  };
  return {
    deps, tickets, ledger, rawMail, mailer, timers, counters, clock, inputFor,
    deliver: async (raw, opts) => ingestEmail(deps, await inputFor(raw, opts)),
  };
}

export { eml, type EmlInput } from '../../support/eml';

export function header(mail: { headers?: Record<string, string> }, name: string): string | undefined {
  return Object.entries(mail.headers ?? {}).find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1];
}
