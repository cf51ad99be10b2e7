// Latency histogram with known precision: a thin wrapper over Node's HdrHistogram
// (perf_hooks.createHistogram). Values are nanoseconds as safe integers; with 3 significant
// figures every recorded value is kept within 0.1%, whatever its magnitude.

import { createHistogram, type RecordableHistogram } from 'node:perf_hooks';

/** The percentiles every latency figure reports. */
export const REPORTED_PERCENTILES = [50, 90, 99, 99.9, 99.99] as const;

/** One run's (or a merge of runs') latency percentiles, in ns. */
export interface LatencyPercentilesNs {
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  p9999: number;
  max: number;
}
export type LatencyPercentileName = keyof LatencyPercentilesNs;
export const LATENCY_PERCENTILE_NAMES: readonly LatencyPercentileName[] = ['p50', 'p90', 'p99', 'p999', 'p9999', 'max'];

/** One point of a percentile curve: `percentile` in [0, 100], the latency at it in ns. */
export interface CurvePoint {
  percentile: number;
  valueNs: number;
}

/** Values above this are clamped (and counted): one hour is beyond any latency worth plotting. */
export const HISTOGRAM_HIGHEST_NS_DEFAULT = 3_600_000_000_000;
export const HISTOGRAM_SIGNIFICANT_FIGURES_DEFAULT = 3;
/** Curve points per decade of 1/(1-p): enough for a smooth plot, few enough for the JSON. */
export const CURVE_POINTS_PER_DECADE = 10;
/** The curve stops at 99.999%: beyond it a run of these lengths has no samples to speak of. */
export const CURVE_PERCENTILE_LAST = 99.999;

export interface LatencyHistogramOptions {
  highestNs?: number;
  significantFigures?: number;
}

export class LatencyHistogram {
  private readonly histogram: RecordableHistogram;
  readonly highestNs: number;
  /** How many values were above `highestNs` and were recorded as `highestNs`. */
  clampedCount = 0;

  constructor(options: LatencyHistogramOptions = {}) {
    this.highestNs = options.highestNs ?? HISTOGRAM_HIGHEST_NS_DEFAULT;
    const figures = options.significantFigures ?? HISTOGRAM_SIGNIFICANT_FIGURES_DEFAULT;
    if (!Number.isSafeInteger(this.highestNs) || this.highestNs < 2) throw new RangeError(`highestNs ${this.highestNs}`);
    if (!Number.isInteger(figures) || figures < 1 || figures > 5) throw new RangeError(`significantFigures ${figures}`);
    this.histogram = createHistogram({ lowest: 1, highest: this.highestNs, figures });
  }

  /**
   * Records one latency. Below 1 ns (the clock cannot resolve it, and HdrHistogram's lowest
   * trackable value is 1) counts as 1 ns; above `highestNs` counts as `highestNs`.
   */
  record(valueNs: number): void {
    if (!Number.isSafeInteger(valueNs)) throw new RangeError(`latency ${valueNs} ns is not a safe integer`);
    if (valueNs > this.highestNs) {
      this.clampedCount++;
      this.histogram.record(this.highestNs);
    } else {
      this.histogram.record(valueNs < 1 ? 1 : valueNs);
    }
  }

  get count(): number {
    return this.histogram.count;
  }

  /** Adds every value of `other` (e.g. one run) to this histogram. */
  merge(other: LatencyHistogram): void {
    const before = this.count;
    this.histogram.add(other.histogram);
    this.clampedCount += other.clampedCount;
    if (this.count !== before + other.count) throw new Error('histogram merge lost values');
  }

  /** The value at `percentile` in (0, 100], in ns; 0 when nothing was recorded. */
  percentileNs(percentile: number): number {
    if (!(percentile > 0 && percentile <= 100)) throw new RangeError(`percentile ${percentile} outside (0, 100]`);
    return this.count === 0 ? 0 : this.histogram.percentile(percentile);
  }

  get minNs(): number {
    return this.count === 0 ? 0 : this.histogram.min;
  }

  get maxNs(): number {
    return this.count === 0 ? 0 : this.histogram.max;
  }

  get meanNs(): number {
    return this.count === 0 ? 0 : this.histogram.mean;
  }

  percentiles(): LatencyPercentilesNs {
    const result: LatencyPercentilesNs = {
      p50: this.percentileNs(50),
      p90: this.percentileNs(90),
      p99: this.percentileNs(99),
      p999: this.percentileNs(99.9),
      p9999: this.percentileNs(99.99),
      max: this.maxNs,
    };
    if (!(result.p50 <= result.p90 && result.p90 <= result.p99 && result.p99 <= result.p999 &&
          result.p999 <= result.p9999 && result.p9999 <= result.max)) {
      throw new Error('histogram percentiles out of order');
    }
    return result;
  }

  /**
   * The percentile curve for plotting against a log axis of 1/(1-p): points evenly spaced in
   * log10(1/(1-p)) from 0% up to the last percentile the sample count supports (1 - 1/count, at
   * most 99.999%), then the maximum at that same position.
   */
  curve(): CurvePoint[] {
    const count = this.count;
    if (count === 0) return [];
    const points: CurvePoint[] = [{ percentile: 0, valueNs: this.minNs }];
    const lastPercentile = Math.min(CURVE_PERCENTILE_LAST, 100 * (1 - 1 / count));
    const decadesMax = -Math.log10(1 - lastPercentile / 100);
    const stepsMax = Math.floor(decadesMax * CURVE_POINTS_PER_DECADE);
    for (let step = 1; step <= stepsMax; step++) {
      const percentile = 100 * (1 - 10 ** (-step / CURVE_POINTS_PER_DECADE));
      // The last position belongs to the maximum, pushed below.
      if (percentile >= lastPercentile - 1e-9) break;
      points.push({ percentile, valueNs: this.percentileNs(percentile) });
    }
    if (lastPercentile > 0) points.push({ percentile: lastPercentile, valueNs: this.maxNs });
    return points;
  }

  reset(): void {
    this.histogram.reset();
    this.clampedCount = 0;
  }
}

/** Merges several runs' histograms into a new one (the runs are left as they were). */
export function mergeHistograms(runs: readonly LatencyHistogram[], options: LatencyHistogramOptions = {}): LatencyHistogram {
  const merged = new LatencyHistogram(options);
  for (const run of runs) merged.merge(run);
  return merged;
}
