import type { Command } from 'commander';
import { resolve } from 'node:path';
import { IANAZone } from 'luxon';
import { createDynamoDbClients, createS3Client } from '../../lambdas/adapters/clients';
import { dynamoDbDeskSource } from '../../desk/desk-source';
import { regionDeskSettings } from '../../desk/region-settings';
import { startDeskServer } from '../../desk/server';
import { resolveRegionStack } from '../region-stack';
import { UsageError } from '../usage-error';

/** `sesdesk desk` listens here unless told otherwise (`sesdesk start` serves the local one on 4280). */
export const DEFAULT_REGION_DESK_PORT = 4281;

/**
 * `sesdesk desk --region R`: the desk page of a deployed region, served on this machine with
 * the operator's AWS credentials (read-only: Query/GetItem on the table, GetObject on the
 * bucket; docs/desk.md lists the IAM actions). Nothing is deployed and nothing public listens.
 */
export function registerDesk(program: Command): void {
  program
    .command('desk')
    .description('serve the desk page (queue, tickets, SLA report) of a deployed region on localhost, read-only')
    .requiredOption('--region <region>', 'the deployed region (its stack outputs name the table and bucket)')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port to listen on (0: a free one)', String(DEFAULT_REGION_DESK_PORT))
    .option('--config <cdk.json>', 'deploy config giving the region\'s SLA policy (time zone, priorities)', 'cdk.json')
    .option('--time-zone <zone>', 'show times in this IANA zone instead of the policy\'s')
    .option('--poll <seconds>', 'how often the page refreshes', '10')
    .action(async (opts: { region: string; host: string; port: string; config: string; timeZone?: string; poll: string }) => {
      const port = Number(opts.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port: "${opts.port}" is not a port number`);
      const poll = Number(opts.poll);
      if (!Number.isFinite(poll) || poll < 1 || poll > 3600) throw new UsageError(`--poll: "${opts.poll}" is not a number of seconds from 1 to 3600`);
      if (opts.timeZone && !IANAZone.isValidZone(opts.timeZone)) throw new UsageError(`--time-zone: "${opts.timeZone}" is not an IANA time zone`);
      const settings = regionDeskSettings(opts.region, resolve(opts.config));
      const stack = await resolveRegionStack(opts.region);
      const { doc } = createDynamoDbClients({ region: opts.region });
      const desk = await startDeskServer(
        dynamoDbDeskSource({
          label: `${opts.region} (read-only)`,
          doc,
          s3: createS3Client({ region: opts.region }),
          tableName: stack.tableName,
          bucket: stack.bucket,
          now: () => new Date(),
          timeZone: opts.timeZone ?? settings.timeZone,
          priorities: settings.priorities,
          ticketPrefix: settings.ticketPrefix,
          pollMs: poll * 1000,
        }),
        { host: opts.host, port },
      );
      process.stdout.write(
        [
          `sesdesk desk page of ${opts.region} (Ctrl-C to stop)`,
          `  Desk page:  ${desk.url}`,
          `  table ${stack.tableName}, bucket ${stack.bucket}; settings from ${settings.from}`,
          '',
        ].join('\n'),
      );
      await new Promise<void>((done) => {
        const stop = () => void desk.close().finally(done);
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });
}
