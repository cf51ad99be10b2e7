// Starting and collecting the worker threads of the ring benchmarks: every worker loads, says
// 'ready', and only then is the shared start flag raised, so module loading and JIT-less thread
// start-up are outside the measured window.
import type { Worker } from 'node:worker_threads';
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
 * A standalone run of one ring benchmark: `--profile quick|full` picks the defaults, any other
 * `--key value` (or `--key=value`) overrides one; prints the result as JSON on stdout.
 */
export async function standaloneMain(bench: Benchmark, argv: readonly string[]): Promise<number> {
  let profile: Profile = 'quick';
  const overrides: BenchParams = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const match = /^--([A-Za-z0-9]+)(?:=(.*))?$/.exec(arg);
    if (match === null) throw new Error(`usage: ${bench.name} [--profile quick|full] [--key value]...; got ${arg}`);
    const key = match[1] ?? '';
    const text = match[2] ?? argv[++i];
    if (text === undefined) throw new Error(`missing value for --${key}`);
    if (key === 'profile') {
      if (!PROFILES.includes(text as Profile)) throw new Error(`unknown profile ${text}`);
      profile = text as Profile;
    } else {
      overrides[key] = parseParamValue(text);
    }
  }
  const params: BenchParams = { ...bench.defaults[profile] };
  for (const [key, value] of Object.entries(overrides)) {
    if (!(key in params)) throw new Error(`${bench.name} has no parameter ${key} (has: ${Object.keys(params).join(', ')})`);
    params[key] = value;
  }
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
