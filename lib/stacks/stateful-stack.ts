import { ArnFormat, CfnOutput, Duration, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as ses from 'aws-cdk-lib/aws-ses';
import type { Construct } from 'constructs';
import { TABLE_SCHEMA, type IndexSchema } from '../../lambdas/adapters/table-schema';
import type { RegionDeployConfig } from '../config';
import { INBOUND_PREFIX, OUTPUTS } from '../names';
import { inboundSmtpEndpoint } from '../ses-receiving-regions';

export interface StatefulStackProps extends StackProps {
  readonly desk: RegionDeployConfig;
}

/**
 * What must survive a redeploy or a mistaken delete: tickets, raw mail, the reply-token key and
 * the mail identity. Everything here is RETAINed and the stack has termination protection.
 */
export class StatefulStack extends Stack {
  public readonly table: dynamodb.Table;
  public readonly rawMailBucket: s3.Bucket;
  public readonly replyTokenSecret: secretsmanager.Secret;
  /** ARN of the SES domain identity mail is sent from (created here only with a hosted zone). */
  public readonly mailIdentityArn: string;

  public constructor(scope: Construct, id: string, props: StatefulStackProps) {
    super(scope, id, { terminationProtection: true, ...props });
    const { desk } = props;

    this.table = new dynamodb.Table(this, 'Table', {
      tableName: desk.names.table,
      partitionKey: { name: TABLE_SCHEMA.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: TABLE_SCHEMA.sortKey, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      timeToLiveAttribute: TABLE_SCHEMA.ttlAttribute,
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // CloudFormation adds at most one index per table update: add new indexes one release at a time.
    for (const index of TABLE_SCHEMA.indexes as readonly IndexSchema[]) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.name,
        partitionKey: { name: index.partitionKey, type: dynamodb.AttributeType.STRING },
        sortKey: { name: index.sortKey, type: dynamodb.AttributeType.STRING },
        ...(index.include
          ? { projectionType: dynamodb.ProjectionType.INCLUDE, nonKeyAttributes: [...index.include] }
          : { projectionType: dynamodb.ProjectionType.ALL }),
      });
    }

    const accessLogs = new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ expiration: Duration.days(365) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(accessLogs).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This is the access-log destination of the raw-mail bucket; logging it into itself would loop.',
    });

    this.rawMailBucket = new s3.Bucket(this, 'RawMail', {
      bucketName: desk.names.rawMailBucket(this.account),
      // SSE-S3: the SES S3 action writes plain objects and S3 encrypts them; a KMS key would
      // need SES client-side encryption, which the ingest handler cannot read.
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'raw-mail/',
      lifecycleRules: [
        {
          id: 'colder-after-n-days',
          transitions: [
            { storageClass: s3.StorageClass.INFREQUENT_ACCESS, transitionAfter: Duration.days(desk.rawMailTransitionDays) },
          ],
          noncurrentVersionExpiration: Duration.days(90),
        },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // Only SES of this account, acting for this rule of this rule set, may write raw mail.
    this.rawMailBucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowSesReceiptRule',
        principals: [new iam.ServicePrincipal('ses.amazonaws.com')],
        actions: ['s3:PutObject'],
        resources: [this.rawMailBucket.arnForObjects(`${INBOUND_PREFIX}*`)],
        conditions: {
          StringEquals: {
            'aws:SourceAccount': this.account,
            'aws:SourceArn': this.formatArn({
              service: 'ses',
              resource: 'receipt-rule-set',
              resourceName: `${desk.names.receiptRuleSet}:receipt-rule/${desk.names.receiptRule}`,
              arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
            }),
          },
        },
      }),
    );

    this.replyTokenSecret = new secretsmanager.Secret(this, 'ReplyTokenSecret', {
      description: `HMAC key of sesdesk reply tokens (${desk.region})`,
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.replyTokenSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason: 'Reply tokens in mail already sent are signed with this key; automatic rotation would orphan every open conversation. Rotate by hand (docs/operations.md).',
    });

    this.mailIdentityArn = this.formatArn({
      service: 'ses',
      resource: 'identity',
      resourceName: desk.mailDomain,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
    if (desk.hostedZone) {
      const zone = route53.PublicHostedZone.fromPublicHostedZoneAttributes(this, 'Zone', {
        hostedZoneId: desk.hostedZone.id,
        zoneName: desk.hostedZone.name,
      });
      const identity = new ses.EmailIdentity(this, 'MailIdentity', {
        identity: ses.Identity.domain(desk.mailDomain),
        dkimSigning: true,
      });
      identity.applyRemovalPolicy(RemovalPolicy.RETAIN);
      // Easy DKIM: three CNAMEs SES checks before it signs and verifies the domain.
      identity.dkimRecords.forEach((record, i) => {
        new route53.CnameRecord(this, `Dkim${i + 1}`, { zone, recordName: record.name, domainName: record.value });
      });
      new route53.MxRecord(this, 'InboundMx', {
        zone,
        recordName: `${desk.mailDomain}.`,
        values: [{ priority: 10, hostName: inboundSmtpEndpoint(desk.region) }],
      });
    }

    new CfnOutput(this, OUTPUTS.tableName, { value: this.table.tableName, exportName: desk.names.exportName(OUTPUTS.tableName) });
    new CfnOutput(this, OUTPUTS.rawMailBucket, {
      value: this.rawMailBucket.bucketName,
      exportName: desk.names.exportName(OUTPUTS.rawMailBucket),
    });
    new CfnOutput(this, OUTPUTS.region, { value: this.region, exportName: desk.names.exportName(OUTPUTS.region) });
  }
}
