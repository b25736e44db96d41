import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { Stack } from 'aws-cdk-lib';
import { buildApp, type SesdeskApp } from '../../lib/app';

export const REPO_ROOT = join(__dirname, '..', '..');

/** The context shipped in cdk.json (the two example regions). */
export function cdkJsonContext(): Record<string, unknown> {
  return (JSON.parse(readFileSync(join(REPO_ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> }).context;
}

/** The example `sesdesk` block, deep-copied so a test can change it freely. */
export function exampleDeskConfig(): { regions: Array<Record<string, unknown>> } {
  return structuredClone(cdkJsonContext().sesdesk) as { regions: Array<Record<string, unknown>> };
}

/**
 * Synthesizes the app for `sesdesk` context. `bundle: false` skips esbuild (same templates,
 * placeholder code assets) for tests that only read IAM and resource settings.
 */
export function synth(sesdesk: unknown, opts: { bundle: boolean }): SesdeskApp {
  const context: Record<string, unknown> = { ...cdkJsonContext(), sesdesk };
  if (!opts.bundle) context['aws:cdk:bundling-stacks'] = [];
  const built = buildApp({ context });
  built.app.synth();
  return built;
}

export function allStacks(built: SesdeskApp): Stack[] {
  return built.stages.flatMap((s) => [s.stateful, s.stateless]);
}

/** cdk-nag AwsSolutions findings left after acknowledgements, as `stack rule path` lines. */
export function nagFindings(stack: Stack): string[] {
  const report = new AwsSolutionsChecks().validateScope(stack);
  return report.violations.flatMap((v) => v.violatingResources.map((r) => `${stack.stackName} ${v.ruleName} ${r.constructPath}`));
}
