import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { join } from 'node:path';
import { METRICS_NAMESPACE, POWERTOOLS_SERVICE_NAME } from '../names';
import { afterBundlingCommands, deferredAliases, HANDLER_BUNDLING } from './handler-bundling';

const REPO_ROOT = join(__dirname, '..', '..');

export interface DeskFunctionProps {
  /** Handler file relative to the repo root, exporting `handler`. */
  readonly entry: string;
  /** Physical function name (fixed so ARNs can be known before the function exists). */
  readonly functionName: string;
  readonly description: string;
  /** @default 256 */
  readonly memorySize?: number;
  /** @default Duration.seconds(30) */
  readonly timeout?: Duration;
  /** @default - none besides the Powertools variables */
  readonly environment?: Readonly<Record<string, string>>;
  /**
   * Lambda retries of a failed async invocation before the event goes to the failure queue.
   * @default 2
   */
  readonly retryAttempts?: number;
  /** @default logs.RetentionDays.THREE_MONTHS */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * One sesdesk handler: a NodejsFunction (arm64, Node 24, bundled by the local esbuild as
 * `HANDLER_BUNDLING` says; the source map ships beside the code but is not loaded, see
 * docs/operations.md), its own log group and role (no AWS managed policy), and an on-failure
 * destination queue that catches every async invocation Lambda gave up on.
 */
export class DeskFunction extends Construct {
  public readonly function: NodejsFunction;
  /** Where failed async invocations land (redrive from here, see docs/operations.md). */
  public readonly failureQueue: sqs.Queue;
  public readonly logGroup: logs.LogGroup;

  public constructor(scope: Construct, id: string, props: DeskFunctionProps) {
    super(scope, id);

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName: `/aws/lambda/${props.functionName}`,
      retention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of ${props.functionName}`,
    });
    // Explicit log permissions on this function's own group instead of the managed
    // AWSLambdaBasicExecutionRole, which allows writing to every log group.
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );

    this.failureQueue = new sqs.Queue(this, 'FailureQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.failureQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is itself the dead-letter destination (Lambda on-failure destination); ops redrive it by hand.',
    });

    this.function = new NodejsFunction(this, 'Function', {
      entry: join(REPO_ROOT, props.entry),
      handler: 'handler',
      functionName: props.functionName,
      description: props.description,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout ?? Duration.seconds(30),
      role,
      logGroup: this.logGroup,
      projectRoot: REPO_ROOT,
      depsLockFilePath: join(REPO_ROOT, 'package-lock.json'),
      environment: {
        POWERTOOLS_SERVICE_NAME,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        ...props.environment,
      },
      bundling: {
        ...HANDLER_BUNDLING,
        mainFields: [...HANDLER_BUNDLING.mainFields],
        externalModules: [...HANDLER_BUNDLING.externalModules],
        esbuildArgs: { '--alias': Object.entries(deferredAliases()).map(([name, shim]) => `${name}=${shim}`) },
        forceDockerBundling: false,
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          afterBundling: (_inputDir: string, outputDir: string) => afterBundlingCommands(outputDir),
        },
      },
      retryAttempts: props.retryAttempts ?? 2,
      onFailure: new destinations.SqsDestination(this.failureQueue),
    });
  }
}
