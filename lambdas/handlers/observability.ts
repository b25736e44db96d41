import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

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
