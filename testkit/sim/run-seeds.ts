// Runs a range of seeds through the simulator, stopping at the first failure, for the test and the
// soak command alike; a time budget may end the run early, and the report says how far it got.

import { assert } from '../../engine/assert.js';
import { newCounters, type SimCounters } from './sim-counters.js';
import { SIM_OPTIONS_DEFAULT, type SimOptions } from './sim-options.js';
import { runSeed } from './simulator.js';

export interface SeedRange {
  /** First seed, inclusive. */
  readonly first: number;
  readonly count: number;
}

export interface SeedRunReport {
  readonly counters: SimCounters;
  readonly elapsedMs: number;
  /** Seeds run, from `first` on: `count` unless the budget ran out first. */
  readonly ran: number;
  readonly stoppedEarly: boolean;
}

/** Bound on one run's seeds: far above any soak. */
export const SEEDS_MAX = 100_000_000;

export interface SeedRunOptions {
  /** Wall-clock budget: no seed starts once it is spent (the one running finishes). */
  readonly budgetMs?: number;
  /** Hears every `progressEvery` seeds. */
  readonly onProgress?: (done: number, counters: SimCounters) => void;
  readonly progressEvery?: number;
}

/** Runs seeds [first, first + count) in order; the first failure throws (a SimFailure naming its seed and step). */
export async function runSeeds(range: SeedRange, options: SimOptions = SIM_OPTIONS_DEFAULT, run: SeedRunOptions = {}): Promise<SeedRunReport> {
  assert(Number.isSafeInteger(range.first) && range.first >= 0, `first seed ${range.first}`);
  assert(Number.isInteger(range.count) && range.count >= 1 && range.count <= SEEDS_MAX, `seed count ${range.count} outside [1, ${SEEDS_MAX}]`);
  const budgetMs = run.budgetMs ?? Number.POSITIVE_INFINITY;
  assert(budgetMs > 0, `seed budget ${budgetMs} ms`);
  const progressEvery = run.progressEvery ?? 1000;
  const counters = newCounters();
  const startedMs = performance.now();
  let ran = 0;
  while (ran < range.count && performance.now() - startedMs < budgetMs) {
    await runSeed(range.first + ran, counters, options);
    ran++;
    if (run.onProgress !== undefined && ran % progressEvery === 0) run.onProgress(ran, counters);
  }
  return { counters, elapsedMs: performance.now() - startedMs, ran, stoppedEarly: ran < range.count };
}
