/**
 * Physical names and output names shared by the stacks, the CLI (`--region R` reads the stack
 * outputs) and the docs. They are a contract: renaming one breaks deployed regions.
 *
 * A desk is placed by its region and, optionally, an environment name (`staging`): the desks of
 * two environments may share an account and a region, so every name that must be unique there
 * (stacks, exports, table, bucket, functions, their log groups, schedule group, receipt rule
 * set, the metrics' service dimension) carries the environment. A desk without one keeps the
 * names it always had (`sesdesk-tickets`, `sesdesk-us-east-1-stateful` ...).
 */
export const INBOUND_PREFIX = 'inbound/';

/** Where a desk runs: its region and, when several desks share an account and region, its environment. */
export interface DeskPlace {
  readonly region: string;
  /** Lowercase letters, digits and hyphens, at most {@link ENVIRONMENT_MAX_LENGTH} (see lib/config.ts). */
  readonly environment?: string;
}

/**
 * The longest environment name: the raw-mail bucket name (`sesdesk-<env>-raw-mail-<12-digit
 * account>-<region>`, regions up to 14 characters) must stay within S3's 63.
 */
export const ENVIRONMENT_MAX_LENGTH = 12;
export const ENVIRONMENT_PATTERN = /^[a-z](?:[a-z0-9-]*[a-z0-9])?$/;

/** CloudFormation output keys. */
export const OUTPUTS = {
  tableName: 'TableName',
  rawMailBucket: 'RawMailBucketName',
  region: 'Region',
  scheduleGroup: 'ScheduleGroupName',
} as const;
export type OutputKey = (typeof OUTPUTS)[keyof typeof OUTPUTS];

export interface DeskNames {
  /** `sesdesk` or `sesdesk-<environment>`: what every name below starts with. */
  readonly prefix: string;
  /** The CDK stage (and construct path) of the desk: `sesdesk[-env]-<region>`. */
  readonly stage: string;
  readonly statefulStack: string;
  readonly statelessStack: string;
  /** Fixed so the stateless stack can scope IAM to it without a cross-stack token. */
  readonly table: string;
  readonly receiptRuleSet: string;
  /** Unique within its rule set, which already carries the environment. */
  readonly receiptRule: string;
  readonly scheduleGroup: string;
  /** Fixed so each function can know the other timer function's ARN without a reference cycle. */
  readonly functions: { readonly ingestEmail: string; readonly slaBreach: string; readonly followUp: string };
  /** Powertools service name: the `service` dimension the SLA breach alarm watches. */
  readonly serviceName: string;
  /** Bucket names are global: account and region make it unique. */
  rawMailBucket(account: string): string;
  /** The export name of a stack output. */
  exportName(output: OutputKey): string;
}

/** Every physical name of the desk at `place`. */
export function deskNames(place: DeskPlace): DeskNames {
  const prefix = place.environment ? `sesdesk-${place.environment}` : 'sesdesk';
  const regional = `${prefix}-${place.region}`;
  return {
    prefix,
    stage: regional,
    statefulStack: `${regional}-stateful`,
    statelessStack: `${regional}-stateless`,
    table: `${prefix}-tickets`,
    receiptRuleSet: `${prefix}-inbound`,
    receiptRule: 'sesdesk-ingest',
    scheduleGroup: `${prefix}-timers`,
    functions: { ingestEmail: `${prefix}-ingest-email`, slaBreach: `${prefix}-sla-breach`, followUp: `${prefix}-follow-up` },
    serviceName: prefix,
    rawMailBucket: (account) => `${prefix}-raw-mail-${account}-${place.region}`,
    exportName: (output) => `${regional}-${output}`,
  };
}

/** The names of a desk without environment, as constants (the local stack and tests use them). */
const DEFAULT = deskNames({ region: '' });
export const RECEIPT_RULE_SET_NAME = DEFAULT.receiptRuleSet;
export const RECEIPT_RULE_NAME = DEFAULT.receiptRule;
export const SCHEDULE_GROUP_NAME = DEFAULT.scheduleGroup;
export const TABLE_NAME = DEFAULT.table;
export const FUNCTION_NAMES = DEFAULT.functions;

/** Powertools namespace; the SLA breach alarm watches METRIC_NAMES.slaBreaches there (per service name). */
export const POWERTOOLS_SERVICE_NAME = DEFAULT.serviceName;
export const METRICS_NAMESPACE = 'Sesdesk';
export const METRIC_NAMES = { slaBreaches: 'SlaBreaches' } as const;

export function rawMailBucketName(account: string, region: string, environment?: string): string {
  return deskNames({ region, environment }).rawMailBucket(account);
}

export function stageName(region: string, environment?: string): string {
  return deskNames({ region, environment }).stage;
}

export function statefulStackName(region: string, environment?: string): string {
  return deskNames({ region, environment }).statefulStack;
}

export function statelessStackName(region: string, environment?: string): string {
  return deskNames({ region, environment }).statelessStack;
}

export function exportName(region: string, output: OutputKey, environment?: string): string {
  return deskNames({ region, environment }).exportName(output);
}

/** The default ticket id prefix of a region: us-east-1 -> USE1, eu-west-1 -> EUW1, ap-southeast-2 -> APS2. */
export function ticketPrefixForRegion(region: string): string {
  const [area, direction, number] = region.split('-');
  return `${area}${direction?.charAt(0) ?? ''}${number ?? ''}`.toUpperCase();
}
