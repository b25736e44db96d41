import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { ticketPrefixForRegion } from '../lib/names';
import { resolvePolicy } from '../policies';

/**
 * What the desk page shows a deployed region by (its time zone, priorities, ticket prefix),
 * read from the deploy config the region was deployed from (cdk.json, context `sesdesk`): the
 * same policy file or preset the functions got. Nothing is read from AWS for it.
 */
export interface RegionDeskSettings {
  timeZone: string;
  priorities: string[];
  ticketPrefix: string;
  /** Where the settings came from, or why defaults are used. */
  from: string;
}

interface RegionEntry {
  region?: unknown;
  slaPolicy?: unknown;
  ticketPrefix?: unknown;
}

export function regionDeskSettings(region: string, cdkJson: string): RegionDeskSettings {
  const fallback = (why: string): RegionDeskSettings => ({ timeZone: 'UTC', priorities: [], ticketPrefix: ticketPrefixForRegion(region), from: why });
  if (!existsSync(cdkJson)) return fallback(`${cdkJson} not found: times in UTC (use --time-zone)`);
  let entry: RegionEntry | undefined;
  try {
    const json = JSON.parse(readFileSync(cdkJson, 'utf8')) as { context?: { sesdesk?: { regions?: RegionEntry[] } } };
    entry = json.context?.sesdesk?.regions?.find((r) => r.region === region);
  } catch (error) {
    return fallback(`${cdkJson} is not readable JSON (${(error as Error).message}): times in UTC`);
  }
  if (!entry) return fallback(`${cdkJson} has no region ${region}: times in UTC (use --time-zone)`);
  const ref = typeof entry.slaPolicy === 'string' ? entry.slaPolicy : '';
  const file = ref.includes('/') || ref.endsWith('.json') ? (isAbsolute(ref) ? ref : resolve(dirname(cdkJson), ref)) : ref;
  const policy = resolvePolicy(file);
  return {
    timeZone: policy.timezone,
    priorities: policy.priorityOrder,
    ticketPrefix: typeof entry.ticketPrefix === 'string' ? entry.ticketPrefix : ticketPrefixForRegion(region),
    from: `${cdkJson}, region ${region}, SLA policy ${ref}`,
  };
}
