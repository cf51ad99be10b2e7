import { describe, expect, it } from 'vitest';
import { EngineStats, WINDOW_READINGS } from './engine-stats.js';
import { parsePromText } from './prom-text.js';

function metrics(ordersIn: number, acks: number, refused: number, fast: number, slow: number): string {
  return [
    `ordo_gateway_orders_in_total{type="place"} ${ordersIn}`,
    `ordo_gateway_orders_out_total{code="0",name="OK"} ${acks}`,
    `ordo_gateway_orders_out_total{code="2001",name="INSUFFICIENT_FUNDS"} ${refused}`,
    `ordo_gateway_order_latency_seconds_bucket{le="0.0001"} ${fast}`,
    `ordo_gateway_order_latency_seconds_bucket{le="0.001"} ${fast + slow}`,
    `ordo_gateway_order_latency_seconds_bucket{le="+Inf"} ${fast + slow}`,
    'ordo_journal_lag_commands NaN',
    'ordo_ring_depth{ring="input"} 7',
    'ordo_ring_depth{ring="output"} 2',
    'ordo_gateway_connections 5',
    'ordo_gateway_sessions_logged_in 3',
    'ordo_storage_degraded 0',
  ].join('\n');
}

describe('the engine figures the page shows', () => {
  it('gives rates over the last interval, gauges as read, and no rate from one reading', () => {
    const stats = new EngineStats();
    const first = stats.add({ atMs: 1_000, samples: parsePromText(metrics(100, 90, 10, 100, 0)) });
    expect(first.ordersInPerSec).toBeNull();
    expect([first.ringInput, first.ringOutput, first.connections, first.sessions, first.journalLag, first.storageDegraded]).toEqual([7, 2, 5, 3, null, false]);
    const second = stats.add({ atMs: 3_000, samples: parsePromText(metrics(2_100, 1_890, 210, 100, 2_000)) });
    expect([second.ordersInPerSec, second.acksPerSec, second.refusedPerSec]).toEqual([1_000, 900, 100]);
  });

  it('takes latency percentiles over the window of readings only', () => {
    const stats = new EngineStats();
    // 1000 fast observations first, then only slow ones: once the fast ones leave the window,
    // the median is slow.
    stats.add({ atMs: 0, samples: parsePromText(metrics(0, 0, 0, 1_000, 0)) });
    let figures = stats.add({ atMs: 1_000, samples: parsePromText(metrics(0, 0, 0, 1_000, 100)) });
    expect(figures.latencyP50).not.toBeNull();
    for (let i = 2; i <= WINDOW_READINGS + 2; i++) figures = stats.add({ atMs: i * 1_000, samples: parsePromText(metrics(0, 0, 0, 1_000, 100 * i)) });
    expect(figures.latencyP50 as number).toBeGreaterThan(0.0001);
    expect(figures.latencyP99 as number).toBeLessThanOrEqual(0.001);
    const idle = stats.add({ atMs: 100_000, samples: parsePromText(metrics(0, 0, 0, 1_000, 100 * (WINDOW_READINGS + 2))) });
    expect(idle.latencyP50).not.toBeNull();
  });
});
