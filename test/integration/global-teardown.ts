import { rmSync } from 'node:fs';
import { STACK_ENV } from './local-stack';
import './global-setup';

/** Stops the emulators of global setup (their temp dirs go with them) and removes the stack file. */
export default async function globalTeardown(): Promise<void> {
  const running = globalThis.__SESDESK_EMULATORS__;
  if (running === undefined) return;
  globalThis.__SESDESK_EMULATORS__ = undefined;
  try {
    await running.emulators.stop();
  } finally {
    rmSync(running.stackFile, { force: true });
    for (const name of Object.values(STACK_ENV)) delete process.env[name];
  }
}
