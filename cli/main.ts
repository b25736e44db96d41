import { Command, CommanderError } from 'commander';
import { isInvalidInput } from '../lambdas/domain/errors';
import { version } from '../package.json';
import { COMMANDS } from './command-index';
import { exitStatusOf } from './usage-error';

/** The command a command line runs (`help X` asks for X's help), if it names one. */
function requestedCommand(argv: readonly string[]): string | undefined {
  const [first, second] = argv.slice(2);
  return first === 'help' ? second : first;
}

/**
 * The CLI program for one command line: the command it names is loaded and registered in full,
 * every other command only by name and summary (enough for the top-level help and for
 * commander's "unknown command" suggestions). Pass no argv to load every command.
 */
export async function buildProgram(argv?: readonly string[]): Promise<Command> {
  const program = new Command();
  const terms = new Map(COMMANDS.map((c) => [c.name, c.term]));
  program
    .name('sesdesk')
    .description('email-to-ticket pipeline on AWS SES: local stack and operations CLI')
    .version(version, '-V, --version', 'print the sesdesk version')
    .showHelpAfterError('(run `sesdesk --help` for usage)')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) })
    .configureHelp({ subcommandTerm: (cmd) => terms.get(cmd.name()) ?? cmd.name() });
  const wanted = argv === undefined ? undefined : requestedCommand(argv);
  for (const entry of COMMANDS) {
    if (argv === undefined || entry.name === wanted) (await entry.load())(program);
    else program.command(entry.name).description(entry.summary);
  }
  for (const command of program.commands) command.exitOverride();
  return program;
}

/**
 * Runs the CLI and returns the exit code: 0 ok, 2 misuse or invalid input (usage printed),
 * 1 a failure while running (docs/cli.md).
 */
export async function main(argv: string[]): Promise<number> {
  const program = await buildProgram(argv);
  if (argv.length <= 2) {
    process.stderr.write(program.helpInformation());
    return 2;
  }
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (error) {
    const status = exitStatusOf(error);
    if (status !== undefined) return status; // the command printed its result already
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return 0;
      return 2; // commander already printed the message and the usage hint
    }
    // Not `instanceof`: the command ran from its own bundle, with its own copy of the classes.
    if (isInvalidInput(error)) {
      process.stderr.write(`sesdesk: ${error.message}\n`);
      return 2;
    }
    process.stderr.write(`sesdesk: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}
