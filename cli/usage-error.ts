/** Misuse of the CLI or invalid input: printed with usage, exit code 2 (cli.md). */
export class UsageError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * A command that printed its result and must still exit non-zero (audit found orphans, replay or
 * send had failures) throws this; `main` returns its code. The code travels with the run, not in
 * `process.exitCode`, which every later run in the same process would inherit.
 */
export class ExitStatus extends Error {
  public constructor(public readonly code: number) {
    super(`exit status ${code}`);
    this.name = 'ExitStatus';
  }
}

/** Prints one JSON document the way every `--json` command does. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
