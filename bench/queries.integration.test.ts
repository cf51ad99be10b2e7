import { describe, expect, it } from 'vitest';
import { flowOrder, queries } from './queries.js';
import { BENCHMARKS } from './suite.js';

describe('queries benchmark', () => {
  it('is in the suite, and its quick profile stays short', () => {
    expect(BENCHMARKS).toContain(queries);
    const quick = queries.defaults.quick;
    expect(Number(quick.warmupMs) + Number(quick.measureMs)).toBeLessThanOrEqual(10_000);
    expect(Object.keys(queries.defaults.full).sort()).toEqual(Object.keys(quick).sort());
  });

  it('sends a flow in which each of an even number of connections only buys or only sells', () => {
    const connections = 4;
    const sides = new Map<number, Set<string>>();
    for (let i = 0; i < 1_000; i++) {
      const order = flowOrder(i);
      const seen = sides.get(i % connections) ?? new Set<string>();
      seen.add(order.side);
      sides.set(i % connections, seen);
      expect(order.tif).toBe('gtc');
    }
    for (const seen of sides.values()) expect(seen.size).toBe(1);
    expect(new Set([...sides.values()].flatMap((s) => [...s]))).toEqual(new Set(['buy', 'sell']));
  });

  it('answers every query of a small run under a small flow, with every open order (two pages) each time', async () => {
    const params = { openOrders: 1_100, flowRate: 400, flowConnections: 2, openOrdersRate: 5, openOrdersPageRate: 5, orderStatusRate: 10, balancesRate: 10, fillsRate: 5, symbolsRate: 5, format: 'json', runs: 1, measureMs: 400, warmupMs: 100 };
    const result = await queries.run(params, 'quick');
    expect(result.name).toBe('queries');
    expect(result.durability).toBe('fsync');
    // 5/s and 10/s over 400 ms: 2 and 4 queries, each answered once.
    expect(result.latency).toHaveLength(1);
    expect(result.latency[0]!.offeredRatePerSecond).toBe(5);
    expect(result.latency[0]!.samples).toBe(2);
    for (const kind of ['openOrders', 'openOrdersPage', 'orderStatus', 'balances', 'fills', 'symbols']) {
      for (const name of ['P50', 'P99', 'Max']) expect(result.figures[`${kind}Latency${name}Ns`]!.median, `${kind} ${name}`).toBeGreaterThan(0);
    }
    expect(result.figures.flowAchievedOrdersPerSecond!.median).toBeGreaterThan(0);
    expect(result.figures.flowAloneAchievedOrdersPerSecond!.median).toBeGreaterThan(0);
    expect(result.figures.flowRefusals!.median).toBe(0);
  });
});
