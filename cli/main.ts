import { Command, CommanderError } from 'commander';
import { InvalidInputError } from '../lambdas/domain/errors';
import { registerAudit } from './commands/audit';
import { registerClock } from './commands/clock';
import { registerOutbox } from './commands/outbox';
import { registerParse } from './commands/parse';
import { registerReport } from './commands/report';
import { registerReplay } from './commands/replay';
import { registerSend } from './commands/send';
import { registerShow } from './commands/show';
import { registerSla } from './commands/sla';
import { registerStart } from './commands/start';
import { registerTickets } from './commands/tickets';
import { ExitStatus, UsageError } from './usage-error';

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('sesdesk')
    .description('email-to-ticket pipeline on AWS SES: local stack and operations CLI')
    .showHelpAfterError('(run `sesdesk --help` for usage)')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  registerStart(program);
  registerSend(program);
  registerTickets(program);
  registerShow(program);
  registerParse(program);
  registerSla(program);
  registerOutbox(program);
  registerClock(program);
  registerReport(program);
  registerAudit(program);
  registerReplay(program);
  for (const command of program.commands) command.exitOverride();
  return program;
}

/**
 * Runs the CLI and returns the exit code: 0 ok, 2 misuse or invalid input (usage printed),
 * 1 a failure while running (cli.md).
 */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  if (argv.length <= 2) {
    process.stderr.write(program.helpInformation());
    return 2;
  }
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (error) {
    if (error instanceof ExitStatus) return error.code; // the command printed its result already
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return 0;
      return 2; // commander already printed the message and the usage hint
    }
    if (error instanceof UsageError || error instanceof InvalidInputError) {
      process.stderr.write(`sesdesk: ${error.message}\n`);
      return 2;
    }
    process.stderr.write(`sesdesk: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}
