import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { afterBundlingCommands, deferredAliases, HANDLER_BUNDLING } from '../lib/constructs/handler-bundling';

const ROOT = resolve(__dirname, '..');

export const HANDLERS = {
  ingest: 'lambdas/handlers/ingest-email.ts',
  slaBreach: 'lambdas/handlers/sla-breach.ts',
  followUp: 'lambdas/handlers/follow-up.ts',
} as const;
export type HandlerName = keyof typeof HANDLERS;

export interface HandlerBundle {
  file: string;
  bytes: number;
  /** Minified bytes per package (`src` for ours), largest first. */
  packages: Array<[string, number]>;
}

/**
 * Bundles `entry` into `<dir>/index.js` with the options the CDK functions use
 * (`HANDLER_BUNDLING`, the deferred modules aliased to their stand-ins), then runs the
 * commands the CDK runs after bundling (tables and deferred modules beside it). Entries
 * outside this repository resolve packages from its node_modules.
 */
export async function bundleLikeDeployed(entry: string, dir: string): Promise<HandlerBundle> {
  const file = join(dir, 'index.js');
  const result = await build({
    entryPoints: [entry],
    outfile: file,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: HANDLER_BUNDLING.target,
    minify: HANDLER_BUNDLING.minify,
    sourcemap: HANDLER_BUNDLING.sourceMap,
    mainFields: [...HANDLER_BUNDLING.mainFields],
    external: [...HANDLER_BUNDLING.externalModules],
    alias: deferredAliases(),
    nodePaths: [join(ROOT, 'node_modules')],
    metafile: true,
    logLevel: 'silent',
  });
  for (const command of afterBundlingCommands(dir)) execFileSync('bash', ['-c', command], { stdio: ['ignore', 'ignore', 'inherit'] });
  const byPackage: Record<string, number> = {};
  const inputs = Object.values(result.metafile.outputs).find((o) => o.entryPoint)?.inputs ?? {};
  for (const [input, info] of Object.entries(inputs)) {
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1] ?? 'src';
    byPackage[pkg] = (byPackage[pkg] ?? 0) + info.bytesInOutput;
  }
  return { file, bytes: statSync(file).size, packages: Object.entries(byPackage).sort((a, b) => b[1] - a[1]) };
}

/** Every handler bundled by {@link bundleLikeDeployed}, each into its own directory. */
export async function bundleHandlers(outDir = mkdtempSync(join(tmpdir(), 'sesdesk-bench-bundles-'))): Promise<Record<HandlerName, HandlerBundle | { error: string }>> {
  const out = {} as Record<HandlerName, HandlerBundle | { error: string }>;
  for (const [name, entry] of Object.entries(HANDLERS) as Array<[HandlerName, string]>) {
    if (!existsSync(join(ROOT, entry))) {
      out[name] = { error: `${entry} does not exist yet` };
      continue;
    }
    try {
      out[name] = await bundleLikeDeployed(join(ROOT, entry), join(outDir, name));
    } catch (error) {
      out[name] = { error: error instanceof Error ? error.message.split('\n')[0] : String(error) };
    }
  }
  return out;
}

function timeNode(args: string[], env: NodeJS.ProcessEnv): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { env, encoding: 'utf8' });
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
 */
export function coldLoad(file: string, runs: number): ColdLoad {
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
  timeNode(['-e', '0'], env);
  for (let i = 0; i < runs; i += 1) {
    empty.push(timeNode(['-e', '0'], env));
    loaded.push(timeNode(['-e', load], env));
    mapped.push(timeNode(['--enable-source-maps', '-e', load], env));
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
