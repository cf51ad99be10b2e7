// The benchmark suite runner: `make bench` (full profile, < 15 min on 2 cores) and
// `make bench-quick` (< 2 min). Writes bench/results/<date>-<commit>.json and the markdown
// report with its plots beside it.
//
//   node dist-bench/bench/suite.js [--profile quick|full] [--only a,b] [--set name.key=value]...
//                            [--set key=value] [--out dir] [--no-report] [--list]
//
// `--set key=value` without a benchmark name applies to every benchmark that has the key
// (e.g. `--set runs=3`); an unknown key is an error, so a typo never silently runs defaults.

import { BENCH_NAME_PATTERN, parseParamValue, type Benchmark } from './lib/benchmark.js';
import { describeMachine, formatMachine } from './lib/machine.js';
import { coreMemory } from './core-memory.js';
import { coreMicro } from './core-micro.js';
import { coreOrderFlow } from './core-order-flow.js';
import { durablePipeline } from './durable-pipeline.js';
import { journalRead } from './journal-read.js';
import { journalWriteFsync, journalWriteNone } from './journal-write.js';
import { metricUpdate } from './metric-update.js';
import { orderFlowDecodeBaseline } from './lib/order-flow-decode-baseline.js';
import { writeReport } from './lib/report.js';
import { PROFILES, RESULTS_SCHEMA, writeResults, type BenchParams, type BenchResult, type Profile, type SuiteResult } from './lib/results.js';
import { parseCliArgs, UsageError } from '../platform/cli-args.js';
import { runIfMain } from '../platform/run-main.js';
import { pipelineLatency } from './pipeline-latency.js';
import { pipelineThroughput } from './pipeline-throughput.js';
import { queries } from './queries.js';
import { replay } from './replay-journal.js';
import { clusterMode } from './cluster-mode.js';
import { ringHopLatency } from './ring-hop-latency.js';
import { ringThroughput } from './ring-throughput.js';
import { wsEndToEnd } from './ws-end-to-end.js';

/** Every benchmark of the suite, in the order it runs. Add new benchmarks here. */
export const BENCHMARKS: readonly Benchmark[] = [
  orderFlowDecodeBaseline,
  coreOrderFlow,
  coreMicro,
  coreMemory,
  ringThroughput,
  ringHopLatency,
  journalWriteFsync,
  journalWriteNone,
  journalRead,
  pipelineThroughput,
  pipelineLatency,
  wsEndToEnd,
  metricUpdate,
  queries,
  durablePipeline,
  replay,
  clusterMode,
];

/** Wall-clock budgets per profile; exceeding one is reported, not fatal. */
export const PROFILE_BUDGET_MS: Record<Profile, number> = { quick: 120_000, full: 900_000 };
export const RESULTS_DIR_DEFAULT = 'bench/results';
const SETS_MAX = 256;

export interface SuiteOptions {
  profile: Profile;
  /** Benchmark names to run; null for all. */
  only: string[] | null;
  /** Overrides by benchmark name; key '' holds the ones for every benchmark. */
  overrides: Map<string, BenchParams>;
  outDir: string;
  report: boolean;
  list: boolean;
}

export const SUITE_USAGE = 'usage: suite [--profile quick|full] [--only a,b] [--set [name.]key=value]... [--out dir] [--no-report] [--list]';

export function parseSuiteArgs(argv: readonly string[]): SuiteOptions {
  const spec = {
    profile: { type: 'string' },
    only: { type: 'string' },
    out: { type: 'string' },
    'no-report': { type: 'boolean' },
    list: { type: 'boolean' },
    set: { type: 'string', multiple: true },
  } as const;
  const { values } = parseCliArgs({ args: [...argv], options: spec }, SUITE_USAGE);
  const options: SuiteOptions = { profile: 'quick', only: null, overrides: new Map(), outDir: values.out ?? RESULTS_DIR_DEFAULT, report: values['no-report'] !== true, list: values.list === true };
  if (values.profile !== undefined) {
    if (!PROFILES.includes(values.profile as Profile)) throw new UsageError(`unknown profile ${values.profile} (quick or full)`);
    options.profile = values.profile as Profile;
  }
  if (values.only !== undefined) options.only = values.only.split(',').filter((name) => name !== '');
  const sets = values.set ?? [];
  if (sets.length > SETS_MAX) throw new UsageError(`more than ${SETS_MAX} --set`);
  // In the order given, so that a later --set of the same key wins.
  for (const assignment of sets) {
    const match = /^(?:([a-z0-9-]+)\.)?([A-Za-z0-9_]+)=(.*)$/.exec(assignment);
    if (match === null) throw new UsageError(`--set ${assignment}: expected [name.]key=value`);
    const [, bench = '', key = '', text = ''] = match;
    const params = options.overrides.get(bench) ?? {};
    params[key] = parseParamValue(text);
    options.overrides.set(bench, params);
  }
  return options;
}

/** The benchmarks `only` selects, in suite order; an unknown name is an error. */
export function selectBenchmarks(benchmarks: readonly Benchmark[], only: readonly string[] | null): Benchmark[] {
  const names = new Set<string>();
  for (const bench of benchmarks) {
    if (!BENCH_NAME_PATTERN.test(bench.name)) throw new Error(`benchmark name ${bench.name} is not kebab-case`);
    if (names.has(bench.name)) throw new Error(`benchmark ${bench.name} registered twice`);
    names.add(bench.name);
  }
  if (only === null) return [...benchmarks];
  for (const name of only) if (!names.has(name)) throw new Error(`unknown benchmark ${name} (have: ${[...names].join(', ') || 'none'})`);
  return benchmarks.filter((bench) => only.includes(bench.name));
}

/** The profile's defaults with the overrides applied; keys the benchmark does not have are errors. */
export function resolveParams(bench: Benchmark, profile: Profile, overrides: ReadonlyMap<string, BenchParams>): BenchParams {
  const params: BenchParams = { ...bench.defaults[profile] };
  for (const source of ['', bench.name]) {
    for (const [key, value] of Object.entries(overrides.get(source) ?? {})) {
      if (!(key in params)) {
        if (source === '') continue;
        throw new Error(`benchmark ${bench.name} has no parameter ${key} (has: ${Object.keys(params).join(', ')})`);
      }
      params[key] = value;
    }
  }
  return params;
}

export type Log = (line: string) => void;

/** Runs the selected benchmarks one after another; a failing benchmark is recorded, not fatal. */
export async function runSuite(options: SuiteOptions, benchmarks: readonly Benchmark[] = BENCHMARKS, log: Log = stderrLog): Promise<SuiteResult> {
  const selected = selectBenchmarks(benchmarks, options.only);
  for (const name of options.overrides.keys()) {
    if (name !== '' && !selected.some((bench) => bench.name === name)) throw new Error(`--set for ${name}, which does not run`);
  }
  // Resolve every benchmark's parameters first, so a typo fails before minutes of running.
  const plan = selected.map((bench) => ({ bench, params: resolveParams(bench, options.profile, options.overrides) }));
  const machine = describeMachine();
  log(`ordo bench, profile ${options.profile}: ${formatMachine(machine)}`);
  const startedMs = Date.now();
  const results: BenchResult[] = [];
  const failures: SuiteResult['failures'] = [];
  for (const { bench, params } of plan) {
    log(`- ${bench.name} ${JSON.stringify(params)}`);
    const benchStartedMs = Date.now();
    try {
      const result = await bench.run(params, options.profile);
      if (result.name !== bench.name) throw new Error(`benchmark ${bench.name} returned a result named ${result.name}`);
      results.push(result);
      log(`  done in ${((Date.now() - benchStartedMs) / 1000).toFixed(1)} s`);
    } catch (error) {
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      failures.push({ name: bench.name, error: message });
      log(`  FAILED: ${message}`);
    }
  }
  const durationMs = Date.now() - startedMs;
  const budgetMs = PROFILE_BUDGET_MS[options.profile];
  if (options.only === null && durationMs > budgetMs) {
    log(`warning: the ${options.profile} profile took ${(durationMs / 1000).toFixed(0)} s, over its budget of ${budgetMs / 1000} s`);
  }
  return { schema: RESULTS_SCHEMA, profile: options.profile, machine, durationMs, benchmarks: results, failures };
}

/** The suite command: runs, writes results (and the report), returns the exit code. */
export async function suiteMain(argv: readonly string[], benchmarks: readonly Benchmark[] = BENCHMARKS, log: Log = stderrLog): Promise<number> {
  const options = parseSuiteArgs(argv);
  if (options.list) {
    for (const bench of benchmarks) log(`${bench.name}: ${bench.description}\n  quick ${JSON.stringify(bench.defaults.quick)}\n  full  ${JSON.stringify(bench.defaults.full)}`);
    return 0;
  }
  const suite = await runSuite(options, benchmarks, log);
  const jsonPath = writeResults(options.outDir, suite);
  log(`results: ${jsonPath}`);
  if (options.report) log(`report:  ${writeReport(options.outDir, suite).markdownPath}`);
  return suite.failures.length === 0 ? 0 : 1;
}

function stderrLog(line: string): void {
  process.stderr.write(`${line}\n`);
}

runIfMain(import.meta.url, (argv) => suiteMain(argv));
