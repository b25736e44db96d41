import {
  AlreadyExistsError,
  ConcurrentModificationError,
  InvalidInputError,
  NotFoundError,
  TicketError,
  TransientError,
} from '../domain/errors';

/**
 * The one place that reads AWS SDK error shapes. Matching is by `name` (and `$fault` /
 * `$metadata.httpStatusCode`), not `instanceof`, so errors from a second copy of a client
 * package, from emulators, or re-created by mocks translate the same way.
 */

/** What a failed condition means to the caller: a create hit an existing item, an
 * optimistic update lost a race, or an update found nothing to update. */
export type ConditionMeaning = 'already-exists' | 'concurrent-modification' | 'not-found';

export interface TranslateContext {
  /** Names the operation and item in the domain error message, e.g. `createTicket USE1-7`. */
  what: string;
  /** Required to translate ConditionalCheckFailedException; without it the error is a plain TicketError. */
  onConditionFailed?: ConditionMeaning;
}

const THROTTLING = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'LimitExceededException',
  'SlowDown',
  'RequestThrottled',
  'RequestThrottledException',
  'TransactionConflictException',
  'TransactionInProgressException',
]);

const SERVER_SIDE = new Set([
  'InternalServerError',
  'InternalServerErrorException',
  'InternalFailure',
  'InternalError',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
]);

const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND']);

const NOT_FOUND = new Set(['NoSuchKey', 'NoSuchBucket', 'NotFound', 'NotFoundException', 'ResourceNotFoundException']);

/** SES refusals a retry will not fix; named in the message so an operator sees which. */
const SES_PERMANENT = new Set([
  'MessageRejected',
  'AccountSuspendedException',
  'SendingPausedException',
  'MailFromDomainNotVerifiedException',
  'BadRequestException',
]);

interface SdkErrorShape {
  name?: string;
  code?: string;
  message?: string;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number };
  CancellationReasons?: Array<{ Code?: string; Message?: string; Item?: unknown }>;
}

function shape(err: unknown): SdkErrorShape {
  return typeof err === 'object' && err !== null ? err : {};
}

/** The SDK error's `name` ('' for non-errors). */
export function errorName(err: unknown): string {
  return shape(err).name ?? '';
}

/** True for errors a later retry may fix: throttling, 5xx, transaction conflicts, network failures. */
export function isRetryable(err: unknown): boolean {
  const e = shape(err);
  const name = e.name ?? '';
  if (THROTTLING.has(name) || SERVER_SIDE.has(name)) return true;
  if (e.$fault === 'server') return true;
  const status = e.$metadata?.httpStatusCode;
  if (status !== undefined && (status >= 500 || status === 429)) return true;
  return e.code !== undefined && NETWORK_CODES.has(e.code);
}

export function isConditionalCheckFailed(err: unknown): boolean {
  return errorName(err) === 'ConditionalCheckFailedException';
}

export function isTransactionCanceled(err: unknown): boolean {
  return errorName(err) === 'TransactionCanceledException';
}

/** Cancellation reason codes of a TransactionCanceledException, one per transaction item ('None' when that item was fine). */
export function cancellationCodes(err: unknown): string[] {
  return (shape(err).CancellationReasons ?? []).map((r) => r.Code ?? 'None');
}

/** Cancellation reasons with any `Item` returned by ReturnValuesOnConditionCheckFailure (raw attribute values). */
export function cancellationReasons(err: unknown): Array<{ code: string; item?: Record<string, unknown> }> {
  return (shape(err).CancellationReasons ?? []).map((r) => ({
    code: r.Code ?? 'None',
    item: (r.Item as Record<string, unknown> | undefined) ?? undefined,
  }));
}

function conditionError(meaning: ConditionMeaning, what: string, cause: unknown): TicketError {
  switch (meaning) {
    case 'already-exists':
      return new AlreadyExistsError(`${what}: already exists`, { cause });
    case 'concurrent-modification':
      return new ConcurrentModificationError(`${what}: changed concurrently (stale version)`, { cause });
    case 'not-found':
      return new NotFoundError(`${what}: not found`, { cause });
  }
}

/**
 * Translates an SDK (or emulator) failure into a domain error. Domain errors pass through
 * unchanged; errors that are not AWS service errors (a TypeError from our own code) are
 * returned as they are, so bugs are not disguised as infrastructure trouble.
 */
export function toDomainError(err: unknown, context: TranslateContext): Error {
  if (err instanceof TicketError) return err;
  const e = shape(err);
  const name = e.name ?? 'UnknownError';
  const detail = e.message ? `${name}: ${e.message}` : name;

  if (name === 'ConditionalCheckFailedException' && context.onConditionFailed) {
    return conditionError(context.onConditionFailed, context.what, err);
  }
  if (name === 'TransactionCanceledException') {
    const codes = cancellationCodes(err);
    if (codes.includes('ConditionalCheckFailed') && context.onConditionFailed) {
      return conditionError(context.onConditionFailed, context.what, err);
    }
    if (codes.some((c) => c === 'TransactionConflict' || c === 'ThrottlingError' || c === 'ProvisionedThroughputExceeded')) {
      return new TransientError(`${context.what}: transaction conflict (${codes.join(',')})`, { cause: err });
    }
    return new TicketError(`${context.what}: transaction canceled (${codes.join(',')})`, { cause: err });
  }
  if (isRetryable(err)) return new TransientError(`${context.what}: ${detail}`, { cause: err });
  if (NOT_FOUND.has(name)) return new NotFoundError(`${context.what}: ${detail}`, { cause: err });
  if (SES_PERMANENT.has(name) || name === 'ValidationException') {
    return new InvalidInputError(`${context.what}: ${detail}`, { cause: err });
  }
  if (e.$metadata !== undefined || e.$fault !== undefined) {
    return new TicketError(`${context.what}: ${detail}`, { cause: err });
  }
  return err instanceof Error ? err : new TicketError(`${context.what}: ${String(err)}`, { cause: err });
}
