import { CfnOutput, Duration, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import type { RegionDeployConfig } from '../config';
import { DeskAlarms } from '../constructs/desk-alarms';
import { DeskFunction } from '../constructs/desk-function';
import { InboundMail } from '../constructs/inbound-mail';
import { SlaTimers } from '../constructs/sla-timers';
import { INBOUND_PREFIX, METRICS_NAMESPACE, METRIC_NAMES, OUTPUTS } from '../names';
import { wildcardResourceFinding } from '../nag';

export interface StatelessStackProps extends StackProps {
  readonly desk: RegionDeployConfig;
  readonly replyTokenSecret: secretsmanager.ISecret;
  /** ARN of the SES identity the functions may send from. */
  readonly mailIdentityArn: string;
}

/**
 * Everything that can be deleted and redeployed without losing data: the handlers, the SES
 * receipt rule set, the timer plumbing and the alarms.
 */
export class StatelessStack extends Stack {
  public readonly ingest: DeskFunction;
  public readonly slaBreach: DeskFunction;
  public readonly followUp: DeskFunction;
  public readonly timers: SlaTimers;
  public readonly inbound: InboundMail;
  public readonly alarms: DeskAlarms;

  public constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);
    const { desk } = props;
    const names = desk.names;

    // By fixed name, not by cross-stack reference: the IAM scope then resolves inside this
    // stack (stable nag finding ids) and the stateful stack exports nothing it must keep.
    const table = dynamodb.Table.fromTableAttributes(this, 'TableRef', { tableName: names.table, grantIndexPermissions: true });
    const rawMailBucket = s3.Bucket.fromBucketName(this, 'RawMailRef', names.rawMailBucket(this.account));

    const environment = {
      TABLE_NAME: table.tableName,
      RAW_MAIL_BUCKET: rawMailBucket.bucketName,
      INBOUND_PREFIX,
      SESDESK_CONFIG: desk.runtimeJson,
      REPLY_TOKEN_SECRET_ARN: props.replyTokenSecret.secretArn,
    };

    const perDesk = { serviceName: names.serviceName, tracing: desk.tracing };
    this.ingest = new DeskFunction(this, 'IngestEmail', {
      entry: 'lambdas/handlers/ingest-email.ts',
      functionName: names.functions.ingestEmail,
      description: 'SES receipt rule -> ticket (create, append, ack)',
      ...perDesk,
      // mailparser holds the whole message (up to 40 MB) in memory.
      memorySize: 1024,
      timeout: Duration.seconds(60),
      environment,
    });
    this.slaBreach = new DeskFunction(this, 'SlaBreach', {
      entry: 'lambdas/handlers/sla-breach.ts',
      functionName: names.functions.slaBreach,
      description: 'Scheduler timer -> record SLA breach, escalate a tier, notify',
      ...perDesk,
      environment,
    });
    this.followUp = new DeskFunction(this, 'FollowUp', {
      entry: 'lambdas/handlers/follow-up.ts',
      functionName: names.functions.followUp,
      description: 'Scheduler timer -> remind customer or agent, auto-close',
      ...perDesk,
      environment,
    });
    const all = [this.ingest, this.slaBreach, this.followUp];

    this.timers = new SlaTimers(this, 'Timers', {
      scheduleGroupName: names.scheduleGroup,
      slaBreachFunctionName: names.functions.slaBreach,
      followUpFunctionName: names.functions.followUp,
    });

    for (const handler of all) {
      const fn = handler.function;
      table.grantReadWriteData(fn);
      props.replyTokenSecret.grantRead(fn);
      this.timers.grantScheduling(fn);
      // Raw mail is read by key; big bodies and attachments are written beside it.
      fn.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['s3:GetObject', 's3:PutObject'],
          resources: [rawMailBucket.arnForObjects('*')],
        }),
      );
      fn.addToRolePolicy(
        new iam.PolicyStatement({ actions: ['ses:SendEmail', 'ses:SendRawEmail'], resources: [props.mailIdentityArn] }),
      );
      Validations.of(fn.role!).acknowledge(
        {
          id: wildcardResourceFinding(this, `${table.tableArn}/index/*`),
          reason: 'Query on the byKind GSI (ticket lists, inbound records, timers) needs the index ARNs of this one table.',
        },
        {
          id: wildcardResourceFinding(this, rawMailBucket.arnForObjects('*')),
          reason: 'Raw mail objects are keyed by SES message id, unknown until delivery; access is Get/PutObject on this one bucket.',
        },
      );
    }

    this.inbound = new InboundMail(this, 'Inbound', {
      ruleSetName: names.receiptRuleSet,
      ruleName: names.receiptRule,
      recipients: desk.supportAddresses,
      rawMailBucketName: rawMailBucket.bucketName,
      objectKeyPrefix: INBOUND_PREFIX,
      ingestFunction: this.ingest.function,
      activate: desk.activateReceiptRuleSet,
    });

    this.alarms = new DeskAlarms(this, 'Alarms', {
      alarmEmail: desk.alarmEmail,
      metricsNamespace: METRICS_NAMESPACE,
      serviceName: names.serviceName,
      slaBreachMetricName: METRIC_NAMES.slaBreaches,
    });
    for (const [id, fn] of [
      ['IngestEmail', this.ingest],
      ['SlaBreach', this.slaBreach],
      ['FollowUp', this.followUp],
    ] as const) {
      this.alarms.watchFunction(id, fn.function);
      this.alarms.watchDeadLetterQueue(`${id}Failures`, fn.failureQueue);
    }
    this.alarms.watchDeadLetterQueue('TimerDeliveryFailures', this.timers.deadLetterQueue);

    new CfnOutput(this, OUTPUTS.scheduleGroup, {
      value: this.timers.scheduleGroupName,
      exportName: names.exportName(OUTPUTS.scheduleGroup),
    });
  }
}

