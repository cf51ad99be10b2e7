// Starting and collecting the worker threads of the ring benchmarks: every worker loads, says
// 'ready', and only then is the shared start flag raised, so module loading and JIT-less thread
// start-up are outside the measured window.
import type { Worker } from 'node:worker_threads';
import { parseCliArgs, UsageError } from '../platform/cli-args.js';
import { siblingModuleUrl, spawnWorker } from '../platform/worker-spawn.js';
import type { WaitStrategy } from '../ring/wait-strategy.js';
import { parseParamValue, type Benchmark } from './lib/benchmark.js';
import { PROFILES, type BenchParams, type Profile } from './lib/results.js';
import { CONTROL_INTS, CONTROL_START, type RingBenchJob, type RingBenchResult } from './ring-bench-worker.js';

const workerUrl = siblingModuleUrl(import.meta.url, './ring-bench-worker');

/** Bound on waiting for one worker's result: a benchmark run that hangs fails instead. */
export const WORKER_RESULT_TIMEOUT_MS = 120_000;

export function newControl(): SharedArrayBuffer {
  return new SharedArrayBuffer(CONTROL_INTS * 4);
}

export interface StartedWorker {
  readonly worker: Worker;
  readonly ready: Promise<void>;
  readonly result: Promise<RingBenchResult>;
}

export function startWorker(job: RingBenchJob, transferList: Array<import('node:worker_threads').MessagePort> = []): StartedWorker {
  const worker = spawnWorker(workerUrl, { workerData: job, transferList });
  let onReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  const result = new Promise<RingBenchResult>((resolve, reject) => {
    const timer = setTimeout(() => {
      void worker.terminate();
      reject(new Error(`ring bench worker ${job.role} gave no result in ${WORKER_RESULT_TIMEOUT_MS} ms`));
    }, WORKER_RESULT_TIMEOUT_MS);
    worker.on('message', (message: 'ready' | RingBenchResult) => {
      if (message === 'ready') onReady();
      else {
        clearTimeout(timer);
        resolve(message);
      }
    });
    worker.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    worker.once('exit', (code) => {
      clearTimeout(timer);
      if (code !== 0) reject(new Error(`ring bench worker ${job.role} exited with ${code}`));
    });
  });
  return { worker, ready, result };
}

/** Waits until every worker is ready, then raises the start flag for all at once. */
export async function startAll(control: SharedArrayBuffer, workers: readonly StartedWorker[]): Promise<void> {
  await Promise.all(workers.map((w) => w.ready));
  const flags = new Int32Array(control);
  Atomics.store(flags, CONTROL_START, 1);
  Atomics.notify(flags, CONTROL_START);
}

/**
 * The command line of a standalone benchmark run: `--profile quick|full` picks the defaults, and
 * `--key value` (or `--key=value`) overrides one of the benchmark's parameters; anything else is
 * a UsageError that lists them.
 */
export function parseStandaloneArgs(bench: Benchmark, argv: readonly string[]): { profile: Profile; params: BenchParams } {
  const keys = [...new Set(PROFILES.flatMap((p) => Object.keys(bench.defaults[p])))];
  const usage = `usage: ${bench.name} [--profile ${PROFILES.join('|')}]${keys.map((key) => ` [--${key} value]`).join('')}`;
  const options: Record<string, { type: 'string' }> = { profile: { type: 'string' } };
  for (const key of keys) options[key] = { type: 'string' };
  const { values } = parseCliArgs({ args: [...argv], options }, usage);
  const profileText = values.profile ?? 'quick';
  if (typeof profileText !== 'string' || !PROFILES.includes(profileText as Profile)) throw new UsageError(`unknown profile ${String(profileText)}\n${usage}`);
  const profile = profileText as Profile;
  const params: BenchParams = { ...bench.defaults[profile] };
  for (const key of keys) {
    const text = values[key];
    if (typeof text !== 'string') continue;
    if (!(key in params)) throw new UsageError(`${bench.name} has no parameter ${key} in profile ${profile} (has: ${Object.keys(params).join(', ')})`);
    params[key] = parseParamValue(text);
  }
  return { profile, params };
}

/** A standalone run of one benchmark (parseStandaloneArgs); prints the result as JSON on stdout. */
export async function standaloneMain(bench: Benchmark, argv: readonly string[]): Promise<number> {
  const { profile, params } = parseStandaloneArgs(bench, argv);
  const result = await bench.run(params, profile);
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  return 0;
}

/** A wait strategy from a benchmark parameter: busy-spin, hybrid or blocking. */
export function waitStrategyParam(kind: string, spinIterations: number): WaitStrategy {
  switch (kind) {
    case 'busy-spin':
      return { kind: 'busy-spin' };
    case 'hybrid':
      return { kind: 'hybrid', spinIterations };
    case 'blocking':
      return { kind: 'blocking' };
    default:
      throw new Error(`unknown wait strategy ${kind} (busy-spin, hybrid or blocking)`);
  }
}
