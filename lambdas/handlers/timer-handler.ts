import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import * as z from '../domain/zod';
import { METRIC_NAMES } from '../../lib/names';
import { InvalidInputError } from '../domain/errors';
import { handleTimer, type TimerDeps, type TimerResult } from '../use-cases/handle-timer';
import { countFailures, type Observability } from './observability';

/** The schedule's `Input` (domain/sla/deadlines.ts `timerRequestFor`). */
export const TimerPayloadSchema = z.object({
  timer: z.string().check(z.minLength(1), z.maxLength(64)),
  ticketId: z.string().check(z.minLength(1)),
  kind: z.string().check(z.minLength(1)),
  target: z.string().check(z.minLength(1)),
  due: z.iso.datetime({ offset: true }),
  version: z.int().check(z.nonnegative()),
});

/**
 * The sla-breach and follow-up functions: the same thin chain around {@link handleTimer}
 * (it dispatches on the payload's kind), so a timer routed to either function is handled the
 * same. The local stack runs these very chains for its local timers.
 */
export function makeTimerHandler(getDeps: () => Promise<TimerDeps>, obs: Observability) {
  const run = async (event: unknown): Promise<TimerResult> => {
    const parsed = TimerPayloadSchema.safeParse(event);
    if (!parsed.success) {
      // Retrying cannot fix a malformed payload: fail so it reaches the DLQ with the reason.
      throw new InvalidInputError(
        `not a sesdesk timer payload: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
      );
    }
    const result = await handleTimer(await getDeps(), parsed.data);
    obs.logger.info('timer', { timer: parsed.data.timer, due: parsed.data.due, ...result });
    if (result.failed.length > 0) obs.logger.error('timer mail not sent', { timer: parsed.data.timer, failed: result.failed });
    obs.metrics.addMetric(`Timer_${result.outcome}`, MetricUnit.Count, 1);
    if (result.breach) {
      obs.metrics.addMetric(METRIC_NAMES.slaBreaches, MetricUnit.Count, 1);
      obs.metrics.addMetadata('ticketId', result.ticketId);
      obs.metrics.addMetadata('breachTarget', result.breach.target);
    }
    return result;
  };
  return middy(countFailures(run, 'Timer', obs)).use(injectLambdaContext(obs.logger)).use(logMetrics(obs.metrics));
}
