import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface DeskAlarmsProps {
  /** Who gets the alarm mail (confirms the SNS subscription once). */
  readonly alarmEmail: string;
  /** Powertools metrics namespace of the handlers. */
  readonly metricsNamespace: string;
  /**
   * Powertools service name (the `service` dimension Powertools adds to every metric), which is
   * also the desk's name (`sesdesk`, `sesdesk-staging`) in the alarm mail's sender.
   */
  readonly serviceName: string;
  /** Metric the SLA breach handler emits once per recorded breach. */
  readonly slaBreachMetricName: string;
  /** @default Duration.minutes(5) */
  readonly period?: Duration;
}

/**
 * Alarms to an encrypted SNS topic with the ops mail subscription. Each `watch*` call adds the
 * alarms for one resource, so the stack decides what is watched and the construct decides how.
 */
export class DeskAlarms extends Construct {
  public readonly topic: sns.Topic;
  public readonly alarms: cloudwatch.Alarm[] = [];
  private readonly action: cwActions.SnsAction;
  private readonly period: Duration;

  public constructor(scope: Construct, id: string, props: DeskAlarmsProps) {
    super(scope, id);
    this.period = props.period ?? Duration.minutes(5);

    const key = new kms.Key(this, 'TopicKey', {
      description: 'Encrypts the sesdesk alarm topic',
      enableKeyRotation: true,
    });
    // CloudWatch publishes to an encrypted topic only if the key lets it (AWS managed
    // aws/sns cannot be granted to CloudWatch, hence a customer managed key).
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        // In a key policy "*" means this key.
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
    );

    this.topic = new sns.Topic(this, 'Topic', {
      // The sender name of the alarm mail: tells staging's alarms from production's.
      displayName: `${props.serviceName} alarms`,
      masterKey: key,
      enforceSSL: true,
    });
    this.topic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
    this.action = new cwActions.SnsAction(this.topic);

    this.add(
      'SlaBreaches',
      new cloudwatch.Metric({
        namespace: props.metricsNamespace,
        metricName: props.slaBreachMetricName,
        dimensionsMap: { service: props.serviceName },
        statistic: cloudwatch.Stats.SUM,
        period: this.period,
      }),
      'A ticket missed an SLA target (recorded by the sla-breach handler).',
    );
  }

  /** Alarms when any message waits in a dead-letter queue. */
  public watchDeadLetterQueue(id: string, queue: sqs.IQueue): void {
    this.add(
      `${id}Depth`,
      queue.metricApproximateNumberOfMessagesVisible({ statistic: cloudwatch.Stats.MAXIMUM, period: Duration.minutes(1) }),
      `Messages in dead-letter queue ${id}: something failed for good; see docs/operations.md "Redrive a DLQ".`,
    );
  }

  /** Alarms on any error and any throttle of the function. */
  public watchFunction(id: string, fn: lambda.IFunction): void {
    this.add(`${id}Errors`, fn.metricErrors({ period: this.period, statistic: cloudwatch.Stats.SUM }), `${id} returned errors.`);
    this.add(`${id}Throttles`, fn.metricThrottles({ period: this.period, statistic: cloudwatch.Stats.SUM }), `${id} was throttled.`);
  }

  private add(id: string, metric: cloudwatch.IMetric, description: string): void {
    const alarm = new cloudwatch.Alarm(this, id, {
      metric,
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: description,
    });
    alarm.addAlarmAction(this.action);
    alarm.addOkAction(this.action);
    this.alarms.push(alarm);
  }
}
