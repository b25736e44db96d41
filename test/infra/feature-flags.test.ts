import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { buildApp, FEATURE_FLAGS } from '../../lib/app';
import { cdkJsonContext, REPO_ROOT } from './support';

/**
 * CDK feature flags live in one place (lib/feature-flags.json, set by buildApp) and are aws-cdk-lib's
 * recommended ones. The template changes they made when they were taken in (2026-12-02, aws-cdk-lib
 * 2.276) were reviewed: ARNs spell the partition (`arn:aws:`) instead of `Ref AWS::Partition`, and
 * the reply-token secret reaches the stateless stack by Fn::GetStackOutput instead of an export
 * (`defaultCrossStackReferences: weak`; docs/operations.md says how a region deployed before
 * moves over). Nothing else in the templates changed.
 */
const recommended = JSON.parse(
  readFileSync(join(REPO_ROOT, 'node_modules', 'aws-cdk-lib', 'recommended-feature-flags.json'), 'utf8'),
) as Record<string, unknown>;

describe('feature flags', () => {
  it('are the recommended flags of the installed aws-cdk-lib, every one of them', () => {
    // When this fails after an aws-cdk-lib upgrade: add the new flags to lib/feature-flags.json
    // after reading what they change in the templates (cdk synth before/after, diff).
    expect(FEATURE_FLAGS).toEqual(recommended);
  });

  it('are set nowhere else: cdk.json has none', () => {
    expect(Object.keys(cdkJsonContext()).filter((k) => k.startsWith('@aws-cdk'))).toEqual([]);
  });

  it('reach the app, where the CLI may still override one for a deployment (-c)', () => {
    const app = buildApp({ context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [] } }).app;
    for (const [flag, value] of Object.entries(recommended)) expect(app.node.tryGetContext(flag)).toEqual(value);
    const overridden = buildApp({ context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [], '@aws-cdk/core:defaultCrossStackReferences': 'both' } }).app;
    expect(overridden.node.tryGetContext('@aws-cdk/core:defaultCrossStackReferences')).toBe('both');
  });
});

describe('the reply-token secret passed between the stacks', () => {
  const build = (extra: Record<string, unknown> = {}) => {
    const built = buildApp({ context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [], ...extra } });
    built.app.synth();
    const [stage] = built.stages;
    return { stateful: Template.fromStack(stage.stateful).toJSON(), stateless: JSON.stringify(Template.fromStack(stage.stateless).toJSON()) };
  };

  it('is read with Fn::GetStackOutput: the stateful stack exports nothing the stateless one holds on to', () => {
    const { stateful, stateless } = build();
    const outputs = stateful.Outputs as Record<string, { Export?: { Name: string } }>;
    expect(Object.values(outputs).map((o) => o.Export?.Name).filter((n) => n?.includes('ReplyTokenSecret'))).toEqual([]);
    expect(/"Fn::GetStackOutput":\{[^}]*"OutputName":"PublishOutputRefReplyTokenSecret/.test(stateless)).toBe(true);
    expect(stateless).not.toContain('Fn::ImportValue');
  });

  it('with `-c @aws-cdk/core:defaultCrossStackReferences=both` (the one-time step of a region deployed before) the old export stays', () => {
    const { stateful, stateless } = build({ '@aws-cdk/core:defaultCrossStackReferences': 'both' });
    const outputs = stateful.Outputs as Record<string, { Export?: { Name: string } }>;
    expect(Object.values(outputs).map((o) => o.Export?.Name)).toContain('sesdesk-us-east-1-stateful:ExportsOutputRefReplyTokenSecretBE0BE1D81C50CDD8');
    expect(/"Fn::GetStackOutput":\{[^}]*"OutputName":"PublishOutputRefReplyTokenSecret/.test(stateless)).toBe(true);
  });
});
