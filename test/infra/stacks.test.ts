import { DEFERRED_MODULES, HANDLER_BUNDLING } from '../../lib/constructs/handler-bundling';
import { parseRuntimeConfig } from '../../lambdas/use-cases/runtime-config';
import { createSlaService } from '../../lambdas/use-cases/sla-service';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { SesdeskApp } from '../../lib/app';
import { exampleDeskConfig, synth } from './support';

/** The shipped example (cdk.json), bundled for real with the local esbuild, synthesized once. */
let built: SesdeskApp;
const stateful: Record<string, Template> = {};
const stateless: Record<string, Template> = {};
const REGIONS = ['us-east-1', 'eu-west-1'];

/** What the synth printed: the CDK's "Bundling asset" lines and our bundler's sizes. */
let bundlingLog = '';

beforeAll(() => {
  const stderr = jest.spyOn(process.stderr, 'write').mockImplementation((s) => ((bundlingLog += String(s)), true));
  try {
    built = synth(exampleDeskConfig(), { bundle: true });
  } finally {
    stderr.mockRestore();
  }
  for (const stage of built.stages) {
    const region = stage.stateful.region;
    stateful[region] = Template.fromStack(stage.stateful);
    stateless[region] = Template.fromStack(stage.stateless);
  }
});

test('the synth reports each function it bundles and the size of its bundle', () => {
  for (const fn of ['IngestEmail', 'SlaBreach', 'FollowUp']) expect(bundlingLog).toMatch(new RegExp(`^Bundling asset sesdesk-[a-z0-9-]+/Stateless/${fn}/`, 'm'));
  const assets = bundlingLog.match(/^Bundling asset /gm) ?? [];
  expect(bundlingLog.match(/^\S+index\.js \d+ bytes$/gm)).toHaveLength(assets.length);
});

test('the example config yields a stateful and a stateless stack in each of its two regions', () => {
  const names = built.stages.flatMap((s) => [s.stateful.stackName, s.stateless.stackName]).sort();
  expect(names).toEqual([
    'sesdesk-eu-west-1-stateful',
    'sesdesk-eu-west-1-stateless',
    'sesdesk-us-east-1-stateful',
    'sesdesk-us-east-1-stateless',
  ]);
  expect(built.stages.map((s) => s.stateless.region).sort()).toEqual([...REGIONS].sort());
});

describe.each(REGIONS)('stateful stack in %s', (region) => {
  test('is termination-protected', () => {
    const stage = built.stages.find((s) => s.stateful.region === region)!;
    expect(stage.stateful.terminationProtection).toBe(true);
  });

  test('table: on demand, PITR, deletion protection, TTL, byKind and byQueue GSIs, retained', () => {
    const t = stateful[region];
    t.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: Match.objectLike({
        TableName: 'sesdesk-tickets',
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        DeletionProtectionEnabled: true,
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: [
          Match.objectLike({
            IndexName: 'byKind',
            KeySchema: [
              { AttributeName: 'gsi1pk', KeyType: 'HASH' },
              { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          }),
          Match.objectLike({
            IndexName: 'byQueue',
            KeySchema: [
              { AttributeName: 'gsi2pk', KeyType: 'HASH' },
              { AttributeName: 'gsi2sk', KeyType: 'RANGE' },
            ],
            // Only what a queue row shows: a page of the queue reads small index items.
            Projection: {
              ProjectionType: 'INCLUDE',
              NonKeyAttributes: ['id', 'number', 'status', 'priority', 'requester', 'subject', 'account', 'assignee', 'tier', 'createdAt', 'updatedAt', 'sla'],
            },
          }),
        ],
      }),
    });
  });

  test('raw-mail bucket: SSE, public access blocked, colder after 90 days, retained', () => {
    stateful[region].hasResource('AWS::S3::Bucket', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({
        BucketName: Match.objectLike({ 'Fn::Join': ['', Match.arrayWith([`-${region}`])] }),
        BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        LifecycleConfiguration: {
          Rules: Match.arrayWith([
            Match.objectLike({ Transitions: [{ StorageClass: 'STANDARD_IA', TransitionInDays: 90 }] }),
          ]),
        },
      }),
    });
  });

  test('raw-mail bucket policy: only SES of this account and this receipt rule may write, TLS enforced', () => {
    const policies = stateful[region].findResources('AWS::S3::BucketPolicy');
    const statements = Object.values(policies).flatMap(
      (p) => (p as { Properties: { PolicyDocument: { Statement: Array<Record<string, unknown>> } } }).Properties.PolicyDocument.Statement,
    );
    const ses = statements.filter((s) => JSON.stringify(s.Principal).includes('ses.amazonaws.com'));
    expect(ses).toHaveLength(1);
    expect(ses[0].Action).toBe('s3:PutObject');
    const conditions = (ses[0].Condition as { StringEquals: Record<string, unknown> }).StringEquals;
    expect(conditions['aws:SourceAccount']).toEqual({ Ref: 'AWS::AccountId' });
    expect(JSON.stringify(conditions['aws:SourceArn'])).toContain(
      `:ses:${region}:",{"Ref":"AWS::AccountId"},":receipt-rule-set/sesdesk-inbound:receipt-rule/sesdesk-ingest`,
    );
    expect(JSON.stringify(ses[0].Resource)).toContain('/inbound/*');
    const denyInsecure = statements.filter(
      (s) => s.Effect === 'Deny' && JSON.stringify(s.Condition) === JSON.stringify({ Bool: { 'aws:SecureTransport': 'false' } }),
    );
    expect(denyInsecure.length).toBeGreaterThanOrEqual(2); // raw-mail bucket and its access-log bucket
  });

  test('outputs the CLI reads, with stable export names', () => {
    const outputs = stateful[region].toJSON().Outputs as Record<string, { Export: { Name: string } }>;
    expect(outputs.TableName.Export.Name).toBe(`sesdesk-${region}-TableName`);
    expect(outputs.RawMailBucketName.Export.Name).toBe(`sesdesk-${region}-RawMailBucketName`);
    expect(outputs.Region).toMatchObject({ Value: region, Export: { Name: `sesdesk-${region}-Region` } });
    const statelessOutputs = stateless[region].toJSON().Outputs as Record<string, unknown>;
    expect(statelessOutputs.ScheduleGroupName).toEqual({
      Value: 'sesdesk-timers',
      Export: { Name: `sesdesk-${region}-ScheduleGroupName` },
    });
  });
});

describe.each(REGIONS)('stateless stack in %s', (region) => {
  const functions = (): Record<string, { Properties: Record<string, any> }> =>
    stateless[region].findResources('AWS::Lambda::Function', {
      Properties: { FunctionName: Match.stringLikeRegexp('^sesdesk-') },
    }) as Record<string, { Properties: Record<string, any> }>;

  test('three handlers on Node 24, arm64, with source maps and the full env contract', () => {
    const fns = Object.values(functions());
    expect(fns.map((f) => f.Properties.FunctionName).sort()).toEqual([
      'sesdesk-follow-up',
      'sesdesk-ingest-email',
      'sesdesk-sla-breach',
    ]);
    for (const fn of fns) {
      expect(fn.Properties.Runtime).toMatch(/^nodejs(22|24)\.x$/);
      expect(fn.Properties.Architectures).toEqual(['arm64']);
      const env = fn.Properties.Environment.Variables as Record<string, unknown>;
      expect(Object.keys(env).sort()).toEqual(
        [
          'FOLLOW_UP_FUNCTION_ARN',
          'INBOUND_PREFIX',
          'POWERTOOLS_METRICS_NAMESPACE',
          'POWERTOOLS_SERVICE_NAME',
          'RAW_MAIL_BUCKET',
          'REPLY_TOKEN_SECRET_ARN',
          'SCHEDULER_ROLE_ARN',
          'SCHEDULE_GROUP',
          'SESDESK_CONFIG',
          'SLA_BREACH_FUNCTION_ARN',
          'TABLE_NAME',
          'TIMER_DLQ_ARN',
        ].sort(),
      );
      // Not --enable-source-maps: Node would parse the 6 MB map at every cold start (~150 ms in bench/).
      expect(env.NODE_OPTIONS).toBeUndefined();
      expect(env.INBOUND_PREFIX).toBe('inbound/');
      expect(env.TABLE_NAME).toBe('sesdesk-tickets');
      expect(env.SCHEDULE_GROUP).toBe('sesdesk-timers');
      expect(JSON.stringify(env.SLA_BREACH_FUNCTION_ARN)).toContain(':function:sesdesk-sla-breach');
      expect(JSON.stringify(env.FOLLOW_UP_FUNCTION_ARN)).toContain(':function:sesdesk-follow-up');
    }
  });

  test('SESDESK_CONFIG carries the region runtime config with the derived ticket prefix', () => {
    const fn = Object.values(functions()).find((f) => f.Properties.FunctionName === 'sesdesk-ingest-email')!;
    const config = JSON.parse(fn.Properties.Environment.Variables.SESDESK_CONFIG as string) as Record<string, any>;
    expect(config.region).toBe(region);
    expect(config.ticketPrefix).toBe(region === 'us-east-1' ? 'USE1' : 'EUW1');
    expect(config.mailDomain).toBe('example.com');
    expect(config.escalation).toEqual({ tier1: 'tier1@example.com', tier2: 'tier2@example.com', tier3: 'tier3@example.com' });
    expect(config.policy.name).toBe(region === 'us-east-1' ? 'platform' : 'fairfax');
    expect(config.priority).toBeUndefined();
    // What the functions will do with it: parse it and build the SLA service, without error.
    expect(() => createSlaService(parseRuntimeConfig(config))).not.toThrow();
  });

  test('the functions were bundled: minified code with a source map per function', () => {
    const outdir = built.app.outdir;
    const bundles = readdirSync(outdir).filter((d) => d.startsWith('asset.') && existsSync(join(outdir, d, 'index.js')));
    expect(bundles.length).toBeGreaterThanOrEqual(3);
    for (const d of bundles) {
      expect(existsSync(join(outdir, d, 'index.js.map'))).toBe(true);
      // Minified: long lines (only template literals keep their newlines).
      const code = readFileSync(join(outdir, d, 'index.js'), 'utf8');
      expect(code.length / code.split('\n').length).toBeGreaterThan(100);
      expect(code).toContain('//# sourceMappingURL=index.js.map');
      // The AWS SDK is inside the bundle, not taken from the runtime: only the credential
      // providers Lambda never reaches are left out (HANDLER_BUNDLING).
      const required = [...code.matchAll(/require\("(@(?:aws-sdk|smithy)\/[^"]+)"\)/g)].map((m) => m[1]);
      // signature-v4-crt: the S3 signer's optional SigV4a module, required inside a try block.
      const allowed = [...HANDLER_BUNDLING.externalModules, '@aws-sdk/signature-v4-crt'];
      for (const r of required) expect(allowed).toContain(r);
      expect(required).not.toEqual(expect.arrayContaining([expect.stringMatching(/client-|lib-dynamodb/)]));
      // Every table iconv-lite may ask for lies beside the bundle.
      const tables = [...code.matchAll(/require\("\.\/tables\/([^"]+)"\)/g)].map((m) => m[1]);
      for (const t of tables) expect(existsSync(join(outdir, d, 'tables', t))).toBe(true);
      if (code.includes('Shift_JIS')) expect(tables).toEqual(expect.arrayContaining(['shiftjis.json', 'cp936.json', 'big5-added.json']));
      // So does every module the mail parser's stand-ins load on first use (DEFERRED_MODULES).
      const deferred = [...code.matchAll(/require\("\.\/deferred\/([^"]+)"\)/g)].map((m) => m[1]);
      for (const f of deferred) expect(existsSync(join(outdir, d, 'deferred', f))).toBe(true);
      if (code.includes('Shift_JIS')) expect(deferred.sort()).toEqual(Object.keys(DEFERRED_MODULES).map((m) => `${m}.js`).sort());
    }
  });

  test("each function's code is its own handler's bundle, not another function's", () => {
    const outdir = built.app.outdir;
    const functions = Object.values(stateless[region].findResources('AWS::Lambda::Function')) as Array<{ Properties: Record<string, any> }>;
    const entries: Record<string, string> = { 'sesdesk-ingest-email': 'ingest-email.ts', 'sesdesk-sla-breach': 'sla-breach.ts', 'sesdesk-follow-up': 'follow-up.ts' };
    const seen = functions.filter((f) => f.Properties.FunctionName in entries);
    expect(seen).toHaveLength(3);
    for (const f of seen) {
      expect(f.Properties.Handler).toBe('index.handler');
      expect(f.Properties.Runtime).toBe('nodejs24.x');
      const asset = join(outdir, `asset.${String(f.Properties.Code.S3Key).replace(/\.zip$/, '')}`);
      const sources = (JSON.parse(readFileSync(join(asset, 'index.js.map'), 'utf8')) as { sources: string[] }).sources;
      const handlers = sources.filter((src) => /lambdas\/handlers\/(ingest-email|sla-breach|follow-up)\.ts$/.test(src)).map((src) => src.split('/').pop());
      expect(handlers).toEqual([entries[f.Properties.FunctionName]]);
      const code = readFileSync(join(asset, 'index.js'), 'utf8');
      // Only ingest carries the mail parser (its charset list names Shift_JIS).
      expect(code.includes('Shift_JIS')).toBe(f.Properties.FunctionName === 'sesdesk-ingest-email');
    }
  });

  test('every function sends failed async invocations to its own SQS queue after 2 retries', () => {
    const t = stateless[region];
    const configs = Object.values(t.findResources('AWS::Lambda::EventInvokeConfig')) as Array<{ Properties: Record<string, any> }>;
    expect(configs).toHaveLength(3);
    const destinations = new Set<string>();
    for (const c of configs) {
      expect(c.Properties.MaximumRetryAttempts).toBe(2);
      const arn = c.Properties.DestinationConfig.OnFailure.Destination as { 'Fn::GetAtt': [string, string] };
      expect(t.toJSON().Resources[arn['Fn::GetAtt'][0]].Type).toBe('AWS::SQS::Queue');
      destinations.add(arn['Fn::GetAtt'][0]);
    }
    expect(destinations.size).toBe(3);
    t.resourceCountIs('AWS::SQS::Queue', 4); // 3 failure queues + the Scheduler DLQ
  });

  test('receipt rule: scan enabled, support addresses, S3 action first then async Lambda', () => {
    const t = stateless[region];
    t.hasResourceProperties('AWS::SES::ReceiptRuleSet', { RuleSetName: 'sesdesk-inbound' });
    const rules = Object.values(t.findResources('AWS::SES::ReceiptRule')) as Array<{ Properties: Record<string, any> }>;
    expect(rules).toHaveLength(1);
    const rule = rules[0].Properties.Rule;
    expect(rule.Name).toBe('sesdesk-ingest');
    expect(rule.ScanEnabled).toBe(true);
    expect(rule.Enabled).toBe(true);
    expect(rule.Recipients).toEqual([region === 'us-east-1' ? 'support@example.com' : 'soporte@example.com']);
    expect(rule.Actions.map((a: Record<string, unknown>) => Object.keys(a)[0])).toEqual(['S3Action', 'LambdaAction']);
    expect(rule.Actions[0].S3Action.ObjectKeyPrefix).toBe('inbound/');
    expect(rule.Actions[1].LambdaAction.InvocationType).toBe('Event');
  });

  test('SES may invoke the ingest function only for this account and this receipt rule', () => {
    const permissions = Object.values(
      stateless[region].findResources('AWS::Lambda::Permission', { Properties: { Principal: 'ses.amazonaws.com' } }),
    ) as Array<{ Properties: Record<string, any> }>;
    expect(permissions).toHaveLength(1);
    expect(permissions[0].Properties.SourceAccount).toEqual({ Ref: 'AWS::AccountId' });
    expect(JSON.stringify(permissions[0].Properties.SourceArn)).toContain(
      ':receipt-rule-set/sesdesk-inbound:receipt-rule/sesdesk-ingest',
    );
  });

  test('no activation custom resource when activateReceiptRuleSet is false (the default)', () => {
    expect(Object.keys(stateless[region].findResources('Custom::AWS'))).toHaveLength(0);
  });

  test('schedule group and a Scheduler role trusted only by Scheduler for this account and group', () => {
    const t = stateless[region];
    t.hasResourceProperties('AWS::Scheduler::ScheduleGroup', { Name: 'sesdesk-timers' });
    const roles = t.findResources('AWS::IAM::Role', {
      Properties: {
        AssumeRolePolicyDocument: {
          Statement: [Match.objectLike({ Principal: { Service: 'scheduler.amazonaws.com' } })],
        },
      },
    }) as Record<string, { Properties: Record<string, any> }>;
    expect(Object.keys(roles)).toHaveLength(1);
    const [roleId, role] = Object.entries(roles)[0];
    const trust = role.Properties.AssumeRolePolicyDocument.Statement[0];
    expect(trust.Condition.StringEquals['aws:SourceAccount']).toEqual({ Ref: 'AWS::AccountId' });
    expect(JSON.stringify(trust.Condition.StringEquals['aws:SourceArn'])).toContain(':schedule-group/sesdesk-timers');

    const policies = Object.values(
      t.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: roleId }] } }),
    ) as Array<{ Properties: Record<string, any> }>;
    const statements = policies.flatMap((p) => p.Properties.PolicyDocument.Statement as Array<Record<string, any>>);
    const invoke = statements.filter((s) => s.Action === 'lambda:InvokeFunction');
    expect(invoke).toHaveLength(1);
    const targets = JSON.stringify(invoke[0].Resource);
    expect(targets).toContain(':function:sesdesk-sla-breach');
    expect(targets).toContain(':function:sesdesk-follow-up');
    expect(targets).not.toContain('sesdesk-ingest-email');
    expect(statements.map((s) => s.Action).sort()).toEqual(['lambda:InvokeFunction', 'sqs:SendMessage']);
  });

  test('functions may create/delete schedules only in the group and pass the role only to Scheduler', () => {
    const t = stateless[region];
    const statements = Object.values(t.findResources('AWS::IAM::Policy')).flatMap(
      (p) => (p as { Properties: { PolicyDocument: { Statement: Array<Record<string, any>> } } }).Properties.PolicyDocument.Statement,
    );
    const scheduling = statements.filter((s) => JSON.stringify(s.Action).includes('scheduler:'));
    expect(scheduling).toHaveLength(3);
    for (const s of scheduling) {
      expect(s.Action).toEqual(['scheduler:CreateSchedule', 'scheduler:DeleteSchedule']);
      expect(JSON.stringify(s.Resource)).toContain(':schedule/sesdesk-timers/*');
    }
    const passRole = statements.filter((s) => s.Action === 'iam:PassRole');
    expect(passRole).toHaveLength(3);
    for (const s of passRole) {
      expect(s.Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } });
    }
    const sending = statements.filter((s) => JSON.stringify(s.Action).includes('ses:Send'));
    for (const s of sending) {
      expect(s.Action).toEqual(['ses:SendEmail', 'ses:SendRawEmail']);
      expect(JSON.stringify(s.Resource)).toContain(':identity/example.com');
    }
    expect(sending).toHaveLength(3);
  });

  test('alarms: each DLQ depth, each function errors and throttles, SLA breaches; all to the alarm topic', () => {
    const t = stateless[region];
    t.resourceCountIs('AWS::CloudWatch::Alarm', 4 + 3 * 2 + 1);
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'Sesdesk',
      MetricName: 'SlaBreaches',
      Dimensions: [{ Name: 'service', Value: 'sesdesk' }],
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    const dlqAlarms = t.findResources('AWS::CloudWatch::Alarm', {
      Properties: { MetricName: 'ApproximateNumberOfMessagesVisible', Threshold: 0 },
    });
    expect(Object.keys(dlqAlarms)).toHaveLength(4);
    const topics = Object.keys(t.findResources('AWS::SNS::Topic'));
    expect(topics).toHaveLength(1);
    for (const alarm of Object.values(t.findResources('AWS::CloudWatch::Alarm')) as Array<{ Properties: Record<string, any> }>) {
      expect(alarm.Properties.AlarmActions).toEqual([{ Ref: topics[0] }]);
    }
    t.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com' });
  });
});
