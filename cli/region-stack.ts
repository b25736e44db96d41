import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { deskNames, INBOUND_PREFIX, OUTPUTS, type DeskPlace } from '../lib/names';

/** What the CLI needs of a deployed region, read from its stacks' outputs (`--region R`). */
export interface RegionStack {
  region: string;
  tableName: string;
  bucket: string;
  inboundPrefix: string;
  scheduleGroup: string | null;
}

async function outputsOf(client: CloudFormationClient, stackName: string): Promise<Map<string, string>> {
  const out = await client.send(new DescribeStacksCommand({ StackName: stackName }));
  const stack = out.Stacks?.[0];
  if (!stack) throw new Error(`stack ${stackName} not found`);
  return new Map((stack.Outputs ?? []).map((o) => [o.OutputKey ?? '', o.OutputValue ?? '']));
}

/**
 * Resolves a deployed region's table and bucket from its stack outputs, with the caller's AWS
 * credentials (the functions' roles cannot list the bucket; operators can).
 */
export async function resolveRegionStack(desk: string | DeskPlace, client?: CloudFormationClient): Promise<RegionStack> {
  const place = typeof desk === 'string' ? { region: desk } : desk;
  const region = place.region;
  const names = deskNames(place);
  client ??= new CloudFormationClient({ region });
  try {
    const stateful = await outputsOf(client, names.statefulStack);
    const tableName = stateful.get(OUTPUTS.tableName);
    const bucket = stateful.get(OUTPUTS.rawMailBucket);
    const missing = [...(tableName ? [] : [OUTPUTS.tableName]), ...(bucket ? [] : [OUTPUTS.rawMailBucket])];
    if (!tableName || !bucket) throw new Error(`stack ${names.statefulStack} has no ${missing.join(' or ')} output`);
    const stateless = await outputsOf(client, names.statelessStack).catch(() => new Map<string, string>());
    return { region, tableName, bucket, inboundPrefix: INBOUND_PREFIX, scheduleGroup: stateless.get(OUTPUTS.scheduleGroup) ?? null };
  } catch (error) {
    throw new Error(`cannot read the sesdesk stacks of ${place.environment ? `${region} (environment ${place.environment})` : region}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  } finally {
    client.destroy();
  }
}
