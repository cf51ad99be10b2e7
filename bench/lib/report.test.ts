import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { percentileAxisX, percentileChart, writeReport } from './report.js';
import { readResults, writeResults } from './results.js';
import { fixtureSuite, xmlProblem } from './test-fixtures.js';

describe('report', () => {
  it('places percentiles on the 1/(1-p) axis', () => {
    expect(percentileAxisX(0)).toBe(1);
    expect(percentileAxisX(50)).toBe(2);
    expect(percentileAxisX(90)).toBeCloseTo(10, 9);
    expect(percentileAxisX(99.99)).toBeCloseTo(10_000, 3);
    expect(() => percentileAxisX(100)).toThrow(RangeError);
  });

  it('draws one percentile curve per offered rate', () => {
    const chart = percentileChart(fixtureSuite([100], 1).benchmarks[0]!);
    expect(chart.series.map((s) => s.label)).toEqual(['1k/s offered', '10k/s offered']);
    expect(chart.x.scale).toBe('log');
  });

  it('writes the JSON, the markdown and well-formed SVGs side by side', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ordo-report-'));
    const suite = fixtureSuite([100, 120, 110], 1);
    const jsonPath = writeResults(dir, suite);
    expect(basename(jsonPath)).toBe('2025-03-01T142233Z-0123456789.json');
    expect(readResults(jsonPath)).toEqual(suite);
    const files = writeReport(dir, suite);
    expect(basename(files.markdownPath)).toBe('2025-03-01T142233Z-0123456789.md');
    expect(files.svgPaths.map((p) => basename(p))).toEqual([
      '2025-03-01T142233Z-0123456789-fixture-bench-percentiles.svg',
      '2025-03-01T142233Z-0123456789-fixture-bench-throughput.svg',
    ]);
    for (const path of files.svgPaths) expect(xmlProblem(readFileSync(path, 'utf8'))).toBeNull();
    const markdown = readFileSync(files.markdownPath, 'utf8');
    expect(markdown).toContain('| fixture-bench | opsPerSecond | 110 [100 – 120] ops/s | 3 | none |');
    expect(markdown).toContain('Test CPU, 2 cores');
    expect(markdown).toContain('![2025-03-01T142233Z-0123456789-fixture-bench-percentiles.svg]');
  });
});
