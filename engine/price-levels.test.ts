import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AssertionError } from './assert.js';
import { Side } from './command-layout.js';
import { NIL } from './order-pool.js';
import { BookSide, LevelPool } from './price-levels.js';
import { FC_SEED, fcParameters } from '../testkit/unit-fixtures.js';

/** Prices from the touch outwards, read through `at`. */
function depthPrices(side: BookSide, priceOf: (level: number) => number): number[] {
  return Array.from({ length: side.size }, (_, i) => priceOf(side.at(i)));
}

describe('book side', () => {
  it('bids are best-first from the highest price, asks from the lowest', () => {
    const bids = new BookSide(Side.BUY, 16);
    const asks = new BookSide(Side.SELL, 16);
    for (const p of [100, 98, 101, 99]) {
      bids.insert(p, p);
      asks.insert(p, p);
    }
    expect(depthPrices(bids, (l) => l)).toEqual([101, 100, 99, 98]);
    expect(depthPrices(asks, (l) => l)).toEqual([98, 99, 100, 101]);
    expect([bids.best(), asks.best()]).toEqual([101, 98]);
  });

  it('finds a level by price, NIL when there is none, and forgets removed ones', () => {
    const asks = new BookSide(Side.SELL, 16);
    asks.insert(100, 3);
    asks.insert(105, 4);
    expect([asks.find(100), asks.find(105), asks.find(101)]).toEqual([3, 4, NIL]);
    asks.remove(100);
    expect([asks.find(100), asks.best(), asks.size]).toEqual([NIL, 4, 1]);
    asks.remove(105);
    expect([asks.best(), asks.size]).toEqual([NIL, 0]);
  });

  it('refuses a second level at one price, removing a missing price, depth out of range and more levels than its bound', () => {
    const bids = new BookSide(Side.BUY, 2);
    bids.insert(10, 0);
    expect(() => bids.insert(10, 1)).toThrow(AssertionError);
    expect(() => bids.remove(11)).toThrow(AssertionError);
    expect(() => bids.at(1)).toThrow(AssertionError);
    bids.insert(11, 1);
    expect(() => bids.insert(12, 2)).toThrow(AssertionError);
  });

  it(`stays sorted like a model under random inserts and removes, growing past its first allocation (seed ${FC_SEED})`, () => {
    const op = fc.record({ insert: fc.boolean(), price: fc.integer({ min: 1, max: 300 }) });
    fc.assert(
      fc.property(fc.constantFrom(Side.BUY, Side.SELL), fc.array(op, { maxLength: 500 }), (side, ops) => {
        const bookSide = new BookSide(side, 300);
        const model = new Set<number>();
        for (const { insert, price } of ops) {
          if (insert && !model.has(price)) {
            bookSide.insert(price, price);
            model.add(price);
          } else if (!insert && model.has(price)) {
            bookSide.remove(price);
            model.delete(price);
          }
        }
        const sorted = [...model].sort((a, b) => (side === Side.BUY ? b - a : a - b));
        expect(depthPrices(bookSide, (l) => l)).toEqual(sorted);
        expect(bookSide.best()).toBe(sorted[0] ?? NIL);
        for (const p of sorted) expect(bookSide.find(p)).toBe(p);
      }),
      fcParameters(),
    );
  });
});

describe('level pool', () => {
  it('hands out empty levels, takes back only empty ones, and reuses them', () => {
    const pool = new LevelPool(2);
    const a = pool.alloc(100);
    const b = pool.alloc(101);
    expect([pool.price[a], pool.total[a], pool.count[a], pool.head[a], pool.tail[a], pool.inUse, pool.full]).toEqual([100, 0, 0, NIL, NIL, 2, true]);
    expect(() => pool.alloc(102)).toThrow(AssertionError);
    pool.total[b] = 5;
    expect(() => pool.free(b)).toThrow(AssertionError);
    pool.free(a);
    expect([pool.full, pool.inUse]).toEqual([false, 1]);
    expect(pool.alloc(103)).toBe(a);
    expect(pool.price[a]).toBe(103);
  });
});
