import type { Command } from 'commander';

/** Adds one command, with its options, arguments and action, to the program. */
export type RegisterCommand = (program: Command) => void;

/**
 * One CLI command as the top-level help lists it. The command's module (options, action and
 * everything the action needs) is loaded only when that command runs or its own help is
 * asked for: `sesdesk --help` loads none of them, `sesdesk tickets` loads only the tickets
 * module, and only `start` loads the emulators. A command's `term` and `summary` are what its
 * module registers (test/unit/cli/command-index.test.ts holds the two together).
 *
 * To add a command: write `cli/commands/<name>.ts` exporting its register function, add an
 * entry here, and add the module to the CLI build (scripts/build-cli.js finds every file in
 * cli/commands/ that an entry loads).
 */
export interface CommandEntry {
  readonly name: string;
  /** How the top-level help names it: `name [options] <args>`, as commander would. */
  readonly term: string;
  /** Its description (the first line of its own help). */
  readonly summary: string;
  readonly load: () => Promise<RegisterCommand>;
}

export const COMMANDS: readonly CommandEntry[] = [
  {
    name: 'start',
    term: 'start [options]',
    summary: 'run the local stack in the foreground (DynamoDB Local, local S3, local SES + viewer, SMTP inbound)',
    load: async () => (await import('./commands/start')).registerStart,
  },
  {
    name: 'desk',
    term: 'desk [options]',
    summary: 'serve the desk page (queue, tickets, SLA report) of a deployed region on localhost, read-only',
    load: async () => (await import('./commands/desk')).registerDesk,
  },
  {
    name: 'send',
    term: 'send [options] <files...>',
    summary: 'deliver .eml files over SMTP to the running local stack and print each outcome',
    load: async () => (await import('./commands/send')).registerSend,
  },
  {
    name: 'tickets',
    term: 'tickets [options]',
    summary: 'list tickets, most urgent SLA first',
    load: async () => (await import('./commands/tickets')).registerTickets,
  },
  {
    name: 'show',
    term: 'show [options] <ticket>',
    summary: 'one ticket with its messages, timeline and SLA state',
    load: async () => (await import('./commands/show')).registerShow,
  },
  {
    name: 'parse',
    term: 'parse [options] <file>',
    summary: 'parse one message file without any service; problems are listed, exit code stays 0',
    load: async () => (await import('./commands/parse')).registerParse,
  },
  {
    name: 'sla',
    term: 'sla [options]',
    summary: 'due times of a ticket under an SLA policy (no service needed)',
    load: async () => (await import('./commands/sla')).registerSla,
  },
  {
    name: 'outbox',
    term: 'outbox [options]',
    summary: 'mail the local stack has sent',
    load: async () => (await import('./commands/outbox')).registerOutbox,
  },
  {
    name: 'clock',
    term: 'clock [subcommand]',
    summary: 'move the local stack clock: advance <duration>, show, reset',
    load: async () => (await import('./commands/clock')).registerClock,
  },
  {
    name: 'report',
    term: 'report [options]',
    summary: 'SLA attainment per priority: tickets, first response and resolution met, breaches, median times',
    load: async () => (await import('./commands/report')).registerReport,
  },
  {
    name: 'audit',
    term: 'audit [options]',
    summary: 'check that every raw mail under the inbound prefix has exactly one recorded outcome (exit 1 if not)',
    load: async () => (await import('./commands/audit')).registerAudit,
  },
  {
    name: 'replay',
    term: 'replay [options]',
    summary: 're-ingest raw mail kept under the inbound prefix (idempotent: processed mail is a duplicate)',
    load: async () => (await import('./commands/replay')).registerReplay,
  },
];
