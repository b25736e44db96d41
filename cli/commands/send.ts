import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { createTransport } from 'nodemailer';
import { DEFAULT_DATA_DIR, readStackInfo } from '../../local/stack-info';
import { ExitStatus, UsageError, printJson } from '../usage-error';

/** The envelope sender of a raw message: its From address, or the null sender for none. */
export function envelopeFrom(raw: Buffer): string {
  const head = raw.subarray(0, Math.min(raw.length, 64 * 1024)).toString('latin1');
  const headerBlock = head.split(/\r?\n\r?\n/, 1)[0];
  const unfolded = headerBlock.replace(/\r?\n[ \t]+/g, ' ');
  const from = /^from:(.*)$/im.exec(unfolded)?.[1] ?? '';
  return /<([^<>\s]+@[^<>\s]+)>/.exec(from)?.[1] ?? /([^\s<>"]+@[^\s<>"]+)/.exec(from)?.[1] ?? '';
}

export interface SendOutcome {
  file: string;
  accepted: boolean;
  /** What the local stack answered: the ingest outcome and ticket. */
  response: string;
}

/** Delivers raw files over SMTP to the local stack, one connection per file, in order. */
export async function sendFiles(
  files: string[],
  opts: { host: string; port: number; to: string },
): Promise<SendOutcome[]> {
  const transport = createTransport({ host: opts.host, port: opts.port, secure: false, ignoreTLS: true });
  const outcomes: SendOutcome[] = [];
  try {
    for (const file of files) {
      const raw = await readFile(file).catch((error: NodeJS.ErrnoException) => {
        throw new UsageError(`${file}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`);
      });
      try {
        const info = await transport.sendMail({ envelope: { from: envelopeFrom(raw), to: [opts.to] }, raw });
        outcomes.push({ file, accepted: true, response: info.response.replace(/^250\s*/, '') });
      } catch (error) {
        outcomes.push({ file, accepted: false, response: error instanceof Error ? error.message : String(error) });
      }
    }
  } finally {
    transport.close();
  }
  return outcomes;
}

export function registerSend(program: Command): void {
  program
    .command('send')
    .description('deliver .eml files over SMTP to the running local stack and print each outcome')
    .argument('<files...>', 'raw RFC 5322 message files')
    .option('--to <address>', 'envelope recipient (default: the stack support address)')
    .option('--data-dir <dir>', 'data directory of the local stack', DEFAULT_DATA_DIR)
    .option('--json', 'print JSON')
    .action(async (files: string[], opts: { to?: string; dataDir: string; json?: boolean }) => {
      const stack = readStackInfo(opts.dataDir);
      const outcomes = await sendFiles(files, { host: stack.smtp.host, port: stack.smtp.port, to: opts.to ?? stack.supportAddress });
      if (opts.json) printJson(outcomes);
      else for (const o of outcomes) process.stdout.write(`${o.file}: ${o.accepted ? o.response : `REJECTED ${o.response}`}\n`);
      if (outcomes.some((o) => !o.accepted)) throw new ExitStatus(1);
    });
}
