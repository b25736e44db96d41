import type { Command } from 'commander';
import { createClients } from '../../lambdas/adapters/clients';
import { buildIngestDeps } from '../../lambdas/handlers/wiring';
import { defaultLocalConfig } from '../../local/local-config';
import { auditInbound, probeDedupeKey, type AuditReport } from '../../lambdas/use-cases/audit';
import type { IngestDeps } from '../../lambdas/use-cases/ingest-email';
import { DEFAULT_DATA_DIR } from '../../local/stack-info';
import { ExitStatus, printJson } from '../usage-error';
import { ingestInputForObject, openInboundTarget, type InboundTarget } from './replay';

/** Runs the audit over a target: raw objects under the inbound prefix against the ledger. */
export async function auditTarget(target: InboundTarget, probeDeps: IngestDeps): Promise<AuditReport> {
  return auditInbound({
    rawMail: target.rawMail,
    ledger: target.ledger,
    inboundPrefix: target.inboundPrefix,
    dedupeKeyOf: async (key, raw) => {
      try {
        return await probeDedupeKey(probeDeps, ingestInputForObject({ key, raw, lastModified: new Date() }, target), raw);
      } catch {
        return null;
      }
    },
  });
}

export function formatAuditReport(report: AuditReport, label: string): string {
  const lines: string[] = [`audit of ${label}: ${report.rawObjects} raw object(s), ${report.records} ledger record(s)`];
  const outcomes = Object.entries(report.outcomes).sort(([a], [b]) => a.localeCompare(b));
  lines.push(`  outcomes: ${outcomes.length > 0 ? outcomes.map(([o, n]) => `${o} ${n}`).join(', ') : 'none'}`);
  for (const o of report.orphans) lines.push(`  orphan (raw mail never ingested): ${o.key} stored ${o.lastModified.toISOString()}`);
  for (const m of report.missingRaw) lines.push(`  raw missing for record ${m.recordKey} (${m.outcome ?? 'no outcome'}): ${m.rawKey}`);
  for (const u of report.unfinished) lines.push(`  unfinished (still processing, lease until ${u.leaseUntil ?? '-'}): ${u.rawKey}`);
  for (const a of report.ambiguous) lines.push(`  claimed by ${a.recordKeys.length} records: ${a.rawKey}`);
  lines.push(report.clean ? 'every raw message is accounted for' : 'UNACCOUNTED mail found (run `sesdesk replay` to ingest orphans)');
  return `${lines.join('\n')}\n`;
}

export function registerAudit(program: Command): void {
  program
    .command('audit')
    .description('check that every raw mail under the inbound prefix has exactly one recorded outcome (exit 1 if not)')
    .option('--data-dir <dir>', 'data directory of the local stack', DEFAULT_DATA_DIR)
    .option('--region <region>', 'a deployed region (table and bucket from its stack outputs)')
    .option('--json', 'print JSON')
    .action(async (opts: { dataDir: string; region?: string; json?: boolean }) => {
      const target = await openInboundTarget({ dataDir: opts.dataDir, region: opts.region });
      try {
        const report = await auditTarget(target, await probeDepsFor(target, opts.region !== undefined));
        if (opts.json) printJson(report);
        else process.stdout.write(formatAuditReport(report, target.label));
        if (!report.clean) throw new ExitStatus(1);
      } finally {
        target.close();
      }
    });
}

/**
 * Deps for the dedupe-key probe. Only the parser and the clock run before the ledger claim,
 * so a region audit does not need the deployed function's settings.
 */
async function probeDepsFor(target: InboundTarget, region: boolean): Promise<IngestDeps> {
  if (!region) return target.deps();
  return buildIngestDeps({
    clients: createClients({ region: target.region }),
    region: target.region,
    tableName: 'unused-by-probe',
    bucket: 'unused-by-probe',
    config: defaultLocalConfig(),
    replyTokenSecret: 'unused-by-probe',
    timers: { arm: async () => undefined, cancel: async () => undefined },
    clock: { now: () => new Date() },
  });
}
