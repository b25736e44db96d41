import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startEmulators, type Emulators } from '../../local/emulators';
import { STACK_ENV, type StackFile } from './local-stack';

/**
 * Starts DynamoDB Local (in memory), s3rver (temp dir) and aws-ses-v2-local on free ports,
 * once per jest run. Jest runs global setup and teardown in its main process, so the
 * handle is kept on globalThis for teardown; workers are forked later and inherit the env.
 */

declare global {
  var __SESDESK_EMULATORS__: { emulators: Emulators; stackFile: string } | undefined;
}

export default async function globalSetup(): Promise<void> {
  const emulators = await startEmulators();
  // One file per jest process: several engineers' runs may share this tree.
  const dir = join(__dirname, '..', '..', '.jest-tmp');
  const stackFile = join(dir, `local-stack-${process.pid}.json`);
  globalThis.__SESDESK_EMULATORS__ = { emulators, stackFile };
  const stack: StackFile = {
    dynamodb: emulators.dynamodb,
    s3: emulators.s3,
    ses: emulators.ses,
  };
  mkdirSync(dir, { recursive: true });
  writeFileSync(stackFile, `${JSON.stringify(stack, null, 2)}\n`);
  process.env[STACK_ENV.dynamodb] = stack.dynamodb.endpoint;
  process.env[STACK_ENV.s3] = stack.s3.endpoint;
  process.env[STACK_ENV.ses] = stack.ses.endpoint;
  process.env[STACK_ENV.sesViewer] = stack.ses.viewerUrl;
  process.env[STACK_ENV.file] = stackFile;
}
