/**
 * Physical names and output names shared by the stacks, the CLI (`--region R` reads the stack
 * outputs) and the docs. They are a contract: renaming one breaks deployed regions.
 */
export const INBOUND_PREFIX = 'inbound/';
export const RECEIPT_RULE_SET_NAME = 'sesdesk-inbound';
export const RECEIPT_RULE_NAME = 'sesdesk-ingest';
export const SCHEDULE_GROUP_NAME = 'sesdesk-timers';
/** Fixed so the stateless stack can scope IAM to it without a cross-stack token. */
export const TABLE_NAME = 'sesdesk-tickets';

/** Bucket names are global: account and region make it unique. */
export function rawMailBucketName(account: string, region: string): string {
  return `sesdesk-raw-mail-${account}-${region}`;
}

/** Fixed so each function can know the other timer function's ARN without a reference cycle. */
export const FUNCTION_NAMES = {
  ingestEmail: 'sesdesk-ingest-email',
  slaBreach: 'sesdesk-sla-breach',
  followUp: 'sesdesk-follow-up',
} as const;

/** Powertools service and namespace; the SLA breach alarm watches METRIC_NAMES.slaBreaches there. */
export const POWERTOOLS_SERVICE_NAME = 'sesdesk';
export const METRICS_NAMESPACE = 'Sesdesk';
export const METRIC_NAMES = { slaBreaches: 'SlaBreaches' } as const;

export function stageName(region: string): string {
  return `sesdesk-${region}`;
}

export function statefulStackName(region: string): string {
  return `sesdesk-${region}-stateful`;
}

export function statelessStackName(region: string): string {
  return `sesdesk-${region}-stateless`;
}

/** CloudFormation output keys and their export names per region. */
export const OUTPUTS = {
  tableName: 'TableName',
  rawMailBucket: 'RawMailBucketName',
  region: 'Region',
  scheduleGroup: 'ScheduleGroupName',
} as const;

export function exportName(region: string, output: (typeof OUTPUTS)[keyof typeof OUTPUTS]): string {
  return `sesdesk-${region}-${output}`;
}
