import { ConcurrentModificationError, TransientError } from '../domain/errors';

export interface RetryOptions {
  attempts?: number;
  baseDelayMs?: number;
  /** Which errors are worth another try. Default: transient and version-conflict errors. */
  retryable?: (error: unknown) => boolean;
}

const transient = (error: unknown): boolean => error instanceof TransientError || error instanceof ConcurrentModificationError;

/**
 * Retries `fn` with jittered exponential back-off. Used for the bookkeeping writes that follow
 * a side effect (a sent mail): failing the whole invocation there would repeat the side effect
 * on redelivery, so a short in-process retry is the cheaper risk.
 */
export async function withRetry<T>(fn: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const { attempts = 4, baseDelayMs = 20, retryable = transient } = options;
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await fn();
    } catch (error) {
      if (!retryable(error) || attempt >= attempts - 1) throw error;
      await new Promise((resolve) => setTimeout(resolve, baseDelayMs * 2 ** attempt * (0.5 + Math.random())));
    }
  }
}

/**
 * Bookkeeping right after a side effect: any error gets a few quick in-process retries, since
 * failing the invocation here would repeat the side effect on redelivery.
 */
export function persist<T>(fn: () => Promise<T>): Promise<T> {
  return withRetry(fn, { attempts: 5, baseDelayMs: 20, retryable: () => true });
}
