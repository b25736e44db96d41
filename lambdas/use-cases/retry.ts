import { ConcurrentModificationError, TransientError } from '../domain/errors';

/**
 * Retries `fn` a few times on errors a retry can fix. Used for the bookkeeping writes that follow
 * a side effect (a sent mail): failing the whole invocation there would repeat the side effect
 * on redelivery, so a short in-process retry is the cheaper risk.
 */
export async function withRetry<T>(fn: () => Promise<T>, attempts = 4, baseDelayMs = 20): Promise<T> {
  let lastError: unknown;
  for (let attempt = 0; attempt < attempts; attempt += 1) {
    try {
      return await fn();
    } catch (error) {
      lastError = error;
      const retryable = error instanceof TransientError || error instanceof ConcurrentModificationError;
      if (!retryable || attempt === attempts - 1) throw error;
      await new Promise((resolve) => setTimeout(resolve, baseDelayMs * 2 ** attempt * (0.5 + Math.random())));
    }
  }
  throw lastError;
}
