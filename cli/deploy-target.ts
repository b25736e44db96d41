import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { deskNames, type DeskNames } from '../lib/names';
import { presetJson } from '../policies/presets';
import { UsageError } from './usage-error';

/** The options a command reading a deployed desk takes (`--region`, `--env`, `--config`). */
export interface RegionOptions {
  region?: string;
  env?: string;
  config: string;
}

/** Adds `--region` (described by `does`), `--env` and `--config` to a command. */
export function regionOptions(command: Command, does: string): Command {
  return command
    .option('--region <region>', `${does} (the region is checked against the deploy config first)`)
    .option('--env <name>', 'with --region: the environment of the desk, when the config has several in that region')
    .option('--config <file>', 'with --region: the deploy config naming the region', 'cdk.json');
}

/** A desk of the deploy config, found before any AWS call is made. */
export interface DeployTarget {
  region: string;
  environment?: string;
  names: DeskNames;
  /** The first support address: the envelope recipient of replayed mail. */
  supportAddress: string | null;
  /** The time zone of its SLA policy (the desk's), when the policy could be read. */
  timeZone: string | null;
  /** `us-east-1` or `us-east-1 (environment staging)`. */
  label: string;
}

interface RegionBlock {
  region?: unknown;
  environment?: unknown;
  supportAddresses?: unknown;
  slaPolicy?: unknown;
}

/** The SLA policy's time zone: a preset name or a JSON file relative to the config's folder. */
function policyTimeZone(ref: unknown, baseDir: string): string | null {
  if (typeof ref !== 'string') return null;
  try {
    const isPath = ref.includes('/') || ref.endsWith('.json');
    const json = (isPath ? JSON.parse(readFileSync(resolve(baseDir, ref), 'utf8')) : presetJson(ref)) as { timezone?: unknown } | null;
    return typeof json?.timezone === 'string' ? json.timezone : null;
  } catch {
    return null;
  }
}

/**
 * The desk `--region` (and `--env`) names in the deploy config (cdk.json's `sesdesk` context), so
 * a typo fails at once, with the regions that exist, instead of as an AWS error after the
 * credentials were tried. Misuse (exit 2) when the config has no such desk or cannot be read.
 * Only the blocks' region, environment, support addresses and policy are read here; `cdk synth`
 * validates the rest.
 */
export function resolveDeployTarget(opts: { region: string; env?: string; config: string }): DeployTarget {
  const file = resolve(opts.config);
  let blocks: RegionBlock[];
  try {
    const cdk = JSON.parse(readFileSync(file, 'utf8')) as { context?: { sesdesk?: { regions?: unknown } } };
    const regions = cdk.context?.sesdesk?.regions;
    if (!Array.isArray(regions)) throw new Error('it has no context.sesdesk.regions list');
    blocks = regions as RegionBlock[];
  } catch (error) {
    const why = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file (run from the project folder or pass --config)' : (error as Error).message;
    throw new UsageError(`--region ${opts.region} needs the deploy config: cannot read ${file}: ${why}`);
  }
  const describe = (b: RegionBlock) => (typeof b.environment === 'string' ? `${String(b.region)} (environment ${b.environment})` : String(b.region));
  const inRegion = blocks.filter((b) => b.region === opts.region);
  if (inRegion.length === 0) {
    throw new UsageError(`--region ${opts.region} is not a region of the deploy config ${opts.config} (configured: ${blocks.map(describe).join(', ') || 'none'})`);
  }
  const matching = inRegion.filter((b) => (opts.env === undefined ? true : b.environment === opts.env));
  if (matching.length === 0) {
    throw new UsageError(`--env ${opts.env}: ${opts.region} has no desk of that environment in ${opts.config} (configured: ${inRegion.map(describe).join(', ')})`);
  }
  // Several desks in the region: the one without environment, unless --env names another.
  const chosen = matching.length === 1 ? matching[0] : matching.find((b) => b.environment === undefined);
  if (chosen === undefined) {
    throw new UsageError(`--region ${opts.region} has several desks in ${opts.config} (${inRegion.map(describe).join(', ')}): name one with --env`);
  }
  const environment = typeof chosen.environment === 'string' ? chosen.environment : undefined;
  const addresses = Array.isArray(chosen.supportAddresses) ? chosen.supportAddresses.filter((a): a is string => typeof a === 'string') : [];
  return {
    region: opts.region,
    environment,
    names: deskNames({ region: opts.region, environment }),
    supportAddress: addresses[0] ?? null,
    timeZone: policyTimeZone(chosen.slaPolicy, resolve(file, '..')),
    label: describe(chosen),
  };
}
