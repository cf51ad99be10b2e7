import type { EngineConfig } from '../../engine/symbol-config.js';
import { propertyTestConfig } from '../random-commands.js';

// What a simulation run is given (options, configuration) and how its failure names the seed that
// replays it: shared by the simulator, the seed workers, the test and the soak.

/** How one seed runs: the defaults are what the test runs. */
export interface SimOptions {
  /** Scheduler steps per seed. */
  readonly steps: number;
  /** A fresh replay of the journal is compared with the live state every this many steps. */
  readonly replayCheckEvery: number;
}

export const SIM_OPTIONS_DEFAULT: SimOptions = { steps: 400, replayCheckEvery: 100 };

/**
 * The property tests' configuration with a lot size on the second symbol that the wire can state
 * (its 7-unit lot gives a tick of 3/700 that has no decimal form): the gateway speaks decimals.
 */
export function simConfig(): EngineConfig {
  const config = propertyTestConfig();
  return { ...config, symbols: config.symbols.map((s) => (s.id === 2 ? { ...s, baseLotUnits: 5 } : s)) };
}

/** A failure of a check, with the seed and step that reproduce it. */
export class SimFailure extends Error {
  override readonly name = 'SimFailure';
  constructor(
    readonly seed: number,
    readonly step: number,
    readonly steps: number,
    cause: unknown,
  ) {
    super(`simulation seed ${seed} failed at step ${step}: ${cause instanceof Error ? cause.message : String(cause)} (${replayHint(seed, steps)})`, { cause });
  }
}

/** How to run one seed again, alone: a seed's run depends on its step count too. */
export function replayHint(seed: number | string, steps: number): string {
  return `replay: SIM_SEED=${seed} SIM_STEPS=${steps} npx vitest run testkit/sim/simulator.test.ts, or make soak-sim SIM_FIRST=${seed} SIM_SEEDS=1 SIM_STEPS=${steps}`;
}

