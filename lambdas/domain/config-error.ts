import { InvalidInputError } from './errors';

/** A configuration that cannot be used; the message names each bad field and why. */
export class ConfigError extends InvalidInputError {
  public constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ConfigError';
  }
}

/** Renders a zod path the way people write it: `regions[1].supportAddresses[0]`. */
export function formatPath(path: ReadonlyArray<PropertyKey>, root = ''): string {
  let out = root;
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out || '(root)';
}

/** One line per zod issue: `field.path: reason`. */
export function formatZodError(error: { issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }> }, root = ''): string {
  return error.issues.map((issue) => `${formatPath(issue.path, root)}: ${issue.message}`).join('\n');
}
