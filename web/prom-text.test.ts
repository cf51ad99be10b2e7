import { describe, expect, it } from 'vitest';
import { bucketsOf, parsePromText, quantileBetween, sumOf } from './prom-text.js';

const TEXT = `# HELP ordo_gateway_orders_in_total Order messages received.
# TYPE ordo_gateway_orders_in_total counter
ordo_gateway_orders_in_total{type="place"} 120
ordo_gateway_orders_in_total{type="cancel"} 30
ordo_gateway_orders_out_total{code="0",name="OK"} 140
ordo_gateway_orders_out_total{code="10011",name="PRICE_NOT_TICK_MULTIPLE"} 10
ordo_journal_lag_commands NaN
ordo_ring_depth{ring="input"} 3 1735689600000
odd_label{text="a \\"quoted\\", comma\\\\ and\\nline"} 1
ordo_gateway_order_latency_seconds_bucket{le="0.00001"} 0
ordo_gateway_order_latency_seconds_bucket{le="0.00002"} 50
ordo_gateway_order_latency_seconds_bucket{le="0.00004"} 90
ordo_gateway_order_latency_seconds_bucket{le="+Inf"} 100
ordo_gateway_order_latency_seconds_sum 0.003
ordo_gateway_order_latency_seconds_count 100
this is not a sample
broken{le="1" 3
`;

describe('the Prometheus text the page reads from /metrics', () => {
  const samples = parsePromText(TEXT);

  it('reads samples with labels, special values and timestamps, and skips what is not a sample', () => {
    expect(sumOf(samples, 'ordo_gateway_orders_in_total')).toBe(150);
    expect(sumOf(samples, 'ordo_gateway_orders_out_total', { code: '0' })).toBe(140);
    expect(sumOf(samples, 'ordo_journal_lag_commands')).toBeNaN();
    expect(sumOf(samples, 'ordo_ring_depth', { ring: 'input' })).toBe(3);
    expect(sumOf(samples, 'absent')).toBeNull();
    expect(samples.find((s) => s.name === 'odd_label')?.labels).toEqual({ text: 'a "quoted", comma\\ and\nline' });
    expect(samples.some((s) => s.name === 'this' || s.name === 'broken')).toBe(false);
  });

  it('takes quantiles of the observations between two readings, as histogram_quantile does', () => {
    const after = bucketsOf(samples, 'ordo_gateway_order_latency_seconds');
    expect(after).toEqual([
      [0.00001, 0],
      [0.00002, 50],
      [0.00004, 90],
      [Infinity, 100],
    ]);
    const none = after.map(([b]) => [b, 0] as [number, number]);
    expect(quantileBetween(none, after, 0.5)).toBeCloseTo(0.00002, 12);
    expect(quantileBetween(none, after, 0.25)).toBeCloseTo(0.000015, 12);
    expect(quantileBetween(none, after, 0.7)).toBeCloseTo(0.00003, 12);
    // The top 10 % is beyond the last finite bound: that bound is the answer.
    expect(quantileBetween(none, after, 0.99)).toBeCloseTo(0.00004, 12);
    // Only what happened between the readings counts: 20 observations, all in (20 µs, 40 µs].
    const before: Array<[number, number]> = [
      [0.00001, 0],
      [0.00002, 50],
      [0.00004, 70],
      [Infinity, 80],
    ];
    expect(quantileBetween(before, after, 0.5)).toBeCloseTo(0.00003, 12);
    expect(quantileBetween(after, after, 0.5)).toBeNull();
  });
});
