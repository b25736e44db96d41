import type { Command } from 'commander';
import { rmSync } from 'node:fs';
import { DEFAULT_DATA_DIR, stackInfoPath } from '../../local/stack-info';
import { defaultLocalConfig } from '../../local/local-config';
import { runLocalStack } from '../../local/run-stack';
import { UsageError } from '../usage-error';

export function registerStart(program: Command): void {
  program
    .command('start')
    .description('run the local stack in the foreground (DynamoDB Local, local S3, local SES + viewer, SMTP inbound)')
    .option('--data-dir <dir>', 'where data persists across restarts', DEFAULT_DATA_DIR)
    .option('--smtp-port <port>', 'SMTP listener port', '2525')
    .option('--host <host>', 'address every part listens on', '127.0.0.1')
    .option('--policy <preset-or-file>', 'SLA policy: a preset (facs, fairfax, faxguys, platform) or a JSON file', 'platform')
    .action(async (opts: { dataDir: string; smtpPort: string; host: string; policy: string }) => {
      const port = Number(opts.smtpPort);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--smtp-port: "${opts.smtpPort}" is not a port number`);
      let config;
      try {
        config = defaultLocalConfig(opts.policy);
      } catch (error) {
        throw new UsageError(`--policy ${opts.policy}: ${error instanceof Error ? error.message : String(error)}`);
      }
      const stack = await runLocalStack({ dataDir: opts.dataDir, smtpPort: port, host: opts.host, config });
      const { info } = stack;
      process.stdout.write(
        [
          'sesdesk local stack is running (Ctrl-C to stop)',
          `  SMTP inbound (plays SES):  ${info.smtp.host}:${info.smtp.port}   mail to ${info.supportAddress}`,
          `  SES mail viewer:           ${info.sesViewerUrl}`,
          `  SES API (outbound):        ${info.endpoints.ses}`,
          `  DynamoDB Local:            ${info.endpoints.dynamodb}   table ${info.tableName}`,
          `  S3 (s3rver):               ${info.endpoints.s3}   bucket ${info.bucket}`,
          `  data dir:                  ${opts.dataDir}`,
          '',
        ].join('\n'),
      );
      await new Promise<void>((resolve) => {
        const shutdown = () => {
          process.stdout.write('\nstopping...\n');
          stack
            .stop()
            .catch((error: unknown) => process.stderr.write(`error while stopping: ${String(error)}\n`))
            .finally(() => {
              rmSync(stackInfoPath(opts.dataDir), { force: true });
              resolve();
            });
        };
        process.once('SIGINT', shutdown);
        process.once('SIGTERM', shutdown);
      });
    });
}
