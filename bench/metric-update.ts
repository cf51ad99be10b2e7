// The metric updates the gateway makes for every order (one order in by type, one result out by
// code, the frame-to-reply latency observed), done three ways: through the cells GET /metrics
// reads at scrape time (what the server does, gateway/metrics.ts: the same field increments and
// bucket search as the hand-written registry before prom-client), through prom-client directly
// with label objects, and through prom-client's bound `labels()` children. Plus the cost of one
// scrape of a server's whole registry. Each iteration does ORDERS_PER_OP orders, so that the
// timer's own cost does not swamp a few nanoseconds.

import { Counter, Histogram, Registry } from 'prom-client';
import { CounterCells, exponentialBuckets, HistogramCell } from '../gateway/metrics.js';
import { ServerMetrics } from '../gateway/server-metrics.js';
import { wholeParam, type Benchmark } from './lib/benchmark.js';
import type { BenchParams, BenchResult } from './lib/results.js';
import { tinybenchFigures } from './lib/tinybench-figures.js';

const ORDERS_PER_OP = 1_000;
/** Latencies spread over the buckets as a loaded server sees them (50 µs .. 5 ms). */
const LATENCIES_S = Array.from({ length: 64 }, (_, i) => 50e-6 * 1.075 ** i);

export const metricUpdate: Benchmark = {
  name: 'metric-update',
  description: `The per-order metric updates of the gateway (order in, result out, latency observed), ${ORDERS_PER_OP} orders per op: cells read at scrape time (what the server does) against prom-client inc/observe per order; and one scrape of a server's registry.`,
  defaults: {
    quick: { runs: 3, timeMs: 300 },
    full: { runs: 5, timeMs: 1_000 },
  },
  run: async (params: BenchParams): Promise<BenchResult> => {
    const startedMs = Date.now();
    const runs = wholeParam(params, 'runs', 1, 100);
    const timeMs = wholeParam(params, 'timeMs', 10, 60_000);
    const bounds = exponentialBuckets(10e-6, 2, 18);
    let sink = 0;
    const figures = await tinybenchFigures({
      runs,
      timeMs,
      addTasks: (bench) => {
        const r = new Registry();
        const inCell = new CounterCells(r, 'in_total', 'in', ['type']).cell({ type: 'place' });
        const outCells = new Map([[0, new CounterCells(r, 'out_total', 'out', ['code', 'name']).cell({ code: '0', name: 'OK' })]]);
        const latencyCell = new HistogramCell(bounds);
        bench.add('cells', () => {
          for (let i = 0; i < ORDERS_PER_OP; i++) {
            inCell.inc();
            (outCells.get(0) as { inc(): void }).inc();
            latencyCell.observe(LATENCIES_S[i & 63] as number);
          }
        });
        const p = new Registry();
        const inCounter = new Counter({ name: 'in_total', help: 'in', labelNames: ['type'], registers: [p] });
        const outCounter = new Counter({ name: 'out_total', help: 'out', labelNames: ['code', 'name'], registers: [p] });
        const latency = new Histogram({ name: 'latency_seconds', help: 'latency', buckets: bounds, registers: [p] });
        const placeLabels = { type: 'place' };
        const okLabels = { code: '0', name: 'OK' };
        bench.add('prom-client inc(labels)', () => {
          for (let i = 0; i < ORDERS_PER_OP; i++) {
            inCounter.inc(placeLabels);
            outCounter.inc(okLabels);
            latency.observe(LATENCIES_S[i & 63] as number);
          }
        });
        const inChild = inCounter.labels(placeLabels);
        const outChild = outCounter.labels(okLabels);
        bench.add('prom-client labels() child', () => {
          for (let i = 0; i < ORDERS_PER_OP; i++) {
            inChild.inc();
            outChild.inc();
            latency.observe(LATENCIES_S[i & 63] as number);
          }
        });
        const server = new ServerMetrics({ connections: () => 10, loggedIn: () => 10, pending: () => 0, hostStats: () => null });
        for (const code of [0, 3001, 2001, 10011]) server.orderOut(code).inc();
        bench.add('scrape: one server registry to text', async () => {
          sink += (await server.render()).length;
        });
      },
    });
    if (sink === 0) throw new Error('scrape produced nothing');
    return {
      name: metricUpdate.name,
      description: metricUpdate.description,
      params,
      durability: 'not-applicable',
      figures,
      latency: [],
      notes: [`the first three figures are per ${ORDERS_PER_OP} orders (ns per order = figure / ${ORDERS_PER_OP}); the scrape includes the process metrics`],
      durationMs: Date.now() - startedMs,
    };
  },
};
