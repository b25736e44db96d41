import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';

const ROOT = resolve(__dirname, '..');

export const HANDLERS = {
  ingest: 'lambdas/handlers/ingest-email.ts',
  slaBreach: 'lambdas/handlers/sla-breach.ts',
  followUp: 'lambdas/handlers/follow-up.ts',
} as const;
export type HandlerName = keyof typeof HANDLERS;

/** Bundles like CDK's NodejsFunction: node22, CommonJS, minified, the AWS SDK left to the runtime. */
export async function bundleHandlers(outDir = mkdtempSync(join(tmpdir(), 'sesdesk-bench-bundles-'))): Promise<Record<HandlerName, { file: string; bytes: number } | { error: string }>> {
  const out = {} as Record<HandlerName, { file: string; bytes: number } | { error: string }>;
  for (const [name, entry] of Object.entries(HANDLERS) as Array<[HandlerName, string]>) {
    const file = join(outDir, `${name}.js`);
    if (!existsSync(join(ROOT, entry))) {
      out[name] = { error: `${entry} does not exist yet` };
      continue;
    }
    try {
      await build({
        entryPoints: [join(ROOT, entry)],
        outfile: file,
        bundle: true,
        platform: 'node',
        target: 'node22',
        format: 'cjs',
        minify: true,
        external: ['@aws-sdk/*'],
        logLevel: 'silent',
      });
      out[name] = { file, bytes: statSync(file).size };
    } catch (error) {
      out[name] = { error: error instanceof Error ? error.message.split('\n')[0] : String(error) };
    }
  }
  return out;
}

function timeNode(code: string, env: NodeJS.ProcessEnv): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ['-e', code], { env, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`node -e failed: ${(r.stderr || r.stdout).split('\n').slice(0, 3).join(' ')}`);
  return ms;
}

/** The AWS SDK packages a bundle leaves to the runtime (its `require("@aws-sdk/...")` calls). */
export function sdkPackagesOf(file: string): string[] {
  const found = readFileSync(file, 'utf8').match(/require\("@aws-sdk\/[a-z0-9-]+"\)/g) ?? [];
  return [...new Set(found.map((r) => r.slice(9, -2)))].sort();
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * Cold load: wall time of a fresh `node` that requires the bundle, over a fresh `node` that
 * requires nothing (median of `runs` each, interleaved). The SDK resolves from this
 * repository's node_modules, standing in for the one the Lambda runtime provides.
 */
export function coldLoad(file: string, runs: number): { bundleMs: number; emptyMs: number; sdkOnlyMs: number; ratio: number } {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    NODE_PATH: join(ROOT, 'node_modules'),
    AWS_REGION: 'us-east-1',
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_SERVICE_NAME: 'sesdesk',
    POWERTOOLS_METRICS_NAMESPACE: 'Sesdesk',
  };
  const empty: number[] = [];
  const loaded: number[] = [];
  const sdk: number[] = [];
  // What the runtime-provided SDK alone costs: the external packages this bundle requires.
  const externals = sdkPackagesOf(file).map((p) => `require(${JSON.stringify(p)});`).join('');
  timeNode('0', env);
  for (let i = 0; i < runs; i += 1) {
    empty.push(timeNode('0', env));
    loaded.push(timeNode(`require(${JSON.stringify(file)})`, env));
    sdk.push(timeNode(externals, env));
  }
  const bundleMs = median(loaded);
  const emptyMs = median(empty);
  return { bundleMs, emptyMs, sdkOnlyMs: median(sdk), ratio: bundleMs / emptyMs };
}

/** Bundles the memory child (everything inlined, so only what ingest needs is loaded). */
export async function bundleRssChild(outDir: string): Promise<string> {
  const file = join(outDir, 'rss-child.js');
  await build({
    entryPoints: [join(ROOT, 'bench', 'rss-child.ts')],
    outfile: file,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    logLevel: 'silent',
  });
  return file;
}
