import { ArnFormat, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as ses from 'aws-cdk-lib/aws-ses';
import * as actions from 'aws-cdk-lib/aws-ses-actions';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';

export interface InboundMailProps {
  /** Name of the receipt rule set; the raw-mail bucket policy is written against it. */
  readonly ruleSetName: string;
  /** Name of the single rule; the raw-mail bucket policy is written against it. */
  readonly ruleName: string;
  /** Addresses (or domains) the rule accepts. */
  readonly recipients: readonly string[];
  /** Bucket the S3 action writes raw MIME to (its policy lives with the bucket). */
  readonly rawMailBucketName: string;
  /** Key prefix of raw mail: the object key is `<prefix><SES message id>`. */
  readonly objectKeyPrefix: string;
  /** Invoked asynchronously after the raw mail is stored. */
  readonly ingestFunction: lambda.IFunction;
  /**
   * Make this rule set the region's active one. A region has ONE active rule set: activating
   * replaces whatever was active, and deleting the activation turns receiving off.
   * @default false
   */
  readonly activate?: boolean;
}

/**
 * SES receiving for one region: a rule set with one rule (spam/virus scan, then S3 action
 * storing the raw mail, then the ingest Lambda), and optionally the custom resource that makes
 * it the active rule set (CloudFormation has no resource for that).
 */
export class InboundMail extends Construct {
  public readonly ruleSet: ses.ReceiptRuleSet;
  public readonly rule: ses.ReceiptRule;
  /** Present only when `activate` is true. */
  public readonly activation?: cr.AwsCustomResource;

  public constructor(scope: Construct, id: string, props: InboundMailProps) {
    super(scope, id);

    // Imported by name on purpose: the S3 action would otherwise add its own bucket statement
    // (SourceAccount only). The stateful stack owns a stricter one with SourceArn of this rule.
    const bucket = s3.Bucket.fromBucketName(this, 'RawMailBucket', props.rawMailBucketName);

    // Created before the rule so the Lambda action reuses it (it looks for 'AllowSes') instead
    // of adding its own, which would admit any rule of this account.
    const stack = Stack.of(this);
    props.ingestFunction.addPermission('AllowSes', {
      principal: new iam.ServicePrincipal('ses.amazonaws.com'),
      action: 'lambda:InvokeFunction',
      sourceAccount: stack.account,
      sourceArn: stack.formatArn({
        service: 'ses',
        resource: 'receipt-rule-set',
        resourceName: `${props.ruleSetName}:receipt-rule/${props.ruleName}`,
        arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
      }),
    });

    this.ruleSet = new ses.ReceiptRuleSet(this, 'RuleSet', { receiptRuleSetName: props.ruleSetName });
    this.rule = this.ruleSet.addRule('Ingest', {
      receiptRuleName: props.ruleName,
      // An address condition also matches its labelled forms (support+<token>@...), which
      // carry the reply tokens (SES developer guide, "receipt rules", recipient conditions).
      recipients: [...props.recipients],
      scanEnabled: true,
      enabled: true,
      actions: [
        new actions.S3({ bucket, objectKeyPrefix: props.objectKeyPrefix }),
        new actions.Lambda({ function: props.ingestFunction, invocationType: actions.LambdaInvocationType.EVENT }),
      ],
    });
    Validations.of(this.rule).acknowledge({
      id: '@aws-cdk/s3:AddBucketPermissions',
      reason: 'SES write access is granted by the raw-mail bucket policy in the stateful stack (aws:SourceAccount + aws:SourceArn of this rule).',
    });

    if (props.activate) {
      const params = { RuleSetName: props.ruleSetName };
      this.activation = new cr.AwsCustomResource(this, 'Activation', {
        onCreate: {
          service: 'SES',
          action: 'setActiveReceiptRuleSet',
          parameters: params,
          physicalResourceId: cr.PhysicalResourceId.of(`${props.ruleSetName}-active`),
        },
        onUpdate: {
          service: 'SES',
          action: 'setActiveReceiptRuleSet',
          parameters: params,
          physicalResourceId: cr.PhysicalResourceId.of(`${props.ruleSetName}-active`),
        },
        // No RuleSetName = no active rule set: SES stops receiving for the whole region.
        onDelete: { service: 'SES', action: 'setActiveReceiptRuleSet', parameters: {} },
        installLatestAwsSdk: false,
        policy: cr.AwsCustomResourcePolicy.fromStatements([
          new iam.PolicyStatement({
            actions: ['ses:SetActiveReceiptRuleSet'],
            // SetActiveReceiptRuleSet has no resource-level permissions; IAM requires "*".
            resources: ['*'],
          }),
        ]),
      });
      this.activation.node.addDependency(this.rule);
      Validations.of(this.activation).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'ses:SetActiveReceiptRuleSet supports no resource-level permissions (Service Authorization Reference); it is the only action granted.',
      });
      acknowledgeCustomResourceProvider(Stack.of(this));
    }
  }
}

/** The AwsCustomResource provider is a CDK-managed singleton Lambda at the stack root. */
function acknowledgeCustomResourceProvider(stack: Stack): void {
  const provider = stack.node.tryFindChild(cr.AwsCustomResource.PROVIDER_FUNCTION_UUID.replace(/-/g, '').replace(/^/, 'AWS'));
  if (!provider) return;
  Validations.of(provider).acknowledge(
    {
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: 'CDK-managed AwsCustomResource provider (runs once per deploy to activate the rule set); its role is created by CDK with the basic execution policy.',
    },
    {
      id: 'AwsSolutions-L1',
      reason: 'The AwsCustomResource provider runtime is pinned by aws-cdk-lib, not by this app.',
    },
  );
}
