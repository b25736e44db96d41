import { InvalidInputError } from '../lambdas/domain/errors';

/** Misuse of the CLI or invalid input: printed with usage, exit code 2 (docs/cli.md). */
export class UsageError extends InvalidInputError {
  public constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

const EXIT_STATUS = Symbol.for('sesdesk.ExitStatus');

/**
 * A command that printed its result and must still exit non-zero (audit found orphans, replay or
 * send had failures) throws this; `main` returns its code. The code travels with the run, not in
 * `process.exitCode`, which every later run in the same process would inherit.
 */
export class ExitStatus extends Error {
  public readonly [EXIT_STATUS] = true;

  public constructor(public readonly code: number) {
    super(`exit status ${code}`);
    this.name = 'ExitStatus';
  }
}

/** The code of an {@link ExitStatus}, told by its brand: a command runs from its own bundle, with its own copy of the class. */
export function exitStatusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null || !(EXIT_STATUS in error)) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'number' ? code : undefined;
}

/** Prints one JSON document the way every `--json` command does. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
