import { observability } from './observability';
import { makeTimerHandler } from './timer-handler';
import { timerDepsFromEnv } from './env';

/** Scheduler target for SLA timers: warning, breach, update due (see use-cases/handle-timer.ts). */
export const handler = makeTimerHandler(timerDepsFromEnv, observability());
