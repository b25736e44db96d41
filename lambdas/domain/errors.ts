/**
 * Domain errors. Adapters translate SDK failures into these so use cases never
 * depend on an AWS error shape (pattern: Powertools idempotency errors).
 */
export class TicketError extends Error {
  public constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TicketError';
  }
}

/** A conditional write found the item already there (dedupe hit, name conflict...). */
export class AlreadyExistsError extends TicketError {
  public constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AlreadyExistsError';
  }
}

/** An optimistic-concurrency write lost the race: re-read and try again. */
export class ConcurrentModificationError extends TicketError {
  public constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ConcurrentModificationError';
  }
}

/** The thing asked for does not exist. */
export class NotFoundError extends TicketError {
  public constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NotFoundError';
  }
}

/** A dependency (AWS service, emulator) failed in a way a retry may fix. */
export class TransientError extends TicketError {
  public constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TransientError';
  }
}

/**
 * Marks an {@link InvalidInputError} where `instanceof` cannot tell: each CLI command is bundled
 * with its own copy of this module, and the CLI's entry point judges the errors they throw.
 */
const INVALID_INPUT = Symbol.for('sesdesk.InvalidInputError');

/** Input that can never succeed: a retry would fail the same way. */
export class InvalidInputError extends TicketError {
  public constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InvalidInputError';
  }
}
Object.defineProperty(InvalidInputError.prototype, INVALID_INPUT, { value: true });

/** True for an {@link InvalidInputError} (any subclass), whichever copy of this module made it. */
export function isInvalidInput(error: unknown): error is InvalidInputError {
  return error instanceof InvalidInputError || (typeof error === 'object' && error !== null && INVALID_INPUT in error);
}

/** A status change the ticket state machine forbids. */
export class InvalidTransitionError extends TicketError {
  public constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InvalidTransitionError';
  }
}
