import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { InvalidInputError } from '../domain/errors';

export interface Observability {
  logger: Logger;
  metrics: Metrics;
}

/**
 * Powertools logger and metrics. Service name and namespace come from POWERTOOLS_SERVICE_NAME /
 * POWERTOOLS_METRICS_NAMESPACE (set by the stack); locally POWERTOOLS_METRICS_DISABLED keeps EMF
 * lines off the console.
 */
export function observability(serviceName = 'sesdesk'): Observability {
  return {
    logger: new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? serviceName }),
    metrics: new Metrics({
      serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? serviceName,
      namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'sesdesk',
    }),
  };
}

/**
 * Counts an invocation that throws as `<prefix>_rejected` (a payload no retry can fix) or
 * `<prefix>_failed`, then rethrows: every invocation publishes one outcome metric, so the
 * metrics middleware never publishes an empty set (Powertools warns on each one).
 */
export function countFailures<T>(run: (event: unknown) => Promise<T>, prefix: string, obs: Observability): (event: unknown) => Promise<T> {
  return async (event) => {
    try {
      return await run(event);
    } catch (error) {
      obs.metrics.addMetric(`${prefix}_${error instanceof InvalidInputError ? 'rejected' : 'failed'}`, MetricUnit.Count, 1);
      throw error;
    }
  };
}
