import { afterEach, describe, expect, it } from 'vitest';
import { LatencyHistogram } from './histogram.js';
import { runLoad } from './load-generator.js';
import { apiKeyOf, ServerFixture } from '../testkit/server-fixture.js';

describe('load generator: round trip split at the gateway', () => {
  let fixture: ServerFixture | null = null;
  afterEach(async () => {
    await fixture?.stop();
    fixture = null;
  });

  it('splits each accepted order at the gateway stamp of its report, both parts within the round trip', async () => {
    fixture = await ServerFixture.start();
    const histogram = new LatencyHistogram();
    const split = { toGateway: new LatencyHistogram(), fromGateway: new LatencyHistogram() };
    const result = await runLoad({ url: fixture.url, connections: 2, ratePerSecond: 1_000, durationMs: 200, wait: 'ticker', credentials: (i) => ({ account: i + 1, apiKey: apiKeyOf(i + 1) }), histogram, split });
    expect(result.acked).toBe(200);
    expect(split.toGateway.count).toBe(200);
    expect(split.fromGateway.count).toBe(200);
    const rtt = histogram.percentiles();
    const to = split.toGateway.percentiles();
    const from = split.fromGateway.percentiles();
    // Each order's two parts add up to its round trip (to a µs of clock reading), so neither
    // part's maximum can exceed the round trip's by more than that.
    expect(to.max).toBeLessThanOrEqual(rtt.max + 5_000);
    expect(from.max).toBeLessThanOrEqual(rtt.max + 5_000);
    expect(from.p50).toBeGreaterThan(0);
  });
});
