import type { Command } from 'commander';
import { DateTime } from 'luxon';
import { computeDue } from '../../lambdas/domain/sla/calculator';
import type { SlaPolicy } from '../../lambdas/domain/sla/policy';
import { resolvePolicy } from '../../policies';
import { UsageError, printJson } from '../usage-error';

const OFFSET_RE = /(?:Z|[+-]\d{2}(?::?\d{2})?)$/i;

/** Parses `--received`: an ISO-8601 date-time that says its offset (`Z` or `±HH:MM`). */
export function parseReceived(text: string): Date {
  const dt = DateTime.fromISO(text, { setZone: true });
  if (!dt.isValid || !text.includes('T')) {
    throw new UsageError(`--received ${JSON.stringify(text)} is not an ISO-8601 date-time (e.g. 2026-11-20T17:00:00-08:00)`);
  }
  if (!OFFSET_RE.test(text)) {
    throw new UsageError(`--received ${JSON.stringify(text)} has no UTC offset: add Z or ±HH:MM so it names one instant`);
  }
  return dt.toJSDate();
}

function loadPolicy(fileOrPreset: string): SlaPolicy {
  try {
    return resolvePolicy(fileOrPreset);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

function local(policy: SlaPolicy, at: Date): string {
  return DateTime.fromJSDate(at, { zone: policy.timezone }).toFormat('ccc yyyy-LL-dd HH:mm ZZ');
}

/** `sesdesk sla`: due times under a policy, no service needed (cli.md). */
export function registerSla(program: Command): void {
  program
    .command('sla')
    .description('due times of a ticket under an SLA policy (no service needed)')
    .requiredOption('--policy <file>', 'policy JSON file, or a preset name: facs, fairfax, faxguys, platform')
    .requiredOption('--priority <p>', 'priority name defined by the policy')
    .requiredOption('--received <iso>', 'arrival instant, ISO-8601 with offset, e.g. 2026-11-20T17:00:00-08:00')
    .option('--json', 'print { priority, firstResponseDue, resolutionDue } as JSON')
    .action((opts: { policy: string; priority: string; received: string; json?: boolean }) => {
      const policy = loadPolicy(opts.policy);
      const received = parseReceived(opts.received);
      if (!Object.prototype.hasOwnProperty.call(policy.priorities, opts.priority)) {
        throw new UsageError(
          `--priority ${JSON.stringify(opts.priority)} is not a priority of policy ${policy.name} (${policy.priorityOrder.join(', ')})`,
        );
      }
      const due = computeDue(policy, opts.priority, received);
      if (opts.json) {
        printJson({
          priority: due.priority,
          firstResponseDue: due.firstResponseDue.toISOString(),
          resolutionDue: due.resolutionDue.toISOString(),
        });
        return;
      }
      const rows: Array<[string, string]> = [
        ['policy', `${policy.name} (${policy.timezone})`],
        ['priority', due.priority],
        ['received', `${received.toISOString()}  ${local(policy, received)}, ${due.arrivedInHours ? 'in' : 'outside'} business hours`],
        ['first response due', `${due.firstResponseDue.toISOString()}  ${local(policy, due.firstResponseDue)}  (${due.firstResponse.text})`],
        ['resolution due', `${due.resolutionDue.toISOString()}  ${local(policy, due.resolutionDue)}  (${due.resolution.text})`],
      ];
      if (due.updateEvery) rows.push(['update every', due.updateEvery.text]);
      const width = Math.max(...rows.map(([k]) => k.length));
      process.stdout.write(`${rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n')}\n`);
    });
}
