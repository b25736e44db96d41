import { App, Stack, Validations } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import type { SesdeskApp } from '../../lib/app';
import { allStacks, exampleDeskConfig, nagFindings, synth } from './support';

/**
 * Security review over every stack: the shipped example plus a variant that turns on every
 * optional path (receipt rule set activation, Route 53 identity + MX, accounts file, a fixed
 * account). Synthesized once each, without esbuild (IAM and settings do not depend on code).
 */
let example: SesdeskApp;
let variant: SesdeskApp;

beforeAll(() => {
  example = synth(exampleDeskConfig(), { bundle: false });
  const cfg = exampleDeskConfig();
  Object.assign(cfg.regions[0], {
    account: '123456789012',
    activateReceiptRuleSet: true,
    hostedZone: { id: 'Z0123456789ABCDEFGHIJ', name: 'example.com' },
    accountsFile: 'test/infra/fixtures/accounts.json',
  });
  variant = synth(cfg, { bundle: false });
});

const stacksOf = (): Stack[] => [...allStacks(example), ...allStacks(variant)];

test('cdk-nag AwsSolutions: no unacknowledged finding in any stack', () => {
  const stacks = stacksOf();
  expect(stacks).toHaveLength(8);
  expect(stacks.flatMap(nagFindings)).toEqual([]);
});

test('the nag check does find things: a bare queue in a scratch stack is reported', () => {
  const scratch = new Stack(new App(), 'Scratch');
  new sqs.Queue(scratch, 'Bare', { encryption: sqs.QueueEncryption.UNENCRYPTED });
  expect(nagFindings(scratch).join('\n')).toMatch(/AwsSolutions-SQS/);
});

test('every acknowledgement names one rule and gives a specific reason', () => {
  const acks: Array<{ id: string; reason: string }> = [];
  const visit = (node: IConstruct): void => {
    for (const entry of node.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) {
        acks.push({ id: id.replace(/^annotation::/i, ''), reason });
      }
    }
    node.node.children.forEach(visit);
  };
  visit(variant.app);
  expect(acks.length).toBeGreaterThan(0);
  for (const ack of acks) {
    expect(ack.id).toMatch(/^(AwsSolutions-[A-Z]+\d+(\[.+\])?|.*@aws-cdk\/s3:AddBucketPermissions)$/);
    expect(ack.reason.length).toBeGreaterThanOrEqual(40);
  }
  // No blanket acknowledgement of a whole wildcard rule.
  expect(acks.filter((a) => a.id === 'AwsSolutions-IAM5')).toEqual([]);
});

test('no IAM statement allows a wildcard action; "*" resources only where the service requires it', () => {
  const wildcardResources: string[] = [];
  for (const stack of stacksOf()) {
    const template = Template.fromStack(stack).toJSON() as { Resources: Record<string, { Type: string; Properties: any }> };
    for (const [id, resource] of Object.entries(template.Resources)) {
      if (resource.Type !== 'AWS::IAM::Policy' && resource.Type !== 'AWS::IAM::Role') continue;
      const documents =
        resource.Type === 'AWS::IAM::Policy'
          ? [resource.Properties.PolicyDocument]
          : (resource.Properties.Policies ?? []).map((p: { PolicyDocument: unknown }) => p.PolicyDocument);
      for (const doc of documents) {
        for (const statement of doc.Statement as Array<{ Action: string | string[]; Resource: unknown }>) {
          const actions = ([] as string[]).concat(statement.Action);
          expect(actions.filter((a) => a.includes('*'))).toEqual([]);
          if (([] as unknown[]).concat(statement.Resource).includes('*')) {
            wildcardResources.push(`${stack.stackName}/${id}: ${actions.join(',')}`);
          }
        }
      }
    }
  }
  // Only the rule-set activation (SES SetActiveReceiptRuleSet has no resource-level permissions).
  expect(wildcardResources).toHaveLength(1);
  expect(wildcardResources[0]).toMatch(/^sesdesk-us-east-1-stateless\/.*: ses:SetActiveReceiptRuleSet$/);
});

describe('optional paths (variant us-east-1)', () => {
  const stage = () => variant.stages.find((s) => s.stateless.region === 'us-east-1')!;

  test('activation custom resource activates the rule set and deactivates receiving on delete', () => {
    const t = Template.fromStack(stage().stateless);
    const resources = Object.values(t.findResources('Custom::AWS')) as Array<{ Properties: Record<string, any> }>;
    expect(resources).toHaveLength(1);
    const props = resources[0].Properties;
    expect(typeof props.Create).toBe('string');
    expect(JSON.parse(props.Create as string)).toMatchObject({
      service: 'SES',
      action: 'setActiveReceiptRuleSet',
      parameters: { RuleSetName: 'sesdesk-inbound' },
    });
    expect(JSON.parse(props.Delete as string)).toMatchObject({ service: 'SES', action: 'setActiveReceiptRuleSet', parameters: {} });
  });

  test('hosted zone: SES identity with Easy DKIM, three DKIM CNAMEs and the regional inbound MX', () => {
    const t = Template.fromStack(stage().stateful);
    t.hasResource('AWS::SES::EmailIdentity', {
      DeletionPolicy: 'Retain',
      Properties: { EmailIdentity: 'example.com', DkimAttributes: { SigningEnabled: true } },
    });
    t.resourceCountIs('AWS::Route53::RecordSet', 4);
    t.hasResourceProperties('AWS::Route53::RecordSet', {
      Type: 'MX',
      Name: 'example.com.',
      HostedZoneId: 'Z0123456789ABCDEFGHIJ',
      ResourceRecords: ['10 inbound-smtp.us-east-1.amazonaws.com'],
    });
    expect(Object.keys(t.findResources('AWS::Route53::RecordSet', { Properties: { Type: 'CNAME' } }))).toHaveLength(3);
  });

  test('without a hosted zone no identity or DNS record is created (verified by hand, see docs)', () => {
    const eu = variant.stages.find((s) => s.stateful.region === 'eu-west-1')!;
    const t = Template.fromStack(eu.stateful);
    t.resourceCountIs('AWS::SES::EmailIdentity', 0);
    t.resourceCountIs('AWS::Route53::RecordSet', 0);
  });

  test('the accounts file reaches SESDESK_CONFIG', () => {
    const t = Template.fromStack(stage().stateless);
    const fn = Object.values(t.findResources('AWS::Lambda::Function', { Properties: { FunctionName: 'sesdesk-ingest-email' } }))[0] as {
      Properties: { Environment: { Variables: { SESDESK_CONFIG: string } } };
    };
    expect(JSON.parse(fn.Properties.Environment.Variables.SESDESK_CONFIG).priority).toEqual({
      accounts: [{ id: 'acme', domains: ['acme.example'], primaryContact: 'pat@acme.example', authorizedSenders: ['pat@acme.example'] }],
    });
  });
});
