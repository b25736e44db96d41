import { observability } from './observability';
import { makeTimerHandler } from './timer-handler';
import { ingestDepsFromEnv } from './wiring';

/** Scheduler target for follow-up timers: customer reminder, auto-resolve, auto-close. */
export const handler = makeTimerHandler(ingestDepsFromEnv, observability());
