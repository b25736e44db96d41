import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { bundleHandler, type HandlerBundle } from '../lib/constructs/handler-bundling';

export type { HandlerBundle };

const ROOT = resolve(__dirname, '..');

export const HANDLERS = {
  ingest: 'lambdas/handlers/ingest-email.ts',
  slaBreach: 'lambdas/handlers/sla-breach.ts',
  followUp: 'lambdas/handlers/follow-up.ts',
} as const;
export type HandlerName = keyof typeof HANDLERS;

/** Every handler bundled as the CDK functions are ({@link bundleHandler}), each into its own directory. */
export async function bundleHandlers(outDir = mkdtempSync(join(tmpdir(), 'sesdesk-bench-bundles-'))): Promise<Record<HandlerName, HandlerBundle | { error: string }>> {
  const out = {} as Record<HandlerName, HandlerBundle | { error: string }>;
  for (const [name, entry] of Object.entries(HANDLERS) as Array<[HandlerName, string]>) {
    if (!existsSync(join(ROOT, entry))) {
      out[name] = { error: `${entry} does not exist yet` };
      continue;
    }
    try {
      out[name] = await bundleHandler(join(ROOT, entry), join(outDir, name));
    } catch (error) {
      out[name] = { error: error instanceof Error ? error.message.split('\n')[0] : String(error) };
    }
  }
  return out;
}

function timeNode(node: string, args: string[], env: NodeJS.ProcessEnv): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(node, args, { env, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} failed: ${(r.stderr || r.stdout).split('\n').slice(0, 3).join(' ')}`);
  return ms;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export interface ColdLoad {
  bundleMs: number;
  emptyMs: number;
  ratio: number;
  /** The same load with `--enable-source-maps` (what the functions paid before they dropped it). */
  withSourceMapsMs: number;
}

/**
 * Cold load: wall time of a fresh `node` that requires the bundle, over a fresh `node` that
 * requires nothing (`runs` rounds of both, interleaved), both with a bare environment: no
 * NODE_OPTIONS and no NODE_EXTRA_CA_CERTS (which alone adds ~40 ms to every start here).
 * `node` is the binary both run on: by default the one running the bench.
 */
export function coldLoad(file: string, runs: number, node = process.execPath): ColdLoad {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    AWS_REGION: 'us-east-1',
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_SERVICE_NAME: 'sesdesk',
    POWERTOOLS_METRICS_NAMESPACE: 'Sesdesk',
  };
  const empty: number[] = [];
  const loaded: number[] = [];
  const mapped: number[] = [];
  const load = `require(${JSON.stringify(file)})`;
  timeNode(node, ['-e', '0'], env);
  for (let i = 0; i < runs; i += 1) {
    empty.push(timeNode(node, ['-e', '0'], env));
    loaded.push(timeNode(node, ['-e', load], env));
    mapped.push(timeNode(node, ['--enable-source-maps', '-e', load], env));
  }
  // The ratio is the median of each round's own ratio: this machine's speed drifts between
  // rounds (an empty start took 60 to 135 ms in one run), and a round's three starts run
  // back to back, so pairing them cancels most of the drift.
  const ratio = median(loaded.map((ms, i) => ms / empty[i]));
  return { bundleMs: median(loaded), emptyMs: median(empty), ratio, withSourceMapsMs: median(mapped) };
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
