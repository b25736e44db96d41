import type { Command } from 'commander';
import { DEFAULT_DATA_DIR, readStackInfo } from '../../local/stack-info';
import { deskTime, table, truncate } from '../format';
import { printJson } from '../usage-error';

interface StoredEmail {
  messageId: string;
  from: string;
  replyTo: string[];
  destination: { to: string[]; cc: string[]; bcc: string[] };
  subject: string;
  body: { text?: string; html?: string };
  headers?: Array<{ name: string; value: string }>;
  at: number;
}

/** Mail the local SES has accepted, oldest first (aws-ses-v2-local `GET /store`). */
export async function readOutbox(sesEndpoint: string): Promise<StoredEmail[]> {
  const response = await fetch(`${sesEndpoint}/store`);
  if (!response.ok) throw new Error(`local SES store answered ${response.status}`);
  const body = (await response.json()) as { emails: StoredEmail[] };
  return body.emails;
}

export function registerOutbox(program: Command): void {
  program
    .command('outbox')
    .description('mail the local stack has sent')
    .option('--data-dir <dir>', 'data directory of the local stack', DEFAULT_DATA_DIR)
    .option('--json', 'print JSON')
    .action(async (opts: { dataDir: string; json?: boolean }) => {
      const stack = readStackInfo(opts.dataDir);
      const emails = await readOutbox(stack.endpoints.ses);
      if (opts.json) {
        printJson(
          emails.map((e) => ({
            messageId: e.messageId,
            at: new Date(e.at * (e.at < 1e12 ? 1000 : 1)).toISOString(),
            from: e.from,
            replyTo: e.replyTo,
            to: e.destination.to,
            cc: e.destination.cc,
            subject: e.subject,
            text: e.body.text ?? null,
            headers: Object.fromEntries((e.headers ?? []).map((h) => [h.name, h.value])),
          })),
        );
        return;
      }
      if (emails.length === 0) {
        process.stdout.write(`no mail sent yet (viewer: ${stack.sesViewerUrl})\n`);
        return;
      }
      process.stdout.write(
        `${table(
          [`AT (${stack.timeZone ?? 'UTC'})`, 'TO', 'SUBJECT'],
          emails.map((e) => [deskTime(new Date(e.at * (e.at < 1e12 ? 1000 : 1)).toISOString(), stack.timeZone), e.destination.to.join(', '), truncate(e.subject, 70)]),
        )}\nviewer: ${stack.sesViewerUrl}\n`,
      );
    });
}
