import { Command, Help } from 'commander';
import { COMMANDS } from '../../../cli/command-index';
import { buildProgram } from '../../../cli/main';

/**
 * The top-level help lists each command from cli/command-index.ts without loading its module;
 * these tests hold that listing to what each module really registers.
 */
describe('the command index', () => {
  it.each(COMMANDS.map((c) => [c.name, c] as const))('%s: name, term and summary are what its module registers', async (_name, entry) => {
    const program = new Command();
    (await entry.load())(program);
    expect(program.commands.map((c) => c.name())).toEqual([entry.name]);
    const [command] = program.commands;
    expect(command.description()).toBe(entry.summary);
    expect(new Help().subcommandTerm(command)).toBe(entry.term);
  });

  it('names every command once', () => {
    const names = COMMANDS.map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
  });
});

describe('buildProgram', () => {
  it('registers in full only the command the line names; the others by name and summary', async () => {
    const program = await buildProgram(['node', 'sesdesk', 'tickets', '--json']);
    const tickets = program.commands.find((c) => c.name() === 'tickets')!;
    const show = program.commands.find((c) => c.name() === 'show')!;
    expect(tickets.options.map((o) => o.long)).toEqual(expect.arrayContaining(['--status', '--json', '--region']));
    expect(show.options).toEqual([]);
    expect(show.description()).toBe(COMMANDS.find((c) => c.name === 'show')!.summary);
  });

  it('`help X` loads X', async () => {
    const program = await buildProgram(['node', 'sesdesk', 'help', 'sla']);
    expect(program.commands.find((c) => c.name() === 'sla')!.options.map((o) => o.long)).toContain('--policy');
  });

  it('the top-level help lists every command with its term, loading none', async () => {
    const program = await buildProgram(['node', 'sesdesk', '--help']);
    const help = program.helpInformation();
    for (const entry of COMMANDS) expect(help).toContain(entry.term);
    expect(program.commands.every((c) => c.options.length === 0)).toBe(true);
  });
});

describe('errors thrown from a command bundle', () => {
  it('are told as invalid input (exit 2) though they come from another copy of the error classes', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the registry's copy, next to the isolated one below
    const here = require('../../../lambdas/domain/errors') as typeof import('../../../lambdas/domain/errors');
    let copy!: typeof import('../../../cli/usage-error');
    jest.isolateModules(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- jest.isolateModules only isolates require()
      copy = require('../../../cli/usage-error');
    });
    const error = new copy.UsageError('bad flag');
    expect(error).not.toBeInstanceOf(here.InvalidInputError);
    expect(here.isInvalidInput(error)).toBe(true);
    expect(here.isInvalidInput(new Error('boom'))).toBe(false);
    expect(here.isInvalidInput(new here.TransientError('later'))).toBe(false);
  });
});
