import * as fs from 'node:fs';
import type { Command } from 'commander';
import { parseMessage } from '../../lambdas/mail/parse-message';
import type { InboundMessage } from '../../lambdas/domain/inbound-message';
import { UsageError, printJson } from '../usage-error';

/** The `parse --json` document: keys and order as in shared/spec/cli.md, plus `problems`. */
export function parseJson(m: InboundMessage): Record<string, unknown> {
  return {
    messageId: m.messageId,
    from: m.from,
    to: m.to,
    cc: m.cc,
    replyTo: m.replyTo,
    subject: m.subject,
    date: m.date,
    inReplyTo: m.inReplyTo,
    references: m.references,
    text: m.text,
    reply: m.reply,
    attachments: m.attachments.map((a) => ({
      filename: a.filename,
      contentType: a.contentType,
      size: a.size,
      sha256: a.sha256,
      inline: a.inline,
      ...(a.contentId ? { contentId: a.contentId } : {}),
    })),
    autoReply: m.autoReply,
    bounce: m.bounce,
    ticketRef: m.ticketRef,
    problems: m.problems,
  };
}

const who = (a: { name: string; address: string } | null): string =>
  a === null ? '(none)' : a.name ? `${a.name} <${a.address}>` : a.address || '(no address)';

/** A people-readable summary of a parsed message. */
export function formatHuman(m: InboundMessage): string {
  const lines = [
    `From:        ${who(m.from)}`,
    `To:          ${m.to.map(who).join(', ') || '(none)'}`,
    ...(m.cc.length ? [`Cc:          ${m.cc.map(who).join(', ')}`] : []),
    ...(m.replyTo.length ? [`Reply-To:    ${m.replyTo.map(who).join(', ')}`] : []),
    `Subject:     ${m.subject.replace(/[\r\n]+/g, ' ')}`,
    `Date:        ${m.date ?? '(unreadable)'}`,
    `Message-ID:  ${m.messageId ?? '(none)'}`,
    ...(m.inReplyTo ? [`In-Reply-To: ${m.inReplyTo}`] : []),
    `Ticket:      ${m.ticketRef ?? '(new)'}`,
    `Flags:       ${[m.autoReply ? 'auto-reply' : '', m.bounce ? 'bounce' : ''].filter(Boolean).join(', ') || 'none'}`,
    ...(m.bouncedMessageId ? [`Bounced:     ${m.bouncedMessageId}`] : []),
  ];
  if (m.attachments.length) {
    lines.push('Attachments:');
    for (const a of m.attachments) lines.push(`  - ${a.filename} (${a.contentType}, ${a.size} bytes${a.inline ? ', inline' : ''})`);
  }
  lines.push('', '--- reply ---', m.reply || '(empty)');
  if (m.problems.length) {
    lines.push('', 'Problems:');
    for (const p of m.problems) lines.push(`  - ${p}`);
  }
  return `${lines.join('\n')}\n`;
}

/** `sesdesk parse FILE.eml [--json]`: parses one message without any service (cli.md). */
export function registerParse(program: Command): void {
  program
    .command('parse')
    .description('parse one message file without any service; problems are listed, exit code stays 0')
    .argument('<file>', 'raw RFC 5322 message (.eml)')
    .option('--json', 'print the parsed message as JSON')
    .action(async (file: string, opts: { json?: boolean }) => {
      let raw: Buffer;
      try {
        raw = fs.readFileSync(file);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (error as Error).message;
        throw new UsageError(`parse: cannot read ${JSON.stringify(file)}: ${why}`);
      }
      const { message } = await parseMessage(raw);
      if (opts.json) printJson(parseJson(message));
      else process.stdout.write(formatHuman(message));
    });
}
