import { AssetHashType, DockerImage, Duration, type ILocalBundling, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { METRICS_NAMESPACE, POWERTOOLS_SERVICE_NAME } from '../names';

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
  /**
   * Powertools service name: the `service` dimension of the function's metrics.
   * @default 'sesdesk'
   */
  readonly serviceName?: string;
  /**
   * X-Ray active tracing (the region config's `tracing`).
   * @default false
   */
  readonly tracing?: boolean;
}

/**
 * One sesdesk handler: a Lambda function (arm64, Node 24) whose code is the asset
 * `bundleHandler` builds with the local esbuild (handler-bundling.ts; the source map ships
 * beside the code but is not loaded, see docs/operations.md), its own log group and role (no
 * AWS managed policy), and an on-failure destination queue that catches every async invocation
 * Lambda gave up on.
 */
export class DeskFunction extends Construct {
  public readonly function: lambda.Function;
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

    this.function = new lambda.Function(this, 'Function', {
      code: handlerCode(props.entry),
      handler: 'index.handler',
      functionName: props.functionName,
      description: props.description,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout ?? Duration.seconds(30),
      role,
      logGroup: this.logGroup,
      // Active tracing also gives the role xray:PutTraceSegments/PutTelemetryRecords.
      tracing: props.tracing ? lambda.Tracing.ACTIVE : lambda.Tracing.DISABLED,
      environment: {
        POWERTOOLS_SERVICE_NAME: props.serviceName ?? POWERTOOLS_SERVICE_NAME,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        ...props.environment,
      },
      retryAttempts: props.retryAttempts ?? 2,
      onFailure: new destinations.SqsDestination(this.failureQueue),
    });
    if (props.tracing) {
      Validations.of(role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'xray:PutTraceSegments and xray:PutTelemetryRecords have no resource-level permissions (X-Ray needs Resource "*").',
      });
    }
  }
}

/**
 * The function's code: the asset `bundleHandler` writes, hashed by its output as
 * NodejsFunction does. The bundler runs in a child process (bundle-handler-cli.ts) because
 * local bundling must be synchronous and esbuild plugins need its asynchronous API. There is
 * no Docker fallback: a failed bundle fails the synth with the bundler's message.
 */
function handlerCode(entry: string): lambda.Code {
  return lambda.Code.fromAsset(REPO_ROOT, {
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      // Required by the type, never pulled: local bundling either succeeds or throws.
      image: DockerImage.fromRegistry('public.ecr.aws/sam/build-nodejs24.x'),
      local: new LocalHandlerBundling(entry),
    },
  });
}

/**
 * Local bundling of one handler. `entry` is a field, not only captured by `tryBundle`: the CDK
 * caches bundled assets by a key made from the bundling options' data, and without it every
 * function of a stack would get the first function's bundle.
 */
class LocalHandlerBundling implements ILocalBundling {
  public constructor(public readonly entry: string) {}

  public tryBundle(outputDir: string): boolean {
    const report = execFileSync(process.execPath, ['--require', require.resolve('tsx/cjs'), join(__dirname, 'bundle-handler-cli.ts'), join(REPO_ROOT, this.entry), outputDir], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    // The bundle's file and size, beside the CDK's own "Bundling asset" line on stderr; written
    // from this process, so whoever runs the synth (the cdk CLI, a test) reads both the same way.
    process.stderr.write(report);
    return true;
  }
}
