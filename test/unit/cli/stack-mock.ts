import {
  DescribeStacksCommand,
  type CloudFormationClientResolvedConfig,
  type ServiceInputTypes,
  type ServiceOutputTypes,
} from '@aws-sdk/client-cloudformation';
import type { AwsStub } from 'aws-sdk-client-mock';
import { OUTPUTS, statefulStackName } from '../../../lib/names';

/**
 * CloudFormation as a CLI command with `--region` sees a deployed region: only the stateful
 * stack exists (the commands here need no stateless output), with its table and bucket outputs.
 */
export function mockStatefulStack(
  cfn: AwsStub<ServiceInputTypes, ServiceOutputTypes, CloudFormationClientResolvedConfig>,
  region: string,
  outputs: { table: string; bucket: string },
): void {
  cfn.on(DescribeStacksCommand).rejects(new Error('no such stack'));
  cfn.on(DescribeStacksCommand, { StackName: statefulStackName(region) }).resolves({
    Stacks: [
      {
        StackName: statefulStackName(region),
        CreationTime: new Date(),
        StackStatus: 'CREATE_COMPLETE',
        Outputs: [
          { OutputKey: OUTPUTS.tableName, OutputValue: outputs.table },
          { OutputKey: OUTPUTS.rawMailBucket, OutputValue: outputs.bucket },
        ],
      },
    ],
  });
}
