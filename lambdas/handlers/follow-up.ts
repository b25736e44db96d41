import { observability } from './observability';
import { makeTimerHandler } from './timer-handler';
import { timerDepsFromEnv } from './env';

/** Scheduler target for follow-up timers: customer reminder, auto-resolve, auto-close. */
export const handler = makeTimerHandler(timerDepsFromEnv, observability());
