// `bench compare A.json B.json`: one line per metric with A, B and B/A, so a regression between
// two runs is visible at a glance. A verdict is given only when the two runs' [min, max] ranges
// do not overlap: on a noisy shared machine, a ratio inside the noise is not a change.

import { LATENCY_PERCENTILE_NAMES } from '../../loadgen/histogram.js';
import { readResults, type Better, type Figure, type SuiteResult } from './results.js';
import { formatCount, formatNs } from './svg-plot.js';

export type CompareVerdict = 'better' | 'worse' | 'noise' | 'only-a' | 'only-b';

export interface CompareRow {
  metric: string;
  unit: string;
  better: Better;
  a: Figure | null;
  b: Figure | null;
  /** B's median over A's median; null when either is missing or A's is 0. */
  ratio: number | null;
  verdict: CompareVerdict;
}

/** Every figure of a run under a stable name: `bench.figure` or `bench@rate/s.percentile`. */
export function flattenFigures(suite: SuiteResult): Map<string, Figure> {
  const out = new Map<string, Figure>();
  for (const bench of suite.benchmarks) {
    for (const [name, fig] of Object.entries(bench.figures)) out.set(`${bench.name}.${name}`, fig);
    for (const at of bench.latency) {
      const prefix = `${bench.name}@${at.offeredRatePerSecond}/s`;
      out.set(`${prefix}.achieved`, at.achievedRatePerSecond);
      for (const name of LATENCY_PERCENTILE_NAMES) out.set(`${prefix}.${name}`, at.percentilesNs[name]);
    }
  }
  return out;
}

export function compareResults(a: SuiteResult, b: SuiteResult): CompareRow[] {
  const figuresA = flattenFigures(a);
  const figuresB = flattenFigures(b);
  const metrics = [...new Set([...figuresA.keys(), ...figuresB.keys()])];
  return metrics.map((metric) => compareFigure(metric, figuresA.get(metric) ?? null, figuresB.get(metric) ?? null));
}

export function compareFigure(metric: string, a: Figure | null, b: Figure | null): CompareRow {
  const some = a ?? b;
  if (some === null) throw new Error(`metric ${metric} is in neither run`);
  const row: CompareRow = { metric, unit: some.unit, better: some.better, a, b, ratio: null, verdict: 'noise' };
  if (a === null) return { ...row, verdict: 'only-b' };
  if (b === null) return { ...row, verdict: 'only-a' };
  row.ratio = a.median === 0 ? null : b.median / a.median;
  const disjoint = b.min > a.max || b.max < a.min;
  if (disjoint) {
    const higher = b.median > a.median;
    row.verdict = higher === (a.better === 'higher') ? 'better' : 'worse';
  }
  return row;
}

export function formatCompare(rows: readonly CompareRow[], nameA: string, nameB: string): string {
  const width = Math.max(6, ...rows.map((row) => row.metric.length));
  const lines = [`${'metric'.padEnd(width)}  ${'A'.padStart(10)}  ${'B'.padStart(10)}  ${'B/A'.padStart(7)}  verdict`];
  for (const row of rows) {
    const value = (fig: Figure | null): string => (fig === null ? '-' : fig.unit === 'ns' ? formatNs(fig.median) : formatCount(fig.median));
    const ratio = row.ratio === null ? '-' : row.ratio.toFixed(3);
    lines.push(`${row.metric.padEnd(width)}  ${value(row.a).padStart(10)}  ${value(row.b).padStart(10)}  ${ratio.padStart(7)}  ${row.verdict}`);
  }
  const worse = rows.filter((row) => row.verdict === 'worse').length;
  const better = rows.filter((row) => row.verdict === 'better').length;
  lines.push(`A = ${nameA}`, `B = ${nameB}`, `${rows.length} metrics: ${better} better, ${worse} worse beyond the runs' ranges`);
  return lines.join('\n');
}

/** The `bench compare A.json B.json` command; returns the text it prints. */
export function compareMain(argv: readonly string[]): string {
  const [pathA, pathB, ...rest] = argv;
  if (pathA === undefined || pathB === undefined || rest.length > 0) throw new Error('usage: bench compare A.json B.json');
  return formatCompare(compareResults(readResults(pathA), readResults(pathB)), pathA, pathB);
}
