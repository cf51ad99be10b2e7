import { describe, expect, it } from 'vitest';
import { LatencyHistogram, mergeHistograms } from './histogram.js';

/** 3 significant figures: every value within 0.1% (plus one unit of the bucket). */
function expectNear(actual: number, expected: number): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(expected * 0.001 + 1);
}

describe('latency histogram', () => {
  it('gives percentiles of known data within its precision', () => {
    const h = new LatencyHistogram();
    for (let v = 1; v <= 100_000; v++) h.record(v * 1_000);
    expect(h.count).toBe(100_000);
    const p = h.percentiles();
    expectNear(p.p50, 50_000_000);
    expectNear(p.p90, 90_000_000);
    expectNear(p.p99, 99_000_000);
    expectNear(p.p999, 99_900_000);
    expectNear(p.p9999, 99_990_000);
    expectNear(p.max, 100_000_000);
    expectNear(h.minNs, 1_000);
  });

  it('merges runs into the same distribution as recording them together', () => {
    const a = new LatencyHistogram();
    const b = new LatencyHistogram();
    const together = new LatencyHistogram();
    for (let i = 0; i < 10_000; i++) {
      const value = 100 + ((i * 7919) % 50_000);
      (i % 2 === 0 ? a : b).record(value);
      together.record(value);
    }
    const merged = mergeHistograms([a, b]);
    expect(merged.count).toBe(10_000);
    expect(merged.percentiles()).toEqual(together.percentiles());
    expect(a.count).toBe(5_000);
  });

  it('clamps below 1 ns and above the highest value, and rejects non-integers', () => {
    const h = new LatencyHistogram({ highestNs: 1_000_000 });
    h.record(0);
    h.record(5_000_000);
    expect(h.count).toBe(2);
    expect(h.clampedCount).toBe(1);
    expect(h.minNs).toBe(1);
    expect(() => h.record(1.5)).toThrow(RangeError);
    expect(new LatencyHistogram().percentiles()).toEqual({ p50: 0, p90: 0, p99: 0, p999: 0, p9999: 0, max: 0 });
  });

  it('exports a monotone percentile curve ending at the maximum', () => {
    const h = new LatencyHistogram();
    for (let v = 1; v <= 1_000; v++) h.record(v);
    const curve = h.curve();
    expect(curve[0]).toEqual({ percentile: 0, valueNs: 1 });
    const last = curve[curve.length - 1]!;
    expect(last.percentile).toBeCloseTo(99.9, 6);
    expect(last.valueNs).toBe(1_000);
    for (let i = 1; i < curve.length; i++) {
      expect(curve[i]!.percentile).toBeGreaterThan(curve[i - 1]!.percentile);
      expect(curve[i]!.valueNs).toBeGreaterThanOrEqual(curve[i - 1]!.valueNs);
    }
    // 10 points per decade over three decades of 1/(1-p), the last being the maximum, plus the minimum.
    expect(curve.length).toBe(31);
    expect(new LatencyHistogram().curve()).toEqual([]);
  });
});
