import { CloudFormationClient, CloudFormationServiceException, DescribeStacksCommand, type Output } from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import { resolveRegionStack } from '../../../cli/region-stack';
import { INBOUND_PREFIX, OUTPUTS, statefulStackName, statelessStackName } from '../../../lib/names';

/**
 * `--region R`: the CLI finds the deployed table, bucket and schedule group of a region from the
 * outputs of its two stacks (lib/names.ts names both the stacks and the output keys).
 */
const cfn = mockClient(CloudFormationClient);
const REGION = 'eu-west-1';
const STATEFUL = statefulStackName(REGION);
const STATELESS = statelessStackName(REGION);

const outputs = (values: Record<string, string>): Output[] => Object.entries(values).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue }));

const statefulOutputs = {
  [OUTPUTS.tableName]: 'sesdesk-tickets',
  [OUTPUTS.rawMailBucket]: 'sesdesk-raw-mail-123456789012-eu-west-1',
  [OUTPUTS.region]: REGION,
};

/** What CloudFormation answers for a stack name that does not exist. */
function stackDoesNotExist(name: string): CloudFormationServiceException {
  return new CloudFormationServiceException({
    name: 'ValidationError',
    $fault: 'client',
    $metadata: { httpStatusCode: 400 },
    message: `Stack with id ${name} does not exist`,
  });
}

function onStack(name: string) {
  return cfn.on(DescribeStacksCommand, { StackName: name });
}

beforeEach(() => cfn.reset());

describe('resolveRegionStack', () => {
  it('names the stacks after the region (the contract in lib/names.ts)', () => {
    expect(STATEFUL).toBe('sesdesk-eu-west-1-stateful');
    expect(STATELESS).toBe('sesdesk-eu-west-1-stateless');
  });

  it('maps the stateful and stateless stack outputs to table, bucket, prefix and schedule group', async () => {
    onStack(STATEFUL).resolves({ Stacks: [{ StackName: STATEFUL, CreationTime: new Date(), StackStatus: 'UPDATE_COMPLETE', Outputs: outputs(statefulOutputs) }] });
    onStack(STATELESS).resolves({
      Stacks: [{ StackName: STATELESS, CreationTime: new Date(), StackStatus: 'CREATE_COMPLETE', Outputs: outputs({ [OUTPUTS.scheduleGroup]: 'sesdesk-timers', Other: 'x' }) }],
    });

    const stack = await resolveRegionStack(REGION, new CloudFormationClient({ region: REGION }));

    expect(stack).toEqual({
      region: REGION,
      tableName: 'sesdesk-tickets',
      bucket: 'sesdesk-raw-mail-123456789012-eu-west-1',
      inboundPrefix: INBOUND_PREFIX,
      scheduleGroup: 'sesdesk-timers',
    });
    const asked = cfn.commandCalls(DescribeStacksCommand).map((c) => c.args[0].input.StackName);
    expect(asked.sort()).toEqual([STATEFUL, STATELESS].sort());
  });

  it('without an injected client, asks CloudFormation in the region it resolves', async () => {
    const other = 'ap-southeast-2';
    cfn.on(DescribeStacksCommand, { StackName: statefulStackName(other) }).resolves({
      Stacks: [{ StackName: statefulStackName(other), CreationTime: new Date(), StackStatus: 'CREATE_COMPLETE', Outputs: outputs(statefulOutputs) }],
    });

    const stack = await resolveRegionStack(other);

    expect(stack).toMatchObject({ region: other, tableName: 'sesdesk-tickets' });
    const calls = cfn.commandCalls(DescribeStacksCommand);
    expect(calls.length).toBeGreaterThan(0);
    for (const call of calls) {
      const client = call.thisValue as CloudFormationClient;
      expect(await client.config.region()).toBe(other);
    }
  });

  it('a missing stateful stack is an error naming the region and the stack', async () => {
    onStack(STATEFUL).rejects(stackDoesNotExist(STATEFUL));
    onStack(STATELESS).rejects(stackDoesNotExist(STATELESS));

    const failure = resolveRegionStack(REGION, new CloudFormationClient({ region: REGION }));
    await expect(failure).rejects.toThrow(`cannot read the sesdesk stacks of ${REGION}`);
    await expect(resolveRegionStack(REGION, new CloudFormationClient({ region: REGION }))).rejects.toThrow(STATEFUL);
  });

  it('keeps the SDK error as the cause of a missing stack', async () => {
    const sdkError = stackDoesNotExist(STATEFUL);
    onStack(STATEFUL).rejects(sdkError);
    const error = await resolveRegionStack(REGION, new CloudFormationClient({ region: REGION })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).cause).toBe(sdkError);
  });

  it('an empty DescribeStacks answer is a "not found" error naming the stack and the region', async () => {
    onStack(STATEFUL).resolves({ Stacks: [] });
    const error = (await resolveRegionStack(REGION, new CloudFormationClient({ region: REGION })).catch((e: unknown) => e)) as Error;
    expect(error.message).toContain(REGION);
    expect(error.message).toContain(`stack ${STATEFUL} not found`);
  });

  it.each([
    ['the bucket', OUTPUTS.rawMailBucket],
    ['the table', OUTPUTS.tableName],
  ])('a stateful stack without %s output is an error naming that output and the stack', async (_what, missing) => {
    const partial = Object.fromEntries(Object.entries(statefulOutputs).filter(([k]) => k !== missing));
    onStack(STATEFUL).resolves({ Stacks: [{ StackName: STATEFUL, CreationTime: new Date(), StackStatus: 'CREATE_COMPLETE', Outputs: outputs(partial) }] });
    onStack(STATELESS).resolves({ Stacks: [{ StackName: STATELESS, CreationTime: new Date(), StackStatus: 'CREATE_COMPLETE', Outputs: [] }] });

    const error = (await resolveRegionStack(REGION, new CloudFormationClient({ region: REGION })).catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toContain(REGION);
    expect(error.message).toContain(STATEFUL);
    expect(error.message).toContain(missing);
  });

  it('an output with an empty value counts as missing', async () => {
    onStack(STATEFUL).resolves({
      Stacks: [{ StackName: STATEFUL, CreationTime: new Date(), StackStatus: 'CREATE_COMPLETE', Outputs: outputs({ ...statefulOutputs, [OUTPUTS.tableName]: '' }) }],
    });
    await expect(resolveRegionStack(REGION, new CloudFormationClient({ region: REGION }))).rejects.toThrow(OUTPUTS.tableName);
  });

  it('the schedule group is optional: no stateless stack, or no output, gives null (table and bucket still resolve)', async () => {
    onStack(STATEFUL).resolves({ Stacks: [{ StackName: STATEFUL, CreationTime: new Date(), StackStatus: 'CREATE_COMPLETE', Outputs: outputs(statefulOutputs) }] });
    onStack(STATELESS).rejects(stackDoesNotExist(STATELESS));
    const noStateless = await resolveRegionStack(REGION, new CloudFormationClient({ region: REGION }));
    expect(noStateless).toMatchObject({ tableName: 'sesdesk-tickets', scheduleGroup: null });

    onStack(STATELESS).resolves({ Stacks: [{ StackName: STATELESS, CreationTime: new Date(), StackStatus: 'CREATE_COMPLETE', Outputs: outputs({ Other: 'x' }) }] });
    const noOutput = await resolveRegionStack(REGION, new CloudFormationClient({ region: REGION }));
    expect(noOutput.scheduleGroup).toBeNull();
  });

  it('destroys the client when done, after a failure too', async () => {
    onStack(STATEFUL).resolves({ Stacks: [{ StackName: STATEFUL, CreationTime: new Date(), StackStatus: 'CREATE_COMPLETE', Outputs: outputs(statefulOutputs) }] });
    const ok = new CloudFormationClient({ region: REGION });
    const okDestroy = jest.spyOn(ok, 'destroy');
    await resolveRegionStack(REGION, ok);
    expect(okDestroy).toHaveBeenCalledTimes(1);

    onStack(STATEFUL).resolves({ Stacks: [] });
    const bad = new CloudFormationClient({ region: REGION });
    const badDestroy = jest.spyOn(bad, 'destroy');
    await expect(resolveRegionStack(REGION, bad)).rejects.toThrow();
    expect(badDestroy).toHaveBeenCalledTimes(1);
  });
});
