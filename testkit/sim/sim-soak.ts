/**
 * The simulator's soak: many more seeds than the test runs, with a progress line every thousand
 * and the counters at the end. Exit 0 when every seed passed, 1 with the failing seed and step
 * (replay it with `--first <seed> --seeds 1 --steps <steps>`, or SIM_SEED=<seed> SIM_STEPS=<steps>
 * in the test). A budget (seconds) ends the run early, with the seeds it ran reported.
 *
 * With --workers above 1 the seeds are shared out to that many threads (no progress lines then).
 *
 *   make soak-sim SIM_SEEDS=100000 [SIM_FIRST=n] [SIM_STEPS=n] [SIM_BUDGET_S=n] [SIM_WORKERS=n]
 *   node --import tsx testkit/sim/sim-soak.ts --seeds 100000 [--first n] [--steps n] [--budget-s n] [--workers n]
 */
import { EXIT_USAGE, parseCliArgs, parseIntegerOption, UsageError } from '../../platform/cli-args.js';
import { runSeeds, SEEDS_MAX } from './run-seeds.js';
import { runSeedsParallel, SEED_WORKERS_MAX } from './seed-workers.js';
import { formatCounters } from './sim-counters.js';
import { SIM_OPTIONS_DEFAULT, SimFailure } from './sim-options.js';

const SIM_SOAK_USAGE = 'usage: sim-soak [--seeds N] [--first N] [--steps N] [--budget-s N] [--workers N]';
/** Bound on the steps of one seed: the simulator's memory store grows with them. */
const STEPS_MAX = 1_000_000;

async function main(): Promise<number> {
  const options = {
    seeds: { type: 'string', default: '100000' },
    first: { type: 'string', default: '1' },
    steps: { type: 'string', default: String(SIM_OPTIONS_DEFAULT.steps) },
    'budget-s': { type: 'string', default: '0' },
    workers: { type: 'string', default: '1' },
  } as const;
  const { values } = parseCliArgs({ args: process.argv.slice(2), options }, SIM_SOAK_USAGE);
  const count = parseIntegerOption(values.seeds, '--seeds', 1, SEEDS_MAX);
  const first = parseIntegerOption(values.first, '--first', 0, Number.MAX_SAFE_INTEGER - SEEDS_MAX);
  const steps = parseIntegerOption(values.steps, '--steps', 1, STEPS_MAX);
  const budgetS = parseIntegerOption(values['budget-s'], '--budget-s', 0, 7 * 24 * 3600);
  const workers = parseIntegerOption(values.workers, '--workers', 1, SEED_WORKERS_MAX);
  console.log(`simulation soak: seeds ${first}..${first + count - 1}, ${steps} steps each${budgetS > 0 ? `, budget ${budgetS} s` : ''}, ${workers} thread(s)`);
  try {
    const options = { ...SIM_OPTIONS_DEFAULT, steps };
    const budgetMs = budgetS > 0 ? budgetS * 1000 : Number.POSITIVE_INFINITY;
    const report =
      workers > 1
        ? await runSeedsParallel({ first, count }, options, workers, budgetMs)
        : await runSeeds({ first, count }, options, {
            onProgress: (done, counters) => console.log(`  ${done} seeds, ${counters.steps} steps, ${counters.crashes} crashes`),
            budgetMs,
          });
    const ranTo = first + report.ran - 1;
    console.log(`simulation soak passed: ${report.ran} seeds (${first}..${ranTo}) in ${(report.elapsedMs / 1000).toFixed(1)} s${report.stoppedEarly ? ', budget spent' : ''}:`);
    console.log(formatCounters(report.counters));
    return 0;
  } catch (error) {
    const where = error instanceof SimFailure ? ` (seed ${error.seed}, step ${error.step} of ${error.steps})` : '';
    console.error(`simulation soak FAILED${where}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    if (error instanceof Error && error.cause instanceof Error) console.error(`caused by: ${error.cause.stack ?? error.cause.message}`);
    return 1;
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof UsageError ? error.message : error);
    process.exit(EXIT_USAGE);
  },
);
