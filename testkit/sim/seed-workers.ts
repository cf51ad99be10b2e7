// Seeds on several threads: each seed is independent (its own store, core and PRNG), so a range
// is shared out through one atomic counter, seed by seed, to worker threads (seed-worker.ts). The
// seeds run are always [first, first + ran): a thread finishes every seed it claims, and claims
// none once the budget is spent. The first failure stops the others and is thrown here.

import { availableParallelism } from 'node:os';
import { assert } from '../../engine/assert.js';
import { siblingModuleUrl, spawnWorker } from '../../platform/worker-spawn.js';
import type { SeedRange, SeedRunReport } from './run-seeds.js';
import { newCounters, type SimCounters } from './sim-counters.js';
import { SHARED_SLOTS, type SeedWorkerData, type SeedWorkerMessage } from './seed-worker-protocol.js';
import { SimFailure, type SimOptions } from './sim-options.js';

/** Bound on the threads: one per core is all that helps. */
export const SEED_WORKERS_MAX = 64;

/** One thread per core (at most `max`). */
export function seedWorkersDefault(max = SEED_WORKERS_MAX): number {
  return Math.max(1, Math.min(max, availableParallelism()));
}

/** runSeeds on `workers` threads, with the same report; the first failure throws a SimFailure. */
export async function runSeedsParallel(range: SeedRange, options: SimOptions, workers: number, budgetMs = Number.POSITIVE_INFINITY): Promise<SeedRunReport> {
  assert(Number.isInteger(workers) && workers >= 1 && workers <= SEED_WORKERS_MAX, `seed workers ${workers} outside [1, ${SEED_WORKERS_MAX}]`);
  assert(budgetMs > 0, `seed budget ${budgetMs} ms`);
  const startedMs = performance.now();
  const shared = new SharedArrayBuffer(SHARED_SLOTS * Int32Array.BYTES_PER_ELEMENT);
  const data: SeedWorkerData = { first: range.first, count: range.count, options, deadlineMs: Number.isFinite(budgetMs) ? Date.now() + budgetMs : Number.MAX_SAFE_INTEGER, shared };
  const messages = await Promise.all(Array.from({ length: workers }, () => runWorker(data)));
  const failed = messages.find((m) => m.type === 'failed');
  if (failed !== undefined && failed.type === 'failed') {
    const cause = new Error(failed.message);
    cause.stack = failed.stack;
    throw new SimFailure(failed.seed, failed.step, options.steps, cause);
  }
  const counters = newCounters();
  let ran = 0;
  for (const m of messages) {
    if (m.type !== 'done') continue;
    ran += m.ran;
    addCounters(counters, m.counters);
  }
  return { counters, elapsedMs: performance.now() - startedMs, ran, stoppedEarly: ran < range.count };
}

function runWorker(data: SeedWorkerData): Promise<SeedWorkerMessage> {
  return new Promise((resolve, reject) => {
    const worker = spawnWorker(siblingModuleUrl(import.meta.url, './seed-worker'), { workerData: data });
    let message: SeedWorkerMessage | null = null;
    worker.once('message', (m: SeedWorkerMessage) => (message = m));
    worker.once('error', reject);
    worker.once('exit', (code) => (message !== null ? resolve(message) : reject(new Error(`a seed worker exited with ${code} and no report`))));
  });
}

/** Adds every number of `from` into `into`, nested records too (the counters are numbers all the way down). */
function addCounters(into: SimCounters, from: SimCounters): void {
  const add = (a: Record<string, unknown>, b: Record<string, unknown>): void => {
    for (const [key, value] of Object.entries(b)) {
      if (typeof value === 'number') a[key] = (a[key] as number) + value;
      else add(a[key] as Record<string, unknown>, value as Record<string, unknown>);
    }
  };
  add(into as unknown as Record<string, unknown>, from as unknown as Record<string, unknown>);
}
