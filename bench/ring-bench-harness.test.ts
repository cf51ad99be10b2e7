import { describe, expect, it } from 'vitest';
import type { Benchmark } from './lib/benchmark.js';
import { parseStandaloneArgs } from './ring-bench-harness.js';

const bench: Benchmark = {
  name: 'fixture',
  description: 'test fixture',
  defaults: { quick: { runs: 2, mode: 'spin' }, full: { runs: 5, mode: 'spin' } },
  run: () => Promise.reject(new Error('not run here')),
};

describe('standalone benchmark command line', () => {
  it('takes a profile and overrides the parameters it names', () => {
    expect(parseStandaloneArgs(bench, [])).toEqual({ profile: 'quick', params: { runs: 2, mode: 'spin' } });
    expect(parseStandaloneArgs(bench, ['--profile', 'full', '--runs', '1_000', '--mode=block'])).toEqual({ profile: 'full', params: { runs: 1000, mode: 'block' } });
  });

  it('refuses an unknown parameter and a bad profile with its usage', () => {
    expect(() => parseStandaloneArgs(bench, ['--rnus', '3'])).toThrow(/Unknown option '--rnus'[^]*usage: fixture \[--profile quick\|full\] \[--runs value\] \[--mode value\]/);
    expect(() => parseStandaloneArgs(bench, ['--profile', 'huge'])).toThrow(/unknown profile huge/);
    expect(() => parseStandaloneArgs(bench, ['--runs'])).toThrow(/argument missing/);
  });
});
