// The human-readable report beside the JSON: bench/results/<date>-<commit>.md with its SVG plots
// (<date>-<commit>-<benchmark>-percentiles.svg and -throughput.svg) next to it.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LATENCY_PERCENTILE_NAMES, type LatencyPercentileName } from '../../loadgen/histogram.js';
import { formatMachine } from './machine.js';
import { resultsBaseName, type BenchResult, type Figure, type SuiteResult } from './results.js';
import { formatCount, formatNs, renderLineChart, type AxisTick, type LineChart } from './svg-plot.js';

const PERCENTILE_LABELS: Record<LatencyPercentileName, string> = {
  p50: 'p50', p90: 'p90', p99: 'p99', p999: 'p99.9', p9999: 'p99.99', max: 'max',
};

/** The percentile axis: x = 1/(1-p), so each further "nine" is one decade. */
const PERCENTILE_TICKS: AxisTick[] = [
  { value: 1, label: '0%' },
  { value: 2, label: '50%' },
  { value: 10, label: '90%' },
  { value: 100, label: '99%' },
  { value: 1_000, label: '99.9%' },
  { value: 10_000, label: '99.99%' },
  { value: 100_000, label: '99.999%' },
];

/** Position of `percentile` (0..100) on the percentile axis. */
export function percentileAxisX(percentile: number): number {
  if (!(percentile >= 0 && percentile < 100)) throw new RangeError(`percentile ${percentile} outside [0, 100)`);
  return 1 / (1 - percentile / 100);
}

/** Latency by percentile, one curve per offered rate. */
export function percentileChart(bench: BenchResult): LineChart {
  return {
    title: `${bench.name}: latency by percentile`,
    x: { label: 'percentile', scale: 'log', ticks: PERCENTILE_TICKS },
    y: { label: 'latency from intended send time', scale: 'log', format: formatNs },
    series: bench.latency.map((at) => ({
      label: `${formatCount(at.offeredRatePerSecond)}/s offered`,
      points: at.curve.map((point) => ({ x: percentileAxisX(point.percentile), y: Math.max(1, point.valueNs) })),
    })),
  };
}

/** Latency percentiles (medians over runs) against achieved throughput, one point per rate. */
export function throughputLatencyChart(bench: BenchResult): LineChart {
  const names: LatencyPercentileName[] = ['p50', 'p99', 'p999', 'max'];
  return {
    title: `${bench.name}: latency vs throughput`,
    x: { label: 'achieved throughput (ops/s, median over runs)', scale: 'linear' },
    y: { label: 'latency (median over runs)', scale: 'log', format: formatNs },
    series: names.map((name) => ({
      label: PERCENTILE_LABELS[name],
      points: bench.latency.map((at) => ({ x: at.achievedRatePerSecond.median, y: Math.max(1, at.percentilesNs[name].median) })),
    })),
  };
}

/** `median [min – max] unit`, with durations in human units. */
export function formatFigure(fig: Figure): string {
  if (fig.unit === 'ns') return `${formatNs(fig.median)} [${formatNs(fig.min)} – ${formatNs(fig.max)}]`;
  const unit = fig.unit === '' ? '' : ` ${fig.unit}`;
  return `${formatCount(fig.median)} [${formatCount(fig.min)} – ${formatCount(fig.max)}]${unit}`;
}

export interface ReportFiles {
  markdownPath: string;
  svgPaths: string[];
}

/** Writes the markdown report and its SVGs into `dir`, named after the run. */
export function writeReport(dir: string, suite: SuiteResult): ReportFiles {
  mkdirSync(dir, { recursive: true });
  const base = resultsBaseName(suite.machine);
  const svgPaths: string[] = [];
  const images = new Map<string, string[]>();
  for (const bench of suite.benchmarks) {
    if (bench.latency.length === 0) continue;
    const names = [`${base}-${bench.name}-percentiles.svg`, `${base}-${bench.name}-throughput.svg`];
    writeFileSync(join(dir, names[0]!), renderLineChart(percentileChart(bench)));
    writeFileSync(join(dir, names[1]!), renderLineChart(throughputLatencyChart(bench)));
    svgPaths.push(...names.map((name) => join(dir, name)));
    images.set(bench.name, names);
  }
  const markdownPath = join(dir, `${base}.md`);
  writeFileSync(markdownPath, renderReportMarkdown(suite, images));
  return { markdownPath, svgPaths };
}

export function renderReportMarkdown(suite: SuiteResult, images: ReadonlyMap<string, readonly string[]>): string {
  const m = suite.machine;
  const lines: string[] = [
    `# ordo benchmarks: ${m.date} (${m.gitCommitShort}${m.gitDirty ? ', dirty tree' : ''})`,
    '',
    `Profile \`${suite.profile}\`, ${(suite.durationMs / 1000).toFixed(1)} s. Every figure is the median over runs, ` +
      'with [min – max]. Latencies are open loop, from the intended send time.',
    '',
    `Machine: ${formatMachine(m)}.`,
    '',
    `Packages: ${Object.entries(m.packages).map(([name, version]) => `${name} ${version}`).join(', ') || 'none'}.`,
    '',
  ];
  if (suite.failures.length > 0) {
    lines.push('## Failures', '');
    for (const failure of suite.failures) lines.push(`- **${failure.name}**: ${failure.error.split('\n')[0] ?? ''}`);
    lines.push('');
  }
  lines.push('## Headline figures', '', '| benchmark | figure | median [min – max] | runs | durability |', '|---|---|---|---|---|');
  for (const bench of suite.benchmarks) {
    for (const [name, fig] of Object.entries(bench.figures)) {
      lines.push(`| ${bench.name} | ${name} | ${formatFigure(fig)} | ${fig.runs} | ${bench.durability} |`);
    }
  }
  lines.push('');
  for (const bench of suite.benchmarks) lines.push(...benchSection(bench, images.get(bench.name) ?? []));
  return `${lines.join('\n')}\n`;
}

function benchSection(bench: BenchResult, imageNames: readonly string[]): string[] {
  const params = Object.entries(bench.params).map(([k, v]) => `\`${k}=${String(v)}\``).join(' ');
  const lines = [`## ${bench.name}`, '', bench.description, '', `Parameters: ${params || 'none'}; durability: ${bench.durability}; ` +
    `took ${(bench.durationMs / 1000).toFixed(1)} s.`, ''];
  for (const note of bench.notes) lines.push(`- ${note}`);
  if (bench.notes.length > 0) lines.push('');
  if (bench.latency.length > 0) {
    const header = LATENCY_PERCENTILE_NAMES.map((name) => PERCENTILE_LABELS[name]);
    lines.push(`| offered/s | achieved/s | ${header.join(' | ')} |`, `|---|---|${header.map(() => '---').join('|')}|`);
    for (const at of bench.latency) {
      const cells = LATENCY_PERCENTILE_NAMES.map((name) => formatFigure(at.percentilesNs[name]));
      lines.push(`| ${formatCount(at.offeredRatePerSecond)} | ${formatFigure(at.achievedRatePerSecond)} | ${cells.join(' | ')} |`);
    }
    lines.push('');
    for (const name of imageNames) lines.push(`![${name}](${name})`, '');
  }
  return lines;
}
