import { ArnFormat, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { wildcardResourceFinding } from '../nag';

export interface SlaTimersProps {
  /** @default 'sesdesk-timers' */
  readonly scheduleGroupName?: string;
  /** Physical name of the function that handles SLA breach timers. */
  readonly slaBreachFunctionName: string;
  /** Physical name of the function that handles follow-up timers. */
  readonly followUpFunctionName: string;
}

/**
 * EventBridge Scheduler plumbing for ticket timers: the schedule group, the execution role
 * Scheduler assumes (it may invoke only the two timer functions and write to the timer DLQ),
 * and the DLQ for timers Scheduler could not deliver. `grantScheduling(fn)` gives a function
 * everything it needs to arm and cancel timers in one call.
 */
export class SlaTimers extends Construct {
  public readonly scheduleGroup: scheduler.ScheduleGroup;
  public readonly scheduleGroupName: string;
  public readonly schedulerRole: iam.Role;
  public readonly deadLetterQueue: sqs.Queue;
  public readonly slaBreachFunctionArn: string;
  public readonly followUpFunctionArn: string;

  public constructor(scope: Construct, id: string, props: SlaTimersProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const groupName = props.scheduleGroupName ?? 'sesdesk-timers';
    this.scheduleGroupName = groupName;

    // Pending schedules die with the group: a removed region must not keep firing timers
    // into functions that no longer exist.
    this.scheduleGroup = new scheduler.ScheduleGroup(this, 'Group', {
      scheduleGroupName: groupName,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is itself the dead-letter queue of the Scheduler targets (DeadLetterConfig); ops redrive it by hand.',
    });

    // ARNs from the fixed names, not from the functions: the functions carry each other's ARN
    // in their environment, which would otherwise be a reference cycle.
    const functionArn = (name: string): string =>
      stack.formatArn({ service: 'lambda', resource: 'function', resourceName: name, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    this.slaBreachFunctionArn = functionArn(props.slaBreachFunctionName);
    this.followUpFunctionArn = functionArn(props.followUpFunctionName);

    this.schedulerRole = new iam.Role(this, 'SchedulerRole', {
      description: 'Assumed by EventBridge Scheduler to deliver sesdesk ticket timers',
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: {
          // Confused-deputy guard: only Scheduler acting for this account and this group.
          StringEquals: {
            'aws:SourceAccount': stack.account,
            'aws:SourceArn': stack.formatArn({
              service: 'scheduler',
              resource: 'schedule-group',
              resourceName: groupName,
              arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
            }),
          },
        },
      }),
    });
    this.schedulerRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ['lambda:InvokeFunction'],
        resources: [this.slaBreachFunctionArn, this.followUpFunctionArn],
      }),
    );
    this.schedulerRole.addToPolicy(
      new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.deadLetterQueue.queueArn] }),
    );
  }

  /** ARN of schedules in the group (`*` for all of them). */
  public scheduleArn(scheduleName: string): string {
    return Stack.of(this).formatArn({
      service: 'scheduler',
      resource: 'schedule',
      resourceName: `${this.scheduleGroupName}/${scheduleName}`,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
  }

  /**
   * Lets `fn` arm and cancel ticket timers: create/delete schedules in this group only, pass
   * the Scheduler role (to Scheduler only), and the environment the timer adapter reads.
   */
  public grantScheduling(fn: lambda.Function): void {
    // The group must exist before a function can create schedules in it.
    fn.node.addDependency(this.scheduleGroup);
    fn.addEnvironment('SCHEDULE_GROUP', this.scheduleGroupName);
    fn.addEnvironment('SCHEDULER_ROLE_ARN', this.schedulerRole.roleArn);
    fn.addEnvironment('SLA_BREACH_FUNCTION_ARN', this.slaBreachFunctionArn);
    fn.addEnvironment('FOLLOW_UP_FUNCTION_ARN', this.followUpFunctionArn);
    fn.addEnvironment('TIMER_DLQ_ARN', this.deadLetterQueue.queueArn);
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['scheduler:CreateSchedule', 'scheduler:DeleteSchedule'],
        // Schedule names are per ticket (`<ticket>-<kind>-<version>`), so only the group prefix is fixed.
        resources: [this.scheduleArn('*')],
      }),
    );
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['iam:PassRole'],
        resources: [this.schedulerRole.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
      }),
    );
    if (fn.role) {
      Validations.of(fn.role).acknowledge({
        id: wildcardResourceFinding(this, this.scheduleArn('*')),
        reason: `Timer schedules are named per ticket at run time; the grant is limited to the ${this.scheduleGroupName} group and to Create/DeleteSchedule.`,
      });
    }
  }
}
