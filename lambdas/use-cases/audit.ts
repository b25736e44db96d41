import type { InboundLedger, InboundRecord, LedgerOutcome, RawMailStore } from '../domain/ports';
import { ingestEmail, type IngestDeps, type IngestInput } from './ingest-email';

/**
 * Accounting of inbound mail (issue 7 point 5): every raw object the SES S3 action stored
 * under the inbound prefix must map to exactly one recorded outcome in the inbound ledger.
 */

export interface RawObjectRef {
  key: string;
  lastModified: Date;
}

/** What a raw object was accounted as: a ledger outcome, or a duplicate of another delivery's record. */
export type AccountedAs = LedgerOutcome;

export interface AuditReport {
  rawObjects: number;
  records: number;
  /** Raw objects per outcome (`duplicate`: a later delivery of a message another record covers). */
  outcomes: Partial<Record<AccountedAs, number>>;
  /** Raw objects no record accounts for: mail that was stored but never ingested. */
  orphans: RawObjectRef[];
  /** Records whose raw object is gone: the mail can no longer be replayed or re-read. */
  missingRaw: Array<{ recordKey: string; rawKey: string; outcome: LedgerOutcome | null }>;
  /** Records still `processing` (a crash whose retry has not finished it yet): no outcome yet. */
  unfinished: Array<{ recordKey: string; rawKey: string; leaseUntil: string | null }>;
  /** Raw objects claimed by more than one record. */
  ambiguous: Array<{ rawKey: string; recordKeys: string[] }>;
  /** True when every raw object maps to exactly one finished record and every record has its raw. */
  clean: boolean;
}

export interface CompareInput {
  rawObjects: readonly RawObjectRef[];
  records: readonly InboundRecord[];
  inboundPrefix: string;
  /**
   * Raw objects that no record names but whose dedupe key is a record's key: later deliveries
   * of an already-recorded message (the ledger keeps only the first delivery's raw key).
   * Maps raw key -> record key.
   */
  duplicates?: ReadonlyMap<string, string>;
}

/**
 * Compares the raw objects under the inbound prefix with the inbound ledger's records.
 * Pure: the caller lists both sides (and resolves duplicates, which needs the raw bytes).
 */
export function compareInbound(input: CompareInput): AuditReport {
  const rawKeys = new Set(input.rawObjects.map((o) => o.key));
  const recordsByKey = new Map(input.records.map((r) => [r.key, r]));
  const claims = new Map<string, InboundRecord[]>();
  const missingRaw: AuditReport['missingRaw'] = [];
  const unfinished: AuditReport['unfinished'] = [];

  for (const record of input.records) {
    // A record names its raw object by key; older records may only carry the SES id.
    const rawKey = rawKeys.has(record.rawKey) || !record.sesMessageId ? record.rawKey : `${input.inboundPrefix}${record.sesMessageId}`;
    if (!rawKeys.has(rawKey)) {
      missingRaw.push({ recordKey: record.key, rawKey: record.rawKey, outcome: record.outcome });
      continue;
    }
    const list = claims.get(rawKey) ?? [];
    list.push(record);
    claims.set(rawKey, list);
  }

  const outcomes: AuditReport['outcomes'] = {};
  const count = (outcome: AccountedAs): void => {
    outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
  };
  const orphans: RawObjectRef[] = [];
  const ambiguous: AuditReport['ambiguous'] = [];

  for (const object of input.rawObjects) {
    const claimed = claims.get(object.key) ?? [];
    if (claimed.length > 1) {
      ambiguous.push({ rawKey: object.key, recordKeys: claimed.map((r) => r.key) });
      continue;
    }
    const record = claimed[0] ?? null;
    if (record) {
      if (record.state !== 'done' || record.outcome === null) {
        unfinished.push({ recordKey: record.key, rawKey: object.key, leaseUntil: record.leaseUntil });
      } else {
        count(record.outcome);
      }
      continue;
    }
    const duplicateOf = input.duplicates?.get(object.key);
    const original = duplicateOf !== undefined ? recordsByKey.get(duplicateOf) : undefined;
    if (original && original.state === 'done') count('duplicate');
    else orphans.push(object);
  }

  return {
    rawObjects: input.rawObjects.length,
    records: input.records.length,
    outcomes,
    orphans,
    missingRaw,
    unfinished,
    ambiguous,
    clean: orphans.length === 0 && missingRaw.length === 0 && unfinished.length === 0 && ambiguous.length === 0,
  };
}

export interface AuditDeps {
  rawMail: Pick<RawMailStore, 'listKeys' | 'getRaw'>;
  ledger: Pick<InboundLedger, 'list'>;
  inboundPrefix: string;
  /**
   * The ledger key ingest would use for this raw object (see {@link probeDedupeKey}); null
   * when it cannot be told. Only asked for raw objects no record names.
   */
  dedupeKeyOf: (rawKey: string, raw: Buffer) => Promise<string | null>;
}

/** Lists both sides, resolves later deliveries of recorded messages, and compares. */
export async function auditInbound(deps: AuditDeps): Promise<AuditReport> {
  const [rawObjects, records] = await Promise.all([deps.rawMail.listKeys(deps.inboundPrefix), deps.ledger.list()]);
  const named = new Set<string>();
  for (const r of records) {
    named.add(r.rawKey);
    if (r.sesMessageId) named.add(`${deps.inboundPrefix}${r.sesMessageId}`);
  }
  const recordKeys = new Set(records.map((r) => r.key));
  const duplicates = new Map<string, string>();
  for (const object of rawObjects) {
    if (named.has(object.key)) continue;
    const raw = await deps.rawMail.getRaw(object.key);
    const key = await deps.dedupeKeyOf(object.key, raw);
    if (key !== null && recordKeys.has(key)) duplicates.set(object.key, key);
  }
  return compareInbound({ rawObjects, records, inboundPrefix: deps.inboundPrefix, duplicates });
}

class ProbeStop extends Error {
  public constructor(public readonly key: string) {
    super('dedupe key probe');
  }
}

function refuse(port: string): never {
  throw new Error(`dedupe key probe: ${port} must not be used before the ledger claim`);
}

/**
 * The dedupe key `ingestEmail` would claim for this delivery, found by running it with a
 * ledger that stops at the claim and ports that refuse any other effect. Asking the use case
 * itself (rather than copying its key rule) keeps the audit right when that rule changes.
 */
export async function probeDedupeKey(base: IngestDeps, input: IngestInput, raw: Buffer): Promise<string | null> {
  const deps: IngestDeps = {
    ...base,
    ledger: {
      begin: async ({ key }) => {
        throw new ProbeStop(key);
      },
      progress: async () => refuse('ledger.progress'),
      complete: async () => refuse('ledger.complete'),
      get: async () => refuse('ledger.get'),
      list: async () => refuse('ledger.list'),
    },
    // A mail that opens a ticket is claimed together with its number: that claim stops too.
    tickets: new Proxy({} as IngestDeps['tickets'], {
      get: (_target, name) =>
        name === 'claimNewTicket'
          ? async ({ key }: { key: string }) => {
              throw new ProbeStop(key);
            }
          : async () => refuse(`tickets.${String(name)}`),
    }),
    rawMail: {
      getRaw: async () => raw,
      getObject: async () => refuse('rawMail.getObject'),
      putObject: async () => refuse('rawMail.putObject'),
      listKeys: async () => refuse('rawMail.listKeys'),
    },
    mailer: { send: async () => refuse('mailer.send') },
    timers: { arm: async () => refuse('timers.arm'), cancel: async () => refuse('timers.cancel') },
  };
  try {
    await ingestEmail(deps, input);
  } catch (error) {
    if (error instanceof ProbeStop) return error.key;
    return null;
  }
  return null;
}
