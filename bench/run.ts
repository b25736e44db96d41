import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runLocalStack } from '../local/run-stack';
import { writeStackInfo } from '../local/stack-info';
import { measureCliStart } from './cli-start';
import { bigMessage } from './big-message';
import { bundleHandlers, bundleRssChild, coldLoad, type HandlerName } from './bundles';
import { measureCpu } from './cpu-phase';
import { measureAckLatency, measureCalls, type CallSample } from './local-phases';

/**
 * `npm run bench`: the numbers of issue 7 (calls per ticket, CPU against a bare parse, ack
 * latency, bundle size and cold load, peak memory for a 40 MB message) and the CLI's start
 * times (issue 17). Starts its own
 * emulators on free ports with temporary data. BENCH_QUICK=1 for a smoke run, BENCH_MESSAGES=N
 * for the latency sample size, BENCH_NODE=/path/to/node to time the cold loads on another Node
 * (the functions run on Node 24; see docs/operations.md for getting one from the npm registry).
 */
const QUICK = process.env.BENCH_QUICK === '1';
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? (QUICK ? 50 : 1000));
const CALL_SAMPLES = QUICK ? 2 : 5;
const CPU_ROUNDS = QUICK ? 1 : 5;
const COLD_RUNS = QUICK ? 3 : 21;
const CLI_ROUNDS = QUICK ? 3 : 21;
const ROOT = resolve(__dirname, '..');

/** The Node binary the cold loads run on, and its version; a bad BENCH_NODE stops the bench. */
function coldLoadNode(): { bin: string; version: string } {
  const bin = process.env.BENCH_NODE ?? process.execPath;
  try {
    return { bin, version: execFileSync(bin, ['--version'], { encoding: 'utf8', env: { PATH: process.env.PATH } }).trim() };
  } catch (error) {
    process.stderr.write(`BENCH_NODE=${bin} is not a Node binary that runs here: ${(error as Error).message.split('\n')[0]}\n`);
    process.exit(2);
  }
}
const COLD_NODE = coldLoadNode();

const log = (message: string): void => {
  process.stderr.write(`[bench] ${message}\n`);
};

interface Row {
  metric: string;
  value: string;
  goal: string;
  met: boolean | null;
}
const rows: Row[] = [];
const row = (metric: string, value: number | string, goal: string, met: boolean | null): void => {
  rows.push({ metric, value: typeof value === 'number' ? fmt(value) : value, goal, met });
};
const fmt = (n: number): string => (Number.isInteger(n) ? String(n) : n.toFixed(2));

function average(samples: CallSample[]): { mean: number; outcomes: string[]; byCommand: Record<string, number> } {
  const mean = samples.reduce((s, x) => s + x.total, 0) / Math.max(1, samples.length);
  const byCommand: Record<string, number> = {};
  for (const s of samples) for (const [k, v] of Object.entries(s.byCommand)) byCommand[k] = (byCommand[k] ?? 0) + v / samples.length;
  return { mean, outcomes: [...new Set(samples.map((s) => s.outcome))], byCommand };
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'sesdesk-bench-'));
  const results: Record<string, unknown> = {
    at: new Date().toISOString(),
    node: process.version,
    coldLoadNode: COLD_NODE.version,
    cpus: cpus().length,
    quick: QUICK,
  };
  try {
    log('bundling handlers as the CDK functions are (lib/constructs/handler-bundling.ts)');
    const bundles = await bundleHandlers(join(work));
    const bundleBytes: Partial<Record<HandlerName, number | null>> = {};
    const coldLoadRatio: Partial<Record<HandlerName, number | null>> = {};
    const coldLoadMs: Record<string, unknown> = {};
    const bundlePackages: Record<string, Record<string, number>> = {};
    for (const [name, b] of Object.entries(bundles) as Array<[HandlerName, (typeof bundles)[HandlerName]]>) {
      if ('error' in b) {
        bundleBytes[name] = null;
        coldLoadRatio[name] = null;
        row(`bundleBytes.${name}`, `error: ${b.error.slice(0, 60)}`, '-', null);
        continue;
      }
      bundleBytes[name] = b.bytes;
      bundlePackages[name] = Object.fromEntries(b.packages.slice(0, 12));
      log(`cold load of ${name} (${COLD_RUNS} runs, Node ${COLD_NODE.version})`);
      try {
        const c = coldLoad(b.file, COLD_RUNS, COLD_NODE.bin);
        coldLoadRatio[name] = c.ratio;
        coldLoadMs[name] = c;
        row(`bundleBytes.${name}`, b.bytes, '-', null);
        row(`coldLoadRatio.${name}`, `${fmt(c.ratio)} (${fmt(c.bundleMs)} / ${fmt(c.emptyMs)} ms on ${COLD_NODE.version}; with source maps ${fmt(c.withSourceMapsMs)})`, '<= 3', c.ratio <= 3);
        row(`  largest in ${name}`, b.packages.slice(0, 4).map(([p, n]) => `${p} ${Math.round(n / 1024)}K`).join(', '), '-', null);
      } catch (error) {
        coldLoadRatio[name] = null;
        row(`coldLoadRatio.${name}`, `error: ${(error as Error).message.slice(0, 60)}`, '<= 3', false);
      }
    }
    Object.assign(results, { bundleBytes, coldLoadRatio, coldLoadMs, bundlePackages });

    log('peak RSS of ingesting a 40 MB message (child process)');
    const eml = join(work, 'big.eml');
    writeFileSync(eml, bigMessage());
    const child = await bundleRssChild(work);
    const rss = JSON.parse(
      execFileSync(process.execPath, [child, eml, 'ingest'], { env: { ...process.env, SESDESK_POLICY_DIR: join(ROOT, 'policies') }, encoding: 'utf8', maxBuffer: 1 << 20 }),
    ) as { peakRssMb: number; baselineRssMb: number; size: number; outcome: string; attachments: number };
    results.peakRssMb40MbMessage = rss.peakRssMb;
    results.peakRssDetail = rss;
    row('peakRssMb40MbMessage', `${fmt(rss.peakRssMb)} (${(rss.size / 1048576).toFixed(1)} MB, ${rss.outcome}, ${rss.attachments} att., ${fmt(rss.baselineRssMb)} loaded)`, '<= 300', rss.peakRssMb <= 300);

    log(`CPU of ingest vs bare simpleParser (${CPU_ROUNDS} round(s))`);
    const cpu = await measureCpu(CPU_ROUNDS);
    results.ingestCpuRatioVsBareParse = cpu.ratio;
    results.cpuDetail = cpu;
    row('ingestCpuRatioVsBareParse', `${fmt(cpu.ratio)} (${fmt(cpu.ingestCpuMsPerMessage)} / ${fmt(cpu.bareParseCpuMsPerMessage)} ms/msg, ${cpu.messages} msgs)`, '<= 1.5', cpu.ratio <= 1.5);

    log('starting the local stack (DynamoDB Local, s3rver, local SES) on free ports');
    const stack = await runLocalStack({ smtpPort: 0, logger: { info: () => undefined, error: (m: string) => log(`stack error: ${m}`) } });
    try {
      log(`CLI start: sesdesk --help and sesdesk tickets against node -e 0 (${CLI_ROUNDS} rounds, Node ${COLD_NODE.version})`);
      const cliDir = join(work, 'cli-data');
      writeStackInfo(cliDir, stack.info);
      // Not execFileSync: the SMTP listener that answers it runs in this process.
      await promisify(execFile)(process.execPath, [join(ROOT, 'bin', 'sesdesk.js'), 'send', join(ROOT, 'examples', 'first.eml'), '--data-dir', cliDir]);
      const cli = measureCliStart({ dataDir: cliDir, rounds: CLI_ROUNDS, node: COLD_NODE.bin });
      results.cliStart = cli;
      row('cliStartRatio.help', `${fmt(cli.helpRatio)} (${fmt(cli.helpMs)} / ${fmt(cli.emptyMs)} ms)`, '<= 2', cli.helpRatio <= 2);
      row('cliStartRatio.tickets', `${fmt(cli.ticketsRatio)} (${fmt(cli.ticketsMs)} / ${fmt(cli.emptyMs)} ms, ${cli.tickets} ticket)`, '<= 4', cli.ticketsRatio <= 4);

      log(`AWS calls per new ticket / reply / duplicate (${CALL_SAMPLES} samples each)`);
      const calls = await measureCalls(stack, CALL_SAMPLES);
      const n = average(calls.newTicket);
      const r = average(calls.reply);
      const d = average(calls.duplicate);
      const cold = average(calls.newTicketColdContainer);
      const alternating = average(calls.newTicketTwoContainersAlternating);
      Object.assign(results, {
        awsCallsPerNewTicket: n.mean,
        awsCallsPerReply: r.mean,
        awsCallsPerDuplicate: d.mean,
        awsCallsPerNewTicketColdContainer: cold.mean,
        awsCallsPerNewTicketTwoContainersAlternating: alternating.mean,
        awsCallsBreakdown: { newTicket: n, reply: r, duplicate: d, newTicketColdContainer: cold, newTicketTwoContainersAlternating: alternating },
      });
      // 6, not issue 7's 5: the ack leaves only after the commit that stores its ticket, and a
      // write after it records the send (docs/operations.md, "Why a new ticket takes 6 calls").
      row('awsCallsPerNewTicket', `${fmt(n.mean)} [${n.outcomes.join(',')}]`, '<= 6', n.mean <= 6);
      row('  first ticket of a container', `${fmt(cold.mean)} [${cold.outcomes.join(',')}]`, '-', null);
      row('  two containers alternating', `${fmt(alternating.mean)} [${alternating.outcomes.join(',')}]`, '-', null);
      row('awsCallsPerReply', `${fmt(r.mean)} [${r.outcomes.join(',')}]`, '<= 5', r.mean <= 5);
      row('awsCallsPerDuplicate', `${fmt(d.mean)} [${d.outcomes.join(',')}]`, '<= 1', d.mean <= 1);

      log(`ack latency over ${MESSAGES} messages`);
      const step = Math.max(1, Math.floor(MESSAGES / 10));
      const latency = await measureAckLatency(stack, MESSAGES, (done) => {
        if (done % step === 0 || done === MESSAGES) log(`  ack latency ${done}/${MESSAGES}`);
      });
      results.ackLatencyMs = { p50: latency.p50, p99: latency.p99 };
      results.ackLatencyDetail = latency;
      row('ackLatencyMs.p50', latency.p50, '<= 150', latency.p50 <= 150);
      row('ackLatencyMs.p99', latency.p99, '<= 500', latency.p99 <= 500);
    } finally {
      await stack.stop();
    }

    const out = join(ROOT, 'bench', 'results.json');
    writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
    printTable();
    printBreakdown(results.awsCallsBreakdown as Record<string, { byCommand: Record<string, number> }>);
    process.stdout.write(`\nwritten ${out}\n`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function printTable(): void {
  const head: Row = { metric: 'metric', value: 'value', goal: 'goal', met: null };
  const w = [0, 0, 0];
  for (const r of [head, ...rows]) {
    w[0] = Math.max(w[0], r.metric.length);
    w[1] = Math.max(w[1], r.value.length);
    w[2] = Math.max(w[2], r.goal.length);
  }
  const line = (r: Row, status: string) => `${r.metric.padEnd(w[0])}  ${r.value.padEnd(w[1])}  ${r.goal.padEnd(w[2])}  ${status}`;
  process.stdout.write(`\n${line(head, 'status')}\n`);
  for (const r of rows) process.stdout.write(`${line(r, r.met === null ? '' : r.met ? 'met' : 'MISSED')}\n`);
}

function printBreakdown(breakdown: Record<string, { byCommand: Record<string, number> }> | undefined): void {
  if (!breakdown) return;
  process.stdout.write('\nAWS calls per command (mean per message):\n');
  for (const [kind, b] of Object.entries(breakdown)) {
    process.stdout.write(`  ${kind}: ${Object.entries(b.byCommand).map(([c, n]) => `${c} ${fmt(n)}`).join(', ') || 'none'}\n`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
