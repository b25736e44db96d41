import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { InvalidInputError } from '../domain/errors';
import { ingestEmail, type IngestDeps, type IngestResult } from '../use-cases/ingest-email';
import { SesReceiptEventSchema } from './ses-event-schema';
import { sesRecordToIngestInput } from './ses-input';
import { countFailures, observability, type Observability } from './observability';
import { inboundPrefixFromEnv } from './env';
import { ingestDepsFromEnv } from './wiring';

/**
 * Builds the ingest handler around a deps factory, so the Lambda (deps from the environment)
 * and the local SMTP listener (deps on the emulators) run the very same chain.
 */
export function makeIngestHandler(
  getDeps: () => Promise<IngestDeps>,
  inboundPrefix: () => string,
  obs: Observability = observability(),
) {
  const run = async (event: unknown): Promise<IngestResult> => {
    const parsed = SesReceiptEventSchema.safeParse(event);
    if (!parsed.success) {
      throw new InvalidInputError(`not an SES receipt event: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    }
    const input = sesRecordToIngestInput(parsed.data.Records[0].ses, inboundPrefix());
    const result = await ingestEmail(await getDeps(), input);
    obs.logger.info('ingested', { sesMessageId: input.sesMessageId, ...result });
    obs.metrics.addMetric(`Ingest_${result.outcome}`, MetricUnit.Count, 1);
    return result;
  };
  return middy(countFailures(run, 'Ingest', obs)).use(injectLambdaContext(obs.logger)).use(logMetrics(obs.metrics));
}

export const handler = makeIngestHandler(ingestDepsFromEnv, inboundPrefixFromEnv);
