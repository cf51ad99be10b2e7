import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { latencySweep, numberParam, type Benchmark } from './lib/benchmark.js';
import { runOpenLoop } from '../loadgen/open-loop.js';
import { figure, readResults, type BenchParams } from './lib/results.js';
import { BENCHMARKS, parseSuiteArgs, resolveParams, runSuite, selectBenchmarks, suiteMain } from './suite.js';

/** A benchmark that exercises the whole path (figures, open-loop sweep) in a few milliseconds. */
const fixture: Benchmark = {
  name: 'fixture',
  description: 'test fixture',
  defaults: { quick: { runs: 2, work: 10 }, full: { runs: 3, work: 100 } },
  run: async (params) => {
    const runs = numberParam(params, 'runs');
    const latency = await latencySweep({
      ratesPerSecond: [2_000, 10_000],
      runs,
      countPerRun: () => 50,
      runOnce: async (schedule, histogram) => {
        await runOpenLoop({ schedule, wait: 'yield', send: (i) => histogram.record(schedule.latencyNs(i, schedule.elapsedNs())) });
      },
    });
    return {
      name: 'fixture', description: 'test fixture', params, durability: 'none',
      figures: { work: figure([numberParam(params, 'work')], 'units', 'higher') }, latency, notes: [], durationMs: 1,
    };
  },
};
const failing: Benchmark = {
  name: 'failing', description: 'always fails', defaults: { quick: {}, full: {} },
  run: () => Promise.reject(new Error('boom')),
};
const quiet = (): void => {};

describe('suite runner', () => {
  it('parses profiles, selections and parameter overrides', () => {
    const options = parseSuiteArgs(['--profile', 'full', '--only', 'a,b', '--set', 'a.rate=1_000', '--set', 'runs=2', '--set', 'a.mode=spin', '--no-report']);
    expect(options.profile).toBe('full');
    expect(options.only).toEqual(['a', 'b']);
    expect(options.overrides.get('a')).toEqual({ rate: 1000, mode: 'spin' });
    expect(options.overrides.get('')).toEqual({ runs: 2 });
    expect(options.report).toBe(false);
    expect(() => parseSuiteArgs(['--profile', 'huge'])).toThrow(/unknown profile/);
    expect(() => parseSuiteArgs(['--set', 'nonsense'])).toThrow(/key=value/);
    expect(() => parseSuiteArgs(['--bogus'])).toThrow(/usage/);
  });

  it('resolves parameters per profile and rejects a key the benchmark does not have', () => {
    expect(resolveParams(fixture, 'quick', new Map())).toEqual({ runs: 2, work: 10 });
    expect(resolveParams(fixture, 'full', new Map<string, BenchParams>([['', { runs: 5, other: 1 }], ['fixture', { work: 7 }]]))).toEqual({ runs: 5, work: 7 });
    expect(() => resolveParams(fixture, 'quick', new Map([['fixture', { wrok: 1 }]]))).toThrow(/no parameter wrok/);
  });

  it('selects benchmarks by name and refuses unknown or duplicate names', () => {
    expect(selectBenchmarks([fixture, failing], ['failing']).map((b) => b.name)).toEqual(['failing']);
    expect(() => selectBenchmarks([fixture], ['nope'])).toThrow(/unknown benchmark nope/);
    expect(() => selectBenchmarks([fixture, fixture], null)).toThrow(/twice/);
    expect(() => selectBenchmarks([{ ...fixture, name: 'Bad_Name' }], null)).toThrow(/kebab-case/);
    expect(selectBenchmarks(BENCHMARKS, null).length).toBe(BENCHMARKS.length);
  });

  it('runs with an empty registry', async () => {
    const suite = await runSuite(parseSuiteArgs([]), [], quiet);
    expect(suite.benchmarks).toEqual([]);
    expect(suite.failures).toEqual([]);
    expect(suite.machine.cpuCores).toBeGreaterThan(0);
  });

  it('records a failing benchmark without stopping the others, and writes results and report', async () => {
    const outDir = mkdtempSync(join(tmpdir(), 'ordo-suite-'));
    const lines: string[] = [];
    const code = await suiteMain(['--out', outDir, '--set', 'fixture.work=42'], [failing, fixture], (line) => lines.push(line));
    expect(code).toBe(1);
    const jsonLine = lines.find((line) => line.startsWith('results: '))!;
    const suite = readResults(jsonLine.slice('results: '.length));
    expect(suite.failures.map((f) => f.name)).toEqual(['failing']);
    expect(suite.failures[0]!.error).toContain('boom');
    const result = suite.benchmarks[0]!;
    expect(result.figures.work!.median).toBe(42);
    expect(result.latency.map((at) => at.offeredRatePerSecond)).toEqual([2_000, 10_000]);
    expect(result.latency[0]!.samples).toBe(100);
    const reportLine = lines.find((line) => line.startsWith('report:  '))!;
    expect(existsSync(reportLine.slice('report:  '.length))).toBe(true);
  });
});
