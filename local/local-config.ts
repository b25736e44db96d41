import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseRuntimeConfig, type RuntimeConfig } from '../lambdas/use-cases/runtime-config';
import { presetJson } from '../policies';

/**
 * The local stack's default config, in a module of its own (no emulators imported) so tests and
 * the benchmark's memory child can use it cheaply.
 */

/**
 * Reads a shipped preset (`platform`) or a policy file path as raw JSON. The presets are the
 * ones compiled in (policies/index.ts), so a bundle needs no policies/ folder beside it, unless
 * `presetDir` names a folder to read them from.
 */
export function readPolicyJson(nameOrPath: string, presetDir?: string): unknown {
  if (presetDir === undefined) {
    const compiled = /^[a-z0-9-]+$/.test(nameOrPath) ? presetJson(nameOrPath) : null;
    return compiled ?? JSON.parse(readFileSync(resolve(nameOrPath), 'utf8'));
  }
  const preset = resolve(presetDir, `${nameOrPath}.json`);
  const file = /^[a-z0-9-]+$/.test(nameOrPath) && existsSync(preset) ? preset : resolve(nameOrPath);
  return JSON.parse(readFileSync(file, 'utf8'));
}

/**
 * The local stack's config when it has none of its own (issue: local defaults): support address
 * support@example.com, agents at example.com trusted without SPF/DKIM verdicts (they cannot be
 * judged locally; a deployed config never does this), customers at any other domain.
 */
export function defaultLocalConfig(policy = 'platform', presetDir?: string): RuntimeConfig {
  return parseRuntimeConfig({
    region: 'local',
    ticketPrefix: 'LOCAL',
    supportAddresses: ['support@example.com'],
    supportName: 'Example Support',
    agents: { addresses: [], domains: ['example.com'] },
    trustAgentsWithoutVerdicts: true,
    escalation: { tier1: 'tier1@example.com', tier2: 'tier2@example.com', tier3: 'tier3@example.com' },
    policy: readPolicyJson(policy, presetDir),
  });
}
