import type { Clock } from '../domain/clock';
import type { HeaderLookup, SesVerdicts } from '../domain/classify';
import type { MailHints } from '../domain/claim-hints';
import type { AttachmentInfo, InboundMessage } from '../domain/inbound-message';
import type { InboundLedger, LedgerOutcome, Mailer, RawMailStore, ThrottleCounter, TicketRepository, TimerScheduler } from '../domain/ports';
import type { ThreadMatch } from '../domain/threading';
import type { RuntimeConfig } from './runtime-config';
import type { SlaService } from './sla-service';

/** What the parser hands the use case: the model plus decoded attachment bytes (and the top-level headers, when the parser has them). */
export interface ParsedMail {
  message: InboundMessage;
  attachments: Array<AttachmentInfo & { content: Buffer }>;
  /** Top-level header lookup: lets the loop guard see our own loop header. */
  headers?: HeaderLookup;
}
export type MessageParser = (raw: Buffer) => Promise<ParsedMail>;

export interface IngestDeps {
  tickets: TicketRepository;
  ledger: InboundLedger;
  rawMail: RawMailStore;
  mailer: Mailer;
  timers: TimerScheduler;
  clock: Clock;
  config: RuntimeConfig;
  sla: SlaService;
  parse: MessageParser;
  replyTokenSecret: string;
  /** Per-recipient counters throttling automatic replies (acks, rejections). */
  counters: ThrottleCounter;
}

/** One SES receipt, reduced to what ingest needs (the handler maps the event to this). */
export interface IngestInput {
  sesMessageId: string;
  rawKey: string;
  /** Envelope recipients SES accepted the mail for. */
  recipients: string[];
  receivedAt: Date;
  /** `commonHeaders.messageId`: lets a duplicate be caught before S3 is read. */
  messageId: string | null;
  verdicts: SesVerdicts;
  /** What the SES event shows before the raw mail is read (absent for hand-made inputs). */
  hints?: MailHints;
}

export interface IngestResult {
  outcome: LedgerOutcome;
  ticketId: string | null;
  reason?: string;
  /** True when another delivery of the same message is being processed right now. */
  inFlight?: boolean;
  /** How a reply found its ticket. */
  matchedBy?: ThreadMatch;
}

/** A claimed delivery with its mail read: what every path after the claim works from. */
export interface Claim {
  deps: IngestDeps;
  input: IngestInput;
  key: string;
  /** Steps an earlier attempt of this delivery finished. */
  steps: string[];
  parsed: ParsedMail;
  /** Sender is an agent whose mail we trust (verdicts, or the local config). */
  trustedAgent: boolean;
}
