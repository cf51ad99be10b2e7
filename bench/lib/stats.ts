// Every figure in a report is the median over several runs, with the min and max beside it, so a
// noisy machine shows up as a wide range rather than as a wrong number.

/** A figure over runs: median, min and max, and the raw values for the record. */
export interface RunSummary {
  median: number;
  min: number;
  max: number;
  runs: number;
  values: number[];
}

/** How many runs any one figure may be taken over; more is a mistake in the parameters. */
export const RUNS_MAX = 1_000;

/** The median of finite values; for an even count, the mean of the two middle values. */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of no values');
  const sorted = sortedFinite(values);
  const mid = sorted.length >> 1;
  const upper = sorted[mid]!;
  return sorted.length % 2 === 1 ? upper : (sorted[mid - 1]! + upper) / 2;
}

export function summarize(values: readonly number[]): RunSummary {
  if (values.length === 0) throw new RangeError('summary of no values');
  const sorted = sortedFinite(values);
  const result: RunSummary = {
    median: median(sorted),
    min: sorted[0]!,
    max: sorted[sorted.length - 1]!,
    runs: values.length,
    values: [...values],
  };
  if (!(result.min <= result.median && result.median <= result.max)) throw new Error('summary out of order');
  return result;
}

/**
 * Runs `fn` `runs` times, one after another (never concurrently: runs compete for the same two
 * cores), and returns each run's result in order.
 */
export async function repeat<T>(runs: number, fn: (runIndex: number) => T | Promise<T>): Promise<T[]> {
  if (!Number.isInteger(runs) || runs < 1 || runs > RUNS_MAX) throw new RangeError(`runs ${runs} outside [1, ${RUNS_MAX}]`);
  const results: T[] = [];
  for (let runIndex = 0; runIndex < runs; runIndex++) results.push(await fn(runIndex));
  return results;
}

/** Summarises each named number across runs: [{a: 1}, {a: 3}] gives {a: summary of [1, 3]}. */
export function summarizeRuns<K extends string>(runs: ReadonlyArray<Readonly<Record<K, number>>>): Record<K, RunSummary> {
  if (runs.length === 0) throw new RangeError('no runs to summarize');
  const keys = Object.keys(runs[0]!) as K[];
  const out = {} as Record<K, RunSummary>;
  for (const key of keys) out[key] = summarize(runs.map((run) => run[key]));
  return out;
}

function sortedFinite(values: readonly number[]): number[] {
  for (const value of values) if (!Number.isFinite(value)) throw new RangeError(`non-finite value ${value}`);
  return [...values].sort((a, b) => a - b);
}
