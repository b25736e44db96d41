import { CreateScheduleCommand, DeleteScheduleCommand, type SchedulerClient } from '@aws-sdk/client-scheduler';
import { InvalidInputError } from '../domain/errors';
import type { TimerRequest, TimerScheduler } from '../domain/ports';
import { errorName, toDomainError } from './sdk-errors';

export interface SchedulerRetryPolicy {
  maximumRetryAttempts: number;
  maximumEventAgeInSeconds: number;
}

export interface EventBridgeSchedulerTimersOptions {
  client: SchedulerClient;
  groupName: string;
  /** Role Scheduler assumes to invoke the target functions. */
  roleArn: string;
  /** Function ARN per timer kind (`breach`, `warning`, `update`, ...), or a chooser. */
  targets: Readonly<Record<string, string>> | ((kind: string) => string | undefined);
  /** Queue for invocations that failed every retry. */
  deadLetterArn: string;
  retry: SchedulerRetryPolicy;
}

const NAME_RE = /^[0-9a-zA-Z\-_.]{1,64}$/;

/**
 * `at(yyyy-mm-ddThh:mm:ss)` in UTC. Scheduler has whole seconds; rounding up means a timer
 * never fires before its deadline (it may fire up to a minute late anyway).
 */
export function atExpression(at: Date): string {
  const ms = at.getTime();
  if (!Number.isFinite(ms)) throw new InvalidInputError('timer at: not a valid date');
  const rounded = new Date(Math.ceil(ms / 1000) * 1000);
  return `at(${rounded.toISOString().slice(0, 19)})`;
}

/**
 * {@link TimerScheduler} over EventBridge Scheduler: one one-time schedule per timer, deleted
 * by Scheduler after it runs. Arming twice with the same name (a retried use case) and
 * cancelling a schedule that is gone (it ran, or was never made) both succeed.
 */
export class EventBridgeSchedulerTimers implements TimerScheduler {
  public constructor(private readonly options: EventBridgeSchedulerTimersOptions) {}

  private targetFor(kind: string): string {
    const t = this.options.targets;
    const arn = typeof t === 'function' ? t(kind) : Object.prototype.hasOwnProperty.call(t, kind) ? t[kind] : undefined;
    if (!arn) throw new InvalidInputError(`timer kind "${kind}": no target function configured`);
    return arn;
  }

  public async arm(timer: TimerRequest): Promise<void> {
    if (!NAME_RE.test(timer.name)) {
      throw new InvalidInputError(`timer name ${JSON.stringify(timer.name)}: must be 1-64 characters of [0-9a-zA-Z-_.]`);
    }
    const { groupName, roleArn, deadLetterArn, retry } = this.options;
    const command = new CreateScheduleCommand({
      Name: timer.name,
      GroupName: groupName,
      Description: `sesdesk ${timer.kind} timer for ${timer.ticketId}`,
      ScheduleExpression: atExpression(timer.at),
      ScheduleExpressionTimezone: 'UTC',
      FlexibleTimeWindow: { Mode: 'OFF' },
      ActionAfterCompletion: 'DELETE',
      State: 'ENABLED',
      Target: {
        Arn: this.targetFor(timer.kind),
        RoleArn: roleArn,
        Input: JSON.stringify(timer.payload),
        RetryPolicy: {
          MaximumRetryAttempts: retry.maximumRetryAttempts,
          MaximumEventAgeInSeconds: retry.maximumEventAgeInSeconds,
        },
        DeadLetterConfig: { Arn: deadLetterArn },
      },
    });
    try {
      await this.options.client.send(command);
    } catch (error) {
      // Names are deterministic per ticket, kind and version: a conflict is our own earlier try.
      if (errorName(error) === 'ConflictException') return;
      throw toDomainError(error, { what: `arm timer ${timer.name}` });
    }
  }

  public async cancel(name: string): Promise<void> {
    try {
      await this.options.client.send(new DeleteScheduleCommand({ Name: name, GroupName: this.options.groupName }));
    } catch (error) {
      // Already fired (ActionAfterCompletion DELETE) or cancelled by an earlier try.
      if (errorName(error) === 'ResourceNotFoundException') return;
      throw toDomainError(error, { what: `cancel timer ${name}` });
    }
  }
}
