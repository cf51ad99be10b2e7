// Runs a range of seeds through the simulator, stopping at the first failure, for the test and the
// soak command alike.

import { assert } from '../../engine/assert.js';
import { newCounters, type SimCounters } from './sim-counters.js';
import { runSeed, SIM_OPTIONS_DEFAULT, type SimOptions } from './simulator.js';

export interface SeedRange {
  /** First seed, inclusive. */
  readonly first: number;
  readonly count: number;
}

export interface SeedRunReport {
  readonly counters: SimCounters;
  readonly elapsedMs: number;
}

/** Bound on one run's seeds: far above any soak. */
export const SEEDS_MAX = 100_000_000;

/**
 * Runs seeds [first, first + count) in order; the first failure throws (a SimFailure naming its
 * seed and step). `onProgress` hears every `progressEvery` seeds.
 */
export async function runSeeds(range: SeedRange, options: SimOptions = SIM_OPTIONS_DEFAULT, onProgress?: (done: number, counters: SimCounters) => void, progressEvery = 1000): Promise<SeedRunReport> {
  assert(Number.isSafeInteger(range.first) && range.first >= 0, `first seed ${range.first}`);
  assert(Number.isInteger(range.count) && range.count >= 1 && range.count <= SEEDS_MAX, `seed count ${range.count} outside [1, ${SEEDS_MAX}]`);
  const counters = newCounters();
  const startedMs = performance.now();
  for (let index = 0; index < range.count; index++) {
    await runSeed(range.first + index, counters, options);
    if (onProgress !== undefined && (index + 1) % progressEvery === 0) onProgress(index + 1, counters);
  }
  return { counters, elapsedMs: performance.now() - startedMs };
}
