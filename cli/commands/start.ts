import type { Command } from 'commander';
import { rmSync } from 'node:fs';
import { DEFAULT_DATA_DIR, stackInfoPath } from '../../local/stack-info';
import { defaultLocalConfig } from '../../local/local-config';
import { assertPortFree, PortInUseError } from '../../local/ports';
import { runLocalStack } from '../../local/run-stack';
import { UsageError } from '../usage-error';

/** Where `sesdesk start` serves the desk page unless told otherwise (`sesdesk desk` uses the next port). */
export const DEFAULT_DESK_PORT = 4280;

function portNumber(option: string, text: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`${option}: "${text}" is not a port number`);
  return port;
}

export function registerStart(program: Command): void {
  program
    .command('start')
    .description('run the local stack in the foreground (DynamoDB Local, local S3, local SES + viewer, SMTP inbound)')
    .option('--data-dir <dir>', 'where data persists across restarts', DEFAULT_DATA_DIR)
    .option('--smtp-port <port>', 'SMTP listener port', '2525')
    .option('--host <host>', 'address every part listens on', '127.0.0.1')
    .option('--policy <preset-or-file>', 'SLA policy: a preset (facs, fairfax, faxguys, platform) or a JSON file', 'platform')
    .option('--desk-port <port>', 'desk page port (0: a free one)', String(DEFAULT_DESK_PORT))
    .action(async (opts: { dataDir: string; smtpPort: string; host: string; policy: string; deskPort: string }) => {
      const port = portNumber('--smtp-port', opts.smtpPort);
      const deskPort = portNumber('--desk-port', opts.deskPort);
      let config;
      try {
        config = defaultLocalConfig(opts.policy);
      } catch (error) {
        throw new UsageError(`--policy ${opts.policy}: ${error instanceof Error ? error.message : String(error)}`);
      }
      // Checked first, so a taken port fails in a moment, before DynamoDB Local's JVM starts.
      const flags = new Map([[deskPort, ['the desk page port', '--desk-port']], [port, ['the SMTP port', '--smtp-port']]]);
      const stack = await Promise.all([assertPortFree(opts.host, port), assertPortFree(opts.host, deskPort)])
        .then(() => runLocalStack({ dataDir: opts.dataDir, smtpPort: port, host: opts.host, config, desk: { port: deskPort } }))
        .catch((error: unknown) => {
          if (!(error instanceof PortInUseError)) throw error;
          const [what, flag] = flags.get(error.port) ?? ['the SMTP port', '--smtp-port'];
          throw new Error(
            `${what} ${error.port} on ${error.host} is already in use (another sesdesk start?): choose another with ${flag}, e.g. ${flag} ${error.port === 65535 ? 2526 : error.port + 1}`,
          );
        });
      const { info } = stack;
      process.stdout.write(
        [
          'sesdesk local stack is running (Ctrl-C to stop)',
          `  Desk page:                 ${info.deskUrl ?? '-'}   queue, tickets, SLA report`,
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
