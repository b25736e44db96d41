import { App, type AppProps, type IPolicyValidationPlugin, Validations } from 'aws-cdk-lib';
import { CONTEXT_KEY, loadDeployConfig, type LoadOptions } from './config';
import featureFlags from './feature-flags.json';
import { RegionStage } from './stages/region-stage';

/**
 * The CDK feature flags, all in lib/feature-flags.json: aws-cdk-lib's recommended flags
 * (`recommended-feature-flags.json` of the installed version), set here rather than in cdk.json so
 * tests and `cdk synth` build the same templates. A flag changes what a construct synthesizes,
 * so the list is a copy, not read from aws-cdk-lib at synth time: upgrading aws-cdk-lib cannot
 * change a deployed stack by itself. test/infra/feature-flags.test.ts fails when the installed
 * aws-cdk-lib recommends flags the copy lacks; take them in after reading the template diff.
 */
export const FEATURE_FLAGS: Readonly<Record<string, unknown>> = featureFlags;

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
      new RegionStage(app, desk.names.stage, {
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
