import { InvalidInputError } from '../lambdas/domain/errors';

/** Misuse of the CLI or invalid input: printed with usage, exit code 2 (docs/cli.md). */
export class UsageError extends InvalidInputError {
  public constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Prints one JSON document the way every `--json` command does. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
