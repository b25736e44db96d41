import { Stage, type StageProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { RegionDeployConfig } from '../config';
import { StatefulStack } from '../stacks/stateful-stack';
import { StatelessStack } from '../stacks/stateless-stack';

export interface RegionStageProps extends StageProps {
  readonly desk: RegionDeployConfig;
}

/** One support desk in one region: its data stays in that region. */
export class RegionStage extends Stage {
  public readonly stateful: StatefulStack;
  public readonly stateless: StatelessStack;

  public constructor(scope: Construct, id: string, props: RegionStageProps) {
    super(scope, id, props);
    const { desk } = props;
    this.stateful = new StatefulStack(this, 'Stateful', {
      stackName: desk.names.statefulStack,
      description: `${desk.names.stage}: tickets table, raw mail, reply-token key (retained)`,
      desk,
    });
    this.stateless = new StatelessStack(this, 'Stateless', {
      stackName: desk.names.statelessStack,
      description: `${desk.names.stage}: handlers, SES receipt rules, timers, alarms`,
      desk,
      replyTokenSecret: this.stateful.replyTokenSecret,
      mailIdentityArn: this.stateful.mailIdentityArn,
    });
    // The functions need the table and bucket, which they reach by fixed name.
    this.stateless.addStackDependency(this.stateful);
  }
}
