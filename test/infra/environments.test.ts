import { Template } from 'aws-cdk-lib/assertions';
import type { Stack } from 'aws-cdk-lib';
import { ConfigError } from '../../lambdas/domain/config-error';
import { loadDeployConfig } from '../../lib/config';
import { deskNames } from '../../lib/names';
import { REPO_ROOT, exampleDeskConfig, nagFindings, synth } from './support';

/**
 * Staging and production in one account and region: the `environment` of a region block goes
 * into every name that must be unique there, and the config refuses what two desks in one region
 * cannot share (SES's one active rule set, one identity per domain).
 */
type Region = Record<string, unknown>;

/** us-east-1 twice: production (no environment, as deployed so far) and staging. */
function stagingBesideProduction(edit: (staging: Region) => void = () => undefined): { regions: Region[] } {
  const cfg = exampleDeskConfig();
  const production = cfg.regions[0];
  const staging: Region = { ...structuredClone(production), environment: 'staging', mailDomain: 'staging.example.com', supportAddresses: ['support@staging.example.com'] };
  edit(staging);
  return { regions: [production, staging] };
}

function errorOf(context: unknown): string {
  try {
    loadDeployConfig(context, { baseDir: REPO_ROOT });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected the config to be rejected');
}

/** Every name-like property value of a stack's resources, stack name and export names, as JSON. */
function physicalNames(stack: Stack): Set<string> {
  const template = Template.fromStack(stack).toJSON() as {
    Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
    Outputs?: Record<string, { Export?: { Name: string } }>;
  };
  const names = new Set<string>([`stack ${stack.stackName}`]);
  for (const resource of Object.values(template.Resources)) {
    for (const [key, value] of Object.entries(resource.Properties ?? {})) {
      // A Ref or GetAtt points inside the stack: only literal names (strings, joins) can clash.
      const local = typeof value === 'object' && value !== null && ('Ref' in value || 'Fn::GetAtt' in value);
      if (/Name$/.test(key) && key !== 'MetricName' && key !== 'PolicyName' && !local) names.add(`${resource.Type}.${key} ${JSON.stringify(value)}`);
    }
    const env = (resource.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables;
    if (env) names.add(`service ${JSON.stringify(env.POWERTOOLS_SERVICE_NAME)}`);
    const dimensions = resource.Properties?.Dimensions as Array<{ Name: string; Value: unknown }> | undefined;
    for (const d of dimensions ?? []) if (d.Name === 'service') names.add(`alarm service ${JSON.stringify(d.Value)}`);
  }
  for (const output of Object.values(template.Outputs ?? {})) if (output.Export) names.add(`export ${output.Export.Name}`);
  return names;
}

describe('an environment name', () => {
  it('names every stack and resource apart, so staging and production share an account and region', () => {
    const built = synth(stagingBesideProduction(), { bundle: false });
    const [production, staging] = built.stages;
    expect([production.stateful.stackName, staging.stateful.stackName]).toEqual(['sesdesk-us-east-1-stateful', 'sesdesk-staging-us-east-1-stateful']);
    const prod = new Set([...physicalNames(production.stateful), ...physicalNames(production.stateless)]);
    const stag = new Set([...physicalNames(staging.stateful), ...physicalNames(staging.stateless)]);
    // What the test looks at: tables, buckets, functions, log groups, schedule group, rule sets, exports, metrics.
    const kinds = (names: Set<string>) => new Set([...names].map((n) => n.split(' ')[0]));
    expect([...kinds(stag)]).toEqual(
      expect.arrayContaining([
        'stack', 'export', 'service', 'alarm',
        'AWS::DynamoDB::Table.TableName', 'AWS::S3::Bucket.BucketName', 'AWS::Lambda::Function.FunctionName',
        'AWS::Logs::LogGroup.LogGroupName', 'AWS::Scheduler::ScheduleGroup.Name', 'AWS::SES::ReceiptRuleSet.RuleSetName',
      ]),
    );
    const clashes = [...stag].filter((name) => prod.has(name));
    expect(clashes).toEqual([]);
    // And the production desk keeps the names it was deployed with.
    for (const name of ['"sesdesk-tickets"', '"sesdesk-inbound"', '"sesdesk-timers"', '"/aws/lambda/sesdesk-ingest-email"']) {
      expect([...prod].some((n) => n.endsWith(name))).toBe(true);
      expect([...stag].some((n) => n.endsWith(name.replace('sesdesk-', 'sesdesk-staging-')))).toBe(true);
    }
  });

  it('reaches what the functions are told: table, bucket, schedule group, the other functions, the service name', () => {
    const built = synth(stagingBesideProduction(), { bundle: false });
    const template = JSON.stringify(Template.fromStack(built.stages[1].stateless).toJSON());
    for (const value of ['"TABLE_NAME":"sesdesk-staging-tickets"', '"SCHEDULE_GROUP":"sesdesk-staging-timers"', '"POWERTOOLS_SERVICE_NAME":"sesdesk-staging"', ':function:sesdesk-staging-sla-breach"']) {
      expect(template).toContain(value);
    }
    expect(template).toContain('"sesdesk-staging-raw-mail-"');
    expect(template).not.toMatch(/"sesdesk-(tickets|timers|inbound|ingest-email|sla-breach|follow-up)"/);
  });

  it('fits every name limit at its longest (12 characters, the longest receiving region)', () => {
    const names = deskNames({ region: 'ap-southeast-2', environment: 'abcdefghijkl' });
    expect(names.rawMailBucket('123456789012').length).toBeLessThanOrEqual(63);
    for (const fn of Object.values(names.functions)) expect(fn.length).toBeLessThanOrEqual(64);
    expect(names.statelessStack.length).toBeLessThanOrEqual(128);
  });

  test.each<[string, (r: Region) => void, RegExp]>([
    ['upper case', (r) => (r.environment = 'Staging'), /^sesdesk\.regions\[1\]\.environment: lowercase letters, digits and inner hyphens/m],
    ['too long for the bucket name', (r) => (r.environment = 'integration-test'), /^sesdesk\.regions\[1\]\.environment: at most 12 characters/m],
    ['the same region and environment twice', (r) => (r.environment = undefined), /^sesdesk\.regions\[1\]\.region: us-east-1 is already configured at regions\[0\]: one desk per region, unless each has its own environment/m],
    ['two desks activating their rule set in one region', (r) => (r.activateReceiptRuleSet = true), /^sesdesk\.regions\[1\]\.activateReceiptRuleSet: regions\[0\] already activates its rule set in us-east-1/m],
    [
      'two desks creating the identity of one mail domain',
      (r) => {
        r.mailDomain = 'example.com';
        r.supportAddresses = ['support@example.com'];
        r.hostedZone = { id: 'Z0123456789ABCDEFGHIJ', name: 'example.com' };
      },
      /^sesdesk\.regions\[1\]\.mailDomain: regions\[0\] already creates the SES identity of example\.com in us-east-1/m,
    ],
  ])('is refused when %s', (_label, edit, expected) => {
    const context = stagingBesideProduction(edit);
    if (/activat/.test(_label)) context.regions[0].activateReceiptRuleSet = true;
    if (/identity/.test(_label)) context.regions[0].hostedZone = { id: 'Z0123456789ABCDEFGHIJ', name: 'example.com' };
    expect(errorOf(context)).toMatch(expected);
  });

  it('lets two environments share a mail domain when neither creates its identity', () => {
    const cfg = loadDeployConfig(stagingBesideProduction((r) => (r.mailDomain = 'example.com'), ), { baseDir: REPO_ROOT });
    expect(cfg.regions.map((r) => r.names.stage)).toEqual(['sesdesk-us-east-1', 'sesdesk-staging-us-east-1']);
  });
});

describe('X-Ray tracing', () => {
  it('is off unless the region asks for it; on, the functions trace actively with only X-Ray write rights, and cdk-nag stays clean', () => {
    const cfg = exampleDeskConfig();
    cfg.regions[1].tracing = true;
    const built = synth(cfg, { bundle: false });
    const [off, on] = built.stages.map((s) => Template.fromStack(s.stateless));
    expect(Object.values(off.findResources('AWS::Lambda::Function')).map((f) => f.Properties.TracingConfig)).toEqual([undefined, undefined, undefined]);
    expect(Object.values(on.findResources('AWS::Lambda::Function')).map((f) => f.Properties.TracingConfig)).toEqual([
      { Mode: 'Active' },
      { Mode: 'Active' },
      { Mode: 'Active' },
    ]);
    const xray = Object.values(on.findResources('AWS::IAM::Policy')).flatMap((p) =>
      (p.Properties.PolicyDocument.Statement as Array<{ Action: string | string[] }>).filter((s) => String(s.Action).includes('xray')),
    );
    expect(xray).toHaveLength(3);
    for (const statement of xray) expect(statement).toMatchObject({ Action: ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'], Resource: '*' });
    expect(nagFindings(built.stages[1].stateless)).toEqual([]);
  });

  it('is refused unless true or false', () => {
    const cfg = exampleDeskConfig();
    cfg.regions[0].tracing = 'yes';
    expect(errorOf(cfg)).toMatch(/^sesdesk\.regions\[0\]\.tracing: /m);
  });
});
