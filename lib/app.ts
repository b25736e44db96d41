import { App, type AppProps, type IPolicyValidationPlugin, Validations } from 'aws-cdk-lib';
import { CONTEXT_KEY, loadDeployConfig, type LoadOptions } from './config';
import { stageName } from './names';
import { RegionStage } from './stages/region-stage';

/** Behaviour the stacks rely on, set here so tests and `cdk synth` agree without cdk.json. */
const FEATURE_FLAGS = {
  // Grant S3 log delivery through the bucket policy instead of the legacy ACL.
  '@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy': true,
  '@aws-cdk/aws-iam:minimizePolicies': true,
};

export interface SesdeskApp {
  readonly app: App;
  readonly stages: readonly RegionStage[];
}

/**
 * Builds the app: one RegionStage per region in the `sesdesk` context. Without credentials
 * the account stays unresolved (CDK_DEFAULT_ACCOUNT unset), which synth accepts.
 */
export function buildApp(props: AppProps = {}, options: LoadOptions = {}): SesdeskApp {
  const app = new App({ ...props, context: { ...FEATURE_FLAGS, ...props.context } });
  const config = loadDeployConfig(app.node.tryGetContext(CONTEXT_KEY), options);
  const stages = config.regions.map(
    (desk) =>
      new RegionStage(app, stageName(desk.region), {
        env: { account: desk.account ?? process.env.CDK_DEFAULT_ACCOUNT, region: desk.region },
        desk,
      }),
  );
  if (app.node.tryGetContext(NAG_CONTEXT_KEY) === true || app.node.tryGetContext(NAG_CONTEXT_KEY) === 'true') {
    // cdk-nag is a dev dependency: loaded only when asked for (`cdk synth -c sesdesk:nag=true`).
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a dev dependency, loaded only when asked for (above)
    const { AwsSolutionsChecks } = require('cdk-nag') as { AwsSolutionsChecks: new (scope: App) => IPolicyValidationPlugin };
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  }
  return { app, stages };
}

/** Context switch that runs cdk-nag (AwsSolutions) as a synth-time validation plugin. */
export const NAG_CONTEXT_KEY = 'sesdesk:nag';
