// Shared by the harness tests: a small suite result built through the real helpers.

import { LatencyHistogram } from '../../loadgen/histogram.js';
import type { MachineInfo } from './machine.js';
import { RESULTS_SCHEMA, figure, latencyAtRate, type SuiteResult } from './results.js';

export const FIXTURE_MACHINE: MachineInfo = {
  date: '2025-03-01T14:22:33.456Z', cpuModel: 'Test CPU', cpuCores: 2, cpuSpeedMhz: 2000,
  memoryBytesTotal: 2 ** 33, memoryBytesFree: 2 ** 32, loadAverage: [0.5, 0.4, 0.3], os: 'linux test x64',
  hostname: 'test', nodeVersion: 'v20.20.0', v8Version: '11.3', packages: { tinybench: '6.2.3' },
  gitCommit: '0123456789abcdef0123456789abcdef01234567', gitCommitShort: '0123456789', gitDirty: false,
};

/** A histogram of `count` values spread from `lowNs` up, with a tail ending at `maxNs`. */
export function fixtureHistogram(lowNs: number, maxNs: number, count: number): LatencyHistogram {
  const h = new LatencyHistogram();
  for (let i = 0; i < count; i++) h.record(lowNs + Math.floor(((maxNs - lowNs) * i ** 4) / count ** 4));
  h.record(maxNs);
  return h;
}

/** A suite whose throughput is `opsPerSecond` and whose latencies scale with `latencyScale`. */
export function fixtureSuite(opsPerSecond: number[], latencyScale: number): SuiteResult {
  return {
    schema: RESULTS_SCHEMA,
    profile: 'quick',
    machine: FIXTURE_MACHINE,
    durationMs: 1234,
    failures: [],
    benchmarks: [{
      name: 'fixture-bench',
      description: 'A <fixture> & nothing more',
      params: { runs: opsPerSecond.length },
      durability: 'none',
      figures: { opsPerSecond: figure(opsPerSecond, 'ops/s', 'higher') },
      latency: [1_000, 10_000].map((rate) => latencyAtRate(rate, [0, 1].map((run) => ({
        histogram: fixtureHistogram(1_000 * latencyScale, (50_000 + run * 1_000 + rate) * latencyScale, 2_000),
        achievedRatePerSecond: rate - run,
      })))),
      notes: ['fixture'],
      durationMs: 10,
    }],
  };
}

/**
 * A small well-formedness check for the SVG writer: every tag closes in order, attributes are
 * quoted, text holds no raw '<' or stray '&', and there is one root. Returns the first problem,
 * or null.
 */
export function xmlProblem(xml: string): string | null {
  const stack: string[] = [];
  const tagPattern = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/g;
  let last = 0;
  let roots = 0;
  for (let match = tagPattern.exec(xml); match !== null; match = tagPattern.exec(xml)) {
    const text = xml.slice(last, match.index);
    if (/<|&(?!(amp|lt|gt|quot|apos);)/.test(text)) return `bad text before offset ${match.index}: ${text.slice(0, 40)}`;
    last = match.index + match[0].length;
    const [, closing, name = '', , selfClosing] = match;
    if (stack.length === 0 && closing !== '/' && ++roots > 1) return `second root element <${name}>`;
    if (closing === '/') {
      const open = stack.pop();
      if (open !== name) return `</${name}> closes <${open ?? 'nothing'}>`;
    } else if (selfClosing !== '/') {
      stack.push(name);
    }
  }
  if (xml.slice(last).trim() !== '') return 'text after the last tag';
  if (stack.length > 0) return `unclosed <${stack.join('>, <')}>`;
  return roots === 1 ? null : 'no root element';
}
