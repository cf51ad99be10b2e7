import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareFigure, compareMain, compareResults } from './compare.js';
import { figure, writeResults } from './results.js';
import { fixtureSuite } from './test-fixtures.js';

describe('compare', () => {
  it('gives B/A ratios per metric and a verdict only outside the runs\' ranges', () => {
    const rows = compareResults(fixtureSuite([100, 110, 120], 1), fixtureSuite([50, 55, 60], 2));
    const ops = rows.find((row) => row.metric === 'fixture-bench.opsPerSecond')!;
    expect(ops.ratio).toBeCloseTo(0.5, 12);
    expect(ops.verdict).toBe('worse');
    const p50 = rows.find((row) => row.metric === 'fixture-bench@1000/s.p50')!;
    expect(p50.ratio).toBeGreaterThan(1.9);
    expect(p50.ratio).toBeLessThan(2.1);
    expect(p50.verdict).toBe('worse');
    const achieved = rows.find((row) => row.metric === 'fixture-bench@10000/s.achieved')!;
    expect(achieved.ratio).toBe(1);
    expect(achieved.verdict).toBe('noise');
    // Figures per benchmark, plus achieved and six percentiles at each of two rates.
    expect(rows.length).toBe(1 + 2 * 7);
  });

  it('calls a lower latency better, overlapping ranges noise, and marks one-sided metrics', () => {
    const a = figure([100, 200], 'ns', 'lower');
    expect(compareFigure('m', a, figure([10, 20], 'ns', 'lower')).verdict).toBe('better');
    expect(compareFigure('m', a, figure([150, 400], 'ns', 'lower')).verdict).toBe('noise');
    expect(compareFigure('m', a, null).verdict).toBe('only-a');
    expect(compareFigure('m', null, a)).toMatchObject({ verdict: 'only-b', ratio: null });
  });

  it('prints one line per metric from two result files', () => {
    const dirA = mkdtempSync(join(tmpdir(), 'ordo-cmp-a-'));
    const dirB = mkdtempSync(join(tmpdir(), 'ordo-cmp-b-'));
    const pathA = writeResults(dirA, fixtureSuite([100, 110, 120], 1));
    const pathB = writeResults(dirB, fixtureSuite([200, 220, 240], 1));
    const text = compareMain([pathA, pathB]);
    expect(text).toMatch(/^fixture-bench\.opsPerSecond\s+110\s+220\s+2\.000\s+better$/m);
    expect(text.split('\n').filter((line) => line.startsWith('fixture-bench')).length).toBe(15);
    expect(() => compareMain([pathA])).toThrow(/usage/);
  });
});
