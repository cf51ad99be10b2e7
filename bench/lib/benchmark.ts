// What a benchmark is to the suite, and the helpers every benchmark shares: parameters, and the
// latency sweep over offered rates.
//
// To add a benchmark: write bench/<name>.ts exporting a `Benchmark`, and add it to BENCHMARKS in
// bench/suite.ts. It then runs in `make bench` / `make bench-quick`, and alone with
// `node dist/bench/suite.js --only <name> --set <name>.<param>=<value>`.

import { LatencyHistogram } from '../../loadgen/histogram.js';
import { OpenLoopSchedule } from '../../loadgen/open-loop.js';
import { latencyAtRate, type BenchParams, type BenchResult, type LatencyAtRate, type LatencyRun, type ParamValue, type Profile } from './results.js';
import { repeat } from './stats.js';

export interface Benchmark {
  /** kebab-case, unique in the suite; also the prefix of its metrics and plot files. */
  name: string;
  description: string;
  /** Parameters per profile; `--set name.key=value` overrides one. Keep `quick` well under 2 min. */
  defaults: Record<Profile, BenchParams>;
  run(params: BenchParams, profile: Profile): Promise<BenchResult>;
}

export const BENCH_NAME_PATTERN = /^[a-z0-9]+(-[a-z0-9]+)*$/;

export function numberParam(params: BenchParams, key: string): number {
  const value = params[key];
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new Error(`parameter ${key}: expected a number, got ${String(value)}`);
  return value;
}

export function wholeParam(params: BenchParams, key: string, min: number, max: number): number {
  const value = numberParam(params, key);
  if (!Number.isSafeInteger(value) || value < min || value > max) throw new Error(`parameter ${key}: ${value} is not a whole number in [${min}, ${max}]`);
  return value;
}

export function stringParam(params: BenchParams, key: string): string {
  const value = params[key];
  if (typeof value !== 'string') throw new Error(`parameter ${key}: expected a string, got ${String(value)}`);
  return value;
}

export function booleanParam(params: BenchParams, key: string): boolean {
  const value = params[key];
  if (typeof value !== 'boolean') throw new Error(`parameter ${key}: expected true or false, got ${String(value)}`);
  return value;
}

/** A list of whole numbers given as "1000,5000,20000" (a list parameter is a string). */
export function wholeListParam(params: BenchParams, key: string, min: number, max: number): number[] {
  const text = typeof params[key] === 'number' ? String(params[key]) : stringParam(params, key);
  const values = text.split(',').map((part) => Number(part.trim().replace(/_/g, '')));
  for (const value of values) {
    if (!Number.isSafeInteger(value) || value < min || value > max) throw new Error(`parameter ${key}: ${text} is not a list of whole numbers in [${min}, ${max}]`);
  }
  return values;
}

/** Parses a command-line value: numbers and true/false become typed, anything else stays text. */
export function parseParamValue(text: string): ParamValue {
  if (text === 'true') return true;
  if (text === 'false') return false;
  const asNumber = Number(text.replace(/_/g, ''));
  return text.trim() !== '' && /^[-+0-9._e]+$/i.test(text) && Number.isFinite(asNumber) ? asNumber : text;
}

export interface LatencySweepOptions {
  /** Offered rates, commands per second, ascending (the last near or past saturation). */
  ratesPerSecond: readonly number[];
  runs: number;
  /** Commands per run at each rate. */
  countPerRun: (ratePerSecond: number) => number;
  /**
   * One open-loop run: drive `schedule` (see open-loop.ts for the rules), record each latency into
   * `histogram`, and resolve once every command has completed. runIndex -1 is the warm-up.
   */
  runOnce: (schedule: OpenLoopSchedule, histogram: LatencyHistogram, runIndex: number) => Promise<void>;
  /** One unrecorded run at the first rate before measuring, so JIT tier-up is not measured. */
  warmup?: boolean;
}

/**
 * Runs the open-loop latency sweep: at each offered rate, `runs` runs, each with a fresh schedule
 * and histogram. The achieved rate of a run is its command count over the time from start to the
 * last completion (read when runOnce resolves).
 */
export async function latencySweep(options: LatencySweepOptions): Promise<LatencyAtRate[]> {
  const sweep: LatencyAtRate[] = [];
  const firstRate = options.ratesPerSecond[0];
  if (firstRate === undefined) throw new RangeError('latency sweep needs at least one rate');
  if (options.warmup ?? true) {
    const schedule = new OpenLoopSchedule({ ratePerSecond: firstRate, count: options.countPerRun(firstRate) });
    await options.runOnce(schedule, new LatencyHistogram(), -1);
  }
  let previousRate = 0;
  for (const ratePerSecond of options.ratesPerSecond) {
    if (ratePerSecond <= previousRate) throw new RangeError('latency sweep rates must be ascending');
    previousRate = ratePerSecond;
    const runs = await repeat(options.runs, async (runIndex): Promise<LatencyRun> => {
      const schedule = new OpenLoopSchedule({ ratePerSecond, count: options.countPerRun(ratePerSecond) });
      const histogram = new LatencyHistogram();
      await options.runOnce(schedule, histogram, runIndex);
      if (!schedule.started) throw new Error('runOnce did not start its schedule');
      const elapsedNs = schedule.elapsedNs();
      if (histogram.count !== schedule.count) {
        throw new Error(`at ${ratePerSecond}/s run ${runIndex}: ${histogram.count} latencies for ${schedule.count} commands`);
      }
      return { histogram, achievedRatePerSecond: (schedule.count * 1e9) / Math.max(1, elapsedNs) };
    });
    sweep.push(latencyAtRate(ratePerSecond, runs));
  }
  return sweep;
}
