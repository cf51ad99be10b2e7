import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AssertionError } from './assert.js';
import { B_STATE, B_STRIDE, I_ACCT_NEXT, I_ACCT_PREV, I_HEAP_POS, I_LEVEL, I_NEXT, I_PREV, I_STRIDE, NIL, OrderPool, OrderState } from './order-pool.js';
import { FC_SEED, fcParameters } from '../testkit/unit-fixtures.js';

const LINKS = [I_NEXT, I_PREV, I_LEVEL, I_ACCT_NEXT, I_ACCT_PREV, I_HEAP_POS];

function links(pool: OrderPool, h: number): number[] {
  return LINKS.map((link) => pool.I[h * I_STRIDE + link] as number);
}

/** What the pool must do: one free list threading every handle lowest first, freed ones pushed on its head. */
class ReferencePool {
  private readonly free: number[];
  constructor(capacity: number) {
    this.free = Array.from({ length: capacity }, (_, h) => capacity - 1 - h);
  }
  alloc(): number | undefined {
    return this.free.pop();
  }
  release(h: number): void {
    this.free.push(h);
  }
}

describe('order pool', () => {
  it('hands out fresh handles lowest first with every link NIL, and is full at capacity', () => {
    const pool = new OrderPool(3);
    expect([pool.full, pool.live]).toEqual([false, 0]);
    const handles = [pool.alloc(), pool.alloc(), pool.alloc()];
    expect(handles).toEqual([0, 1, 2]);
    for (const h of handles) expect(links(pool, h)).toEqual(LINKS.map(() => NIL));
    expect([pool.full, pool.live]).toEqual([true, 3]);
    expect(() => pool.alloc()).toThrow(AssertionError);
  });

  it('reuses the most recently freed handle before a fresh one, and refuses a double free', () => {
    const pool = new OrderPool(4);
    for (let i = 0; i < 3; i++) pool.B[pool.alloc() * B_STRIDE + B_STATE] = OrderState.ACTIVE;
    pool.free(1);
    expect(() => pool.free(1)).toThrow(AssertionError);
    expect(pool.alloc()).toBe(1);
    expect(links(pool, 1)).toEqual(LINKS.map(() => NIL));
    expect(pool.alloc()).toBe(3);
    expect(pool.full).toBe(true);
  });

  it(`gives the same handles as one free list over every record, for any alloc/free sequence (seed ${FC_SEED})`, () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.array(fc.nat(), { maxLength: 200 }), (capacity, steps) => {
        const pool = new OrderPool(capacity);
        const reference = new ReferencePool(capacity);
        const live: number[] = [];
        for (const step of steps) {
          if (step % 3 !== 0 && !pool.full) {
            const h = pool.alloc();
            expect(h).toBe(reference.alloc());
            expect(links(pool, h)).toEqual(LINKS.map(() => NIL));
            pool.B[h * B_STRIDE + B_STATE] = OrderState.ACTIVE;
            live.push(h);
          } else if (live.length > 0) {
            const [h] = live.splice(step % live.length, 1) as [number];
            pool.free(h);
            reference.release(h);
          }
          expect(pool.live).toBe(live.length);
          expect(pool.full).toBe(live.length === capacity);
        }
      }),
      fcParameters(),
    );
  });
});
