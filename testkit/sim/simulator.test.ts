import { describe, expect, it } from 'vitest';
import { parseIntegerOption } from '../../platform/cli-args.js';
import { runSeeds } from './run-seeds.js';
import { runSeedsParallel, SEED_WORKERS_MAX, seedWorkersDefault } from './seed-workers.js';
import { formatCounters } from './sim-counters.js';
import { replayHint, SIM_OPTIONS_DEFAULT } from './sim-options.js';

/**
 * The deterministic simulation of the pipeline (simulator.ts) over a fixed range of seeds, so that
 * every run covers the same ground and a failure names a seed that replays it. Thousands of short
 * seeds (each a fresh journal, its own fault mix, crashes and restarts) within a wall-clock
 * budget, on one worker thread per core: the run stops early when the budget is spent, says how
 * many seeds it ran, and fails only below a floor far under what this 2-core machine runs even
 * when loaded. `make soak-sim` runs many more, and longer.
 *
 *   SIM_SEED=n         that one seed alone (with SIM_STEPS as it failed)
 *   SIM_SEEDS=n        seeds from SIM_FIRST (default 1)    SIM_STEPS=n   steps per seed
 *   SIM_BUDGET_MS=n    the wall-clock budget                SIM_SEEDS_FLOOR=n   fewer fails
 *   SIM_WORKERS=n      threads (default one per core; 1 runs on the test's own thread)
 */
const env = process.env;
const option = (name: string, fallback: number, min: number, max: number): number => parseIntegerOption(env[name] ?? String(fallback), name, min, max);
const SEEDS = option('SIM_SEEDS', 2_500, 1, 10_000_000);
const FIRST = option('SIM_FIRST', 1, 0, 2 ** 40);
const STEPS = option('SIM_STEPS', 100, 1, 1_000_000);
const BUDGET_MS = option('SIM_BUDGET_MS', 60_000, 1, 24 * 3_600_000);
const FLOOR = option('SIM_SEEDS_FLOOR', Math.min(400, SEEDS), 1, SEEDS);
const WORKERS = option('SIM_WORKERS', seedWorkersDefault(), 1, SEED_WORKERS_MAX);
const replaySeed = env.SIM_SEED === undefined ? null : option('SIM_SEED', 0, 0, 2 ** 40);
const range = replaySeed !== null ? { first: replaySeed, count: 1 } : { first: FIRST, count: SEEDS };
const last = range.first + range.count - 1;

describe(`the pipeline simulation, seeds ${range.first}..${last}, ${STEPS} steps each`, () => {
  it(
    'keeps every acknowledged command, applies each once, conserves money, replays to the live state and keeps the read model equal to the core, under faults and crashes',
    async () => {
      const options = { ...SIM_OPTIONS_DEFAULT, steps: STEPS };
      const workers = replaySeed !== null ? 1 : WORKERS;
      console.log(`simulation: seeds ${range.first}..${last}, ${STEPS} steps each, budget ${BUDGET_MS / 1000} s, ${workers} thread(s); one seed again: ${replayHint('<seed>', STEPS)}`);
      const report =
        workers === 1
          ? await runSeeds(range, options, { budgetMs: replaySeed !== null ? Number.POSITIVE_INFINITY : BUDGET_MS })
          : await runSeedsParallel(range, options, workers, BUDGET_MS);
      const ranTo = range.first + report.ran - 1;
      console.log(
        `simulation: ${report.ran} seeds (${range.first}..${ranTo}) in ${(report.elapsedMs / 1000).toFixed(1)} s` +
          (report.stoppedEarly ? `, budget spent before seed ${ranTo + 1} (floor ${FLOOR})` : '') +
          `\n${formatCounters(report.counters)}`,
      );
      const { counters } = report;
      expect(counters.seeds).toBe(report.ran);
      if (replaySeed !== null) return;
      expect(report.ran, `seeds run within ${BUDGET_MS} ms`).toBeGreaterThanOrEqual(FLOOR);
      // A range this size meets every fault and every check; a run that stopped injecting or
      // checking something would pass vacuously, so the counters are held up too.
      for (const [kind, count] of Object.entries(counters.faults)) expect(count, `fault ${kind}`).toBeGreaterThan(0);
      for (const [check, count] of Object.entries(counters.checks)) expect(count, `check ${check}`).toBeGreaterThan(0);
      for (const total of ['busy', 'tornTailsCut', 'gatewayOrders', 'gatewayRefused', 'rawCommands', 'hostileFrames'] as const) expect(counters[total], total).toBeGreaterThan(0);
      expect(counters.recoveries).toBe(counters.crashes);
    },
    BUDGET_MS + 120_000,
  );

  it.skipIf(replaySeed !== null)('is deterministic: the same seeds on one thread and on two give the same counters, fault for fault', async () => {
    const few = { first: FIRST, count: 24 };
    const options = { ...SIM_OPTIONS_DEFAULT, steps: STEPS };
    const alone = await runSeeds(few, options);
    const shared = await runSeedsParallel(few, options, 2);
    expect([alone.ran, shared.ran]).toEqual([few.count, few.count]);
    expect(shared.counters).toEqual(alone.counters);
  }, 120_000);
});
