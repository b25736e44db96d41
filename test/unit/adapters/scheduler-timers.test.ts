import 'aws-sdk-client-mock-jest';
import { mockClient } from 'aws-sdk-client-mock';
import {
  ConflictException,
  CreateScheduleCommand,
  DeleteScheduleCommand,
  InternalServerException,
  ResourceNotFoundException,
  SchedulerClient,
  ThrottlingException,
  ValidationException,
} from '@aws-sdk/client-scheduler';
import { atExpression, EventBridgeSchedulerTimers } from '../../../lambdas/adapters/scheduler-timers';
import { InvalidInputError, NotFoundError, TransientError } from '../../../lambdas/domain/errors';
import type { TimerRequest } from '../../../lambdas/domain/ports';

const client = new SchedulerClient({ region: 'eu-west-1' });
const scheduler = mockClient(client);

const BREACH_FN = 'arn:aws:lambda:eu-west-1:111122223333:function:sesdesk-sla-breach';
const FOLLOW_UP_FN = 'arn:aws:lambda:eu-west-1:111122223333:function:sesdesk-follow-up';
const ROLE = 'arn:aws:iam::111122223333:role/sesdesk-scheduler';
const DLQ = 'arn:aws:sqs:eu-west-1:111122223333:sesdesk-timers-dlq';

const timers = (targets: ConstructorParameters<typeof EventBridgeSchedulerTimers>[0]['targets'] = { breach: BREACH_FN, warning: BREACH_FN, update: FOLLOW_UP_FN }) =>
  new EventBridgeSchedulerTimers({
    client,
    groupName: 'sesdesk-euw1',
    roleArn: ROLE,
    targets,
    deadLetterArn: DLQ,
    retry: { maximumRetryAttempts: 10, maximumEventAgeInSeconds: 3600 },
  });

const timer: TimerRequest = {
  name: 'EUW1-7-breach-3',
  ticketId: 'EUW1-7',
  kind: 'breach',
  at: new Date('2026-11-23T09:15:00.000Z'),
  payload: { ticketId: 'EUW1-7', kind: 'breach', target: 'firstResponse', due: '2026-11-23T09:15:00.000Z', version: 3 },
};

const sdkError = <T>(Ctor: new (o: { message: string; Message: string; $metadata: object }) => T, message = 'x') =>
  new Ctor({ message, Message: message, $metadata: {} });

beforeEach(() => scheduler.reset());

describe('atExpression', () => {
  it('is a UTC at() with whole seconds, rounded up so it never fires early', () => {
    expect(atExpression(new Date('2026-11-23T10:15:00+01:00'))).toBe('at(2026-11-23T09:15:00)');
    expect(atExpression(new Date('2026-11-23T09:15:00.001Z'))).toBe('at(2026-11-23T09:15:01)');
    expect(() => atExpression(new Date('nope'))).toThrow(InvalidInputError);
  });
});

describe('EventBridgeSchedulerTimers.arm', () => {
  it('sends exactly this CreateSchedule request', async () => {
    scheduler.on(CreateScheduleCommand).resolves({ ScheduleArn: 'arn:aws:scheduler:::schedule/sesdesk-euw1/EUW1-7-breach-3' });
    await timers().arm(timer);
    expect(scheduler).toHaveReceivedCommandTimes(CreateScheduleCommand, 1);
    expect(scheduler.commandCalls(CreateScheduleCommand)[0].args[0].input).toEqual({
      Name: 'EUW1-7-breach-3',
      GroupName: 'sesdesk-euw1',
      Description: 'sesdesk breach timer for EUW1-7',
      ScheduleExpression: 'at(2026-11-23T09:15:00)',
      ScheduleExpressionTimezone: 'UTC',
      FlexibleTimeWindow: { Mode: 'OFF' },
      ActionAfterCompletion: 'DELETE',
      State: 'ENABLED',
      Target: {
        Arn: BREACH_FN,
        RoleArn: ROLE,
        Input: '{"ticketId":"EUW1-7","kind":"breach","target":"firstResponse","due":"2026-11-23T09:15:00.000Z","version":3}',
        RetryPolicy: { MaximumRetryAttempts: 10, MaximumEventAgeInSeconds: 3600 },
        DeadLetterConfig: { Arn: DLQ },
      },
    });
  });

  it('picks the target by kind, from a map or a function', async () => {
    scheduler.on(CreateScheduleCommand).resolves({ ScheduleArn: 'arn' });
    await timers().arm({ ...timer, name: 'EUW1-7-update-4', kind: 'update' });
    await timers((kind) => (kind === 'reminder' ? FOLLOW_UP_FN : undefined)).arm({ ...timer, name: 'EUW1-7-reminder-5', kind: 'reminder' });
    const arns = scheduler.commandCalls(CreateScheduleCommand).map((c) => c.args[0].input.Target?.Arn);
    expect(arns).toEqual([FOLLOW_UP_FN, FOLLOW_UP_FN]);
  });

  it('refuses a kind without a target and a name Scheduler would reject, without calling AWS', async () => {
    await expect(timers().arm({ ...timer, kind: 'auto-close' })).rejects.toThrow('timer kind "auto-close": no target function configured');
    await expect(timers().arm({ ...timer, name: 'EUW1 7#breach' })).rejects.toThrow(InvalidInputError);
    await expect(timers().arm({ ...timer, name: 'x'.repeat(65) })).rejects.toThrow(InvalidInputError);
    expect(scheduler).toHaveReceivedCommandTimes(CreateScheduleCommand, 0);
  });

  it('treats a name conflict as success (a retry of the same arm)', async () => {
    scheduler.on(CreateScheduleCommand).rejects(sdkError(ConflictException, 'Schedule EUW1-7-breach-3 already exists.'));
    await expect(timers().arm(timer)).resolves.toBeUndefined();
  });

  it.each([
    ['throttling', () => sdkError(ThrottlingException), TransientError],
    ['a server error', () => sdkError(InternalServerException), TransientError],
    ['a validation error', () => sdkError(ValidationException, 'bad expression'), InvalidInputError],
    ['a missing group', () => sdkError(ResourceNotFoundException, 'Schedule group sesdesk-euw1 does not exist.'), NotFoundError],
  ])('turns %s into a domain error', async (_name, make, Expected) => {
    scheduler.on(CreateScheduleCommand).rejects(make());
    const err = await timers().arm(timer).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Expected);
    expect((err as Error).message).toContain('arm timer EUW1-7-breach-3');
  });
});

describe('EventBridgeSchedulerTimers.cancel', () => {
  it('sends exactly this DeleteSchedule request', async () => {
    scheduler.on(DeleteScheduleCommand).resolves({});
    await timers().cancel('EUW1-7-breach-3');
    expect(scheduler).toHaveReceivedCommandTimes(DeleteScheduleCommand, 1);
    expect(scheduler.commandCalls(DeleteScheduleCommand)[0].args[0].input).toEqual({ Name: 'EUW1-7-breach-3', GroupName: 'sesdesk-euw1' });
  });

  it('treats a missing schedule as success (it already fired or was cancelled)', async () => {
    scheduler.on(DeleteScheduleCommand).rejects(sdkError(ResourceNotFoundException, 'Schedule EUW1-7-breach-3 does not exist.'));
    await expect(timers().cancel('EUW1-7-breach-3')).resolves.toBeUndefined();
  });

  it('turns other failures into domain errors', async () => {
    scheduler.on(DeleteScheduleCommand).rejects(sdkError(ThrottlingException));
    await expect(timers().cancel('EUW1-7-breach-3')).rejects.toThrow(TransientError);
    scheduler.on(DeleteScheduleCommand).rejects(sdkError(ConflictException, 'being updated'));
    const err = await timers().cancel('EUW1-7-breach-3').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toContain('cancel timer EUW1-7-breach-3');
  });
});
