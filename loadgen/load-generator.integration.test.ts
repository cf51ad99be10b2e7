import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LatencyHistogram } from './histogram.js';
import { defaultOrder, formatLoadResult, runLoad } from './load-generator.js';
import { FakeServer } from '../testkit/fake-server.js';

describe('load generator over real sockets', () => {
  let server: FakeServer;
  beforeEach(async () => {
    server = await FakeServer.start();
  });
  afterEach(async () => {
    await server.close();
  });

  it('offers the scheduled orders over N connections and measures from the intended send time', async () => {
    server.ackDelayMs = 20;
    const result = await runLoad({ url: server.url, connections: 3, ratePerSecond: 500, durationMs: 400, credentials: (i) => ({ account: i + 1, apiKey: 'k'.repeat(20) }) });
    expect(result.sent).toBe(200);
    expect(result.acked + result.rejected).toBe(200);
    expect(result.failed).toBe(0);
    // Every reply was delayed 20 ms by the server: no latency can be below that.
    expect(result.latencyNs.p50).toBeGreaterThanOrEqual(19_000_000);
    expect(result.latencyNs.max).toBeGreaterThanOrEqual(result.latencyNs.p99);
    expect(server.received.filter((m) => m.type === 'login')).toHaveLength(3);
    expect(server.received.filter((m) => m.type === 'place')).toHaveLength(200);
    expect(formatLoadResult(result)).toMatch(/offered 500\/s, achieved \d+\/s\nsent 200: acked 200/);
  });

  it('gathers orders into batch frames of batchSize, each answered on its own', async () => {
    const result = await runLoad({ url: server.url, connections: 2, ratePerSecond: 2_000, durationMs: 100, batchSize: 8 });
    expect(result.sent).toBe(200);
    expect(result.acked).toBe(200);
    // Batches are not single messages: the stand-in server saw no frame of one place.
    expect(server.received.filter((m) => m.type === 'place')).toHaveLength(0);
    expect(result.ackedRatePerSecond).toBeGreaterThan(0);
  });

  it('counts rejects by name and msgpack works the same', async () => {
    const result = await runLoad({ url: server.url, connections: 1, ratePerSecond: 1_000, durationMs: 50, format: 'msgpack', order: (i) => ({ ...defaultOrder(i), qty: i % 2 === 0 ? '0' : '0.0001' }) });
    expect(result.rejected).toBe(25);
    expect(result.rejectsByName).toEqual({ DECIMAL_OUT_OF_RANGE: 25 });
  });

  it('warms up on the same connections first and measures only the orders after the warm-up', async () => {
    server.ackDelayMs = 5;
    const histogram = new LatencyHistogram();
    const result = await runLoad({ url: server.url, connections: 2, ratePerSecond: 1_000, durationMs: 100, warmupMs: 50, histogram, credentials: (i) => ({ account: i + 1, apiKey: 'k'.repeat(20) }) });
    expect(result.sent).toBe(100);
    expect(result.acked).toBe(100);
    expect(result.failed).toBe(0);
    expect(histogram.count).toBe(100);
    // The server saw the warm-up's orders too, over the same two connections (one login each).
    expect(server.received.filter((m) => m.type === 'place')).toHaveLength(150);
    expect(server.received.filter((m) => m.type === 'login')).toHaveLength(2);
    expect(result.latencyNs.p50).toBeGreaterThanOrEqual(4_000_000);
  });

  it('sends on a ticker thread at the intended times (latency runs), measured the same way', async () => {
    server.ackDelayMs = 5;
    const result = await runLoad({ url: server.url, connections: 2, ratePerSecond: 4_000, durationMs: 200, wait: 'ticker' });
    expect(result.sent).toBe(800);
    expect(result.acked).toBe(800);
    expect(result.timedOut).toBe(false);
    expect(result.latencyNs.p50).toBeGreaterThanOrEqual(4_000_000);
  });
});
