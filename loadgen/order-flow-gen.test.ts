import { describe, expect, it } from 'vitest';
import {
  ORDER_FLOW_OP_CANCEL,
  ORDER_FLOW_OP_LIMIT,
  ORDER_FLOW_OP_MARKET,
  newOrderFlowRecord,
  readOrderFlowRecord,
  validateOrderFlow,
} from '../engine/order-flow-layout.js';
import {
  CANCEL_SHARE,
  LIMIT_SHARE,
  MARKET_SHARE,
  Xoshiro128,
  generateOrderFlow,
  generateOrderFlowWithSummary,
  parseOrderFlowGenArgs,
} from './order-flow-gen.js';

const COUNT = 100_000;

function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

describe('order-flow generator', () => {
  it('gives identical bytes for the same seed and different bytes for another', () => {
    const a = generateOrderFlow({ count: 5_000, seed: 42 });
    const b = generateOrderFlow({ count: 5_000, seed: 42 });
    const c = generateOrderFlow({ count: 5_000, seed: 43 });
    const d = generateOrderFlow({ count: 5_000, seed: 42 + 2 ** 32 });
    expect(Buffer.compare(a, b)).toBe(0);
    expect(Buffer.compare(a, c)).not.toBe(0);
    expect(Buffer.compare(a, d)).not.toBe(0);
  });

  it('pins the PRNG so a change of stream is deliberate', () => {
    // Reference xoshiro128** from state [1, 2, 3, 4].
    const reference = Xoshiro128.fromState(1, 2, 3, 4);
    expect([reference.nextU32(), reference.nextU32(), reference.nextU32()]).toEqual([11520, 0, 5927040]);
    const rng = new Xoshiro128(1);
    const first = [rng.nextU32(), rng.nextU32(), rng.nextU32()];
    expect(first.every((x) => Number.isInteger(x) && x >= 0 && x < 2 ** 32)).toBe(true);
    expect(first).toMatchInlineSnapshot(`
      [
        2442144158,
        3238099751,
        3819917871,
      ]
    `);
  });

  it('produces the target mix within tolerance', () => {
    const { bytes, summary } = generateOrderFlowWithSummary({ count: COUNT, seed: 7 });
    expect(validateOrderFlow(viewOf(bytes))).toBe(COUNT);
    expect(summary.limits / COUNT).toBeCloseTo(LIMIT_SHARE, 1);
    expect(Math.abs(summary.limits / COUNT - LIMIT_SHARE)).toBeLessThan(0.02);
    expect(Math.abs(summary.markets / COUNT - MARKET_SHARE)).toBeLessThan(0.01);
    expect(Math.abs(summary.cancels / COUNT - CANCEL_SHARE)).toBeLessThan(0.02);
    expect(summary.crossingLimits / summary.limits).toBeGreaterThan(0.05);
    expect(summary.crossingLimits / summary.limits).toBeLessThan(0.15);
    expect(summary.priceTicksMin).toBeGreaterThan(0);
  });

  it('cancels only ids placed earlier by limits, and places unique increasing ids', () => {
    const bytes = generateOrderFlow({ count: COUNT, seed: 11 });
    const view = viewOf(bytes);
    const record = newOrderFlowRecord();
    const limitIds = new Set<number>();
    let lastPlacedId = 0;
    let cancels = 0;
    for (let i = 0; i < COUNT; i++) {
      readOrderFlowRecord(view, i, record);
      switch (record.op) {
        case ORDER_FLOW_OP_LIMIT:
        case ORDER_FLOW_OP_MARKET:
          expect(record.orderId).toBe(lastPlacedId + 1);
          lastPlacedId = record.orderId;
          if (record.op === ORDER_FLOW_OP_LIMIT) limitIds.add(record.orderId);
          break;
        case ORDER_FLOW_OP_CANCEL:
          expect(limitIds.has(record.orderId)).toBe(true);
          cancels++;
          break;
        default: {
          const unknownOp: never = record.op;
          throw new Error(`unknown op ${String(unknownOp)}`);
        }
      }
    }
    expect(cancels).toBeGreaterThan(0);
  });

  it('parses its command line', () => {
    expect(parseOrderFlowGenArgs(['--out', 'f.bin', '--count', '1_000', '--seed', '9'])).toEqual({ out: 'f.bin', count: 1000, seed: 9 });
    expect(() => parseOrderFlowGenArgs(['--count', '5'])).toThrow(/usage/);
    expect(() => parseOrderFlowGenArgs(['--out', 'x', '--count', '-5'])).toThrow(/whole number/);
    expect(() => parseOrderFlowGenArgs(['--out', 'x', '--count', '5', '--seed', 'abc'])).toThrow(/--seed: "abc" is not a whole number/);
    expect(() => parseOrderFlowGenArgs(['--out', 'x', '--count', '5', '--bogus', '1'])).toThrow(/Unknown option '--bogus'[^]*usage: order-flow-gen/);
    expect(() => generateOrderFlow({ count: -1, seed: 1 })).toThrow(RangeError);
  });
});
