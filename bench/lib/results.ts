// The machine-readable result of a suite run: bench/results/<date>-<commit>.json. The report and
// `bench compare` read only this, so it holds every figure with its runs, and the machine.

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LATENCY_PERCENTILE_NAMES, mergeHistograms, type CurvePoint, type LatencyHistogram, type LatencyPercentileName, type LatencyPercentilesNs } from '../../loadgen/histogram.js';
import type { MachineInfo } from './machine.js';
import { summarize, type RunSummary } from './stats.js';

export const RESULTS_SCHEMA = 'ordo-bench/1';

export type Profile = 'quick' | 'full';
export const PROFILES: readonly Profile[] = ['quick', 'full'];

/** Which way is an improvement, so that `compare` can say better or worse. */
export type Better = 'higher' | 'lower';

/** fsync and none are the journal's modes (design §5); not-applicable for benchmarks without one. */
export type Durability = 'fsync' | 'none' | 'not-applicable';

export type ParamValue = string | number | boolean;
export type BenchParams = Record<string, ParamValue>;

/** One figure: median, min and max over runs, with its unit. */
export interface Figure extends RunSummary {
  unit: string;
  better: Better;
}

/** Latency at one offered rate, over several runs. */
export interface LatencyAtRate {
  offeredRatePerSecond: number;
  achievedRatePerSecond: Figure;
  /** Each percentile's median, min and max over the runs. */
  percentilesNs: Record<LatencyPercentileName, Figure>;
  /** Percentiles of all runs' samples merged into one histogram. */
  mergedPercentilesNs: LatencyPercentilesNs;
  /** The merged histogram's percentile curve, for plots. */
  curve: CurvePoint[];
  samples: number;
}

export interface BenchResult {
  name: string;
  description: string;
  params: BenchParams;
  durability: Durability;
  /** Named figures, e.g. `opsPerSecond`, `baselinePostMessageOpsPerSecond`. */
  figures: Record<string, Figure>;
  /** One entry per offered rate, ascending; empty for benchmarks without a latency sweep. */
  latency: LatencyAtRate[];
  notes: string[];
  durationMs: number;
}

export interface BenchFailure {
  name: string;
  error: string;
}

export interface SuiteResult {
  schema: typeof RESULTS_SCHEMA;
  profile: Profile;
  machine: MachineInfo;
  durationMs: number;
  benchmarks: BenchResult[];
  failures: BenchFailure[];
}

/** A figure from per-run values. */
/** A percentile's name inside a figure's name: 'p999' → 'P999', 'max' → 'Max'. */
export function percentileLabel(name: LatencyPercentileName): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}

export function figure(values: readonly number[], unit: string, better: Better): Figure {
  return { ...summarize(values), unit, better };
}

/** One run at one offered rate: its histogram (ns) and the rate it achieved. */
export interface LatencyRun {
  histogram: LatencyHistogram;
  achievedRatePerSecond: number;
}

/** Summarises several runs at one offered rate into the reported form. */
export function latencyAtRate(offeredRatePerSecond: number, runs: readonly LatencyRun[]): LatencyAtRate {
  if (runs.length === 0) throw new RangeError('latency at a rate needs at least one run');
  const perRun = runs.map((run) => run.histogram.percentiles());
  const percentilesNs = {} as Record<LatencyPercentileName, Figure>;
  for (const name of LATENCY_PERCENTILE_NAMES) {
    percentilesNs[name] = figure(perRun.map((p) => p[name]), 'ns', 'lower');
  }
  const merged = mergeHistograms(runs.map((run) => run.histogram));
  return {
    offeredRatePerSecond,
    achievedRatePerSecond: figure(runs.map((run) => run.achievedRatePerSecond), 'ops/s', 'higher'),
    percentilesNs,
    mergedPercentilesNs: merged.percentiles(),
    curve: merged.curve(),
    samples: merged.count,
  };
}

/** `<date>-<commit>`, e.g. 2025-03-01T142233Z-3f2a9c1b0d: sortable, no characters a shell minds. */
export function resultsBaseName(machine: MachineInfo): string {
  const stamp = machine.date.replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  // 20250301T142233Z → 2025-03-01T142233Z
  const date = `${stamp.slice(0, 4)}-${stamp.slice(4, 6)}-${stamp.slice(6, 8)}${stamp.slice(8)}`;
  return `${date}-${machine.gitCommitShort}`;
}

/** Writes `<dir>/<date>-<commit>.json` and returns its path. */
export function writeResults(dir: string, suite: SuiteResult): string {
  assertSuite(suite, 'writing');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${resultsBaseName(suite.machine)}.json`);
  writeFileSync(path, `${JSON.stringify(suite, null, 2)}\n`);
  // Paired check: what is on disk parses back as a suite.
  assertSuite(readResults(path), path);
  return path;
}

export function readResults(path: string): SuiteResult {
  const parsed = JSON.parse(readFileSync(path, 'utf8')) as unknown;
  assertSuite(parsed, path);
  return parsed;
}

function assertSuite(value: unknown, where: string): asserts value is SuiteResult {
  const suite = value as Partial<SuiteResult> | null;
  if (suite === null || typeof suite !== 'object' || suite.schema !== RESULTS_SCHEMA) {
    throw new Error(`${where}: not an ordo benchmark result (schema ${RESULTS_SCHEMA})`);
  }
  if (!Array.isArray(suite.benchmarks) || !Array.isArray(suite.failures) || typeof suite.machine !== 'object') {
    throw new Error(`${where}: benchmark result is missing benchmarks, failures or machine`);
  }
}
