import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AssertionError } from './assert.js';
import { ExpiryQueue } from './expiry-queue.js';
import { F_EXPIRE_AT_US, F_ID, F_STRIDE, I_HEAP_POS, I_STRIDE, NIL, OrderPool } from './order-pool.js';
import { FC_SEED, fcParameters } from '../testkit/unit-fixtures.js';

function order(pool: OrderPool, id: number, expireAtUs: number): number {
  const h = pool.alloc();
  pool.F[h * F_STRIDE + F_ID] = id;
  pool.F[h * F_STRIDE + F_EXPIRE_AT_US] = expireAtUs;
  return h;
}

/** Takes everything out, earliest first, as order ids. */
function drain(queue: ExpiryQueue, pool: OrderPool): number[] {
  const ids: number[] = [];
  for (let h = queue.peek(); h !== NIL; h = queue.peek()) {
    ids.push(pool.F[h * F_STRIDE + F_ID] as number);
    queue.remove(h);
  }
  return ids;
}

describe('expiry queue', () => {
  it('orders by expiry time, then by order id', () => {
    const pool = new OrderPool(8);
    const queue = new ExpiryQueue(pool, 8);
    for (const [id, at] of [
      [5, 300],
      [9, 100],
      [3, 200],
      [7, 100],
      [1, 300],
    ] as const) {
      queue.push(order(pool, id, at));
    }
    expect(queue.size).toBe(5);
    expect(drain(queue, pool)).toEqual([7, 9, 3, 1, 5]);
    expect(queue.peek()).toBe(NIL);
  });

  it('removes any queued order at once, and refuses one that is not queued or queued twice', () => {
    const pool = new OrderPool(4);
    const queue = new ExpiryQueue(pool, 4);
    const a = order(pool, 1, 10);
    const b = order(pool, 2, 20);
    queue.push(a);
    queue.push(b);
    expect(() => queue.push(a)).toThrow(AssertionError);
    queue.remove(a);
    expect(pool.I[a * I_STRIDE + I_HEAP_POS]).toBe(NIL);
    expect(() => queue.remove(a)).toThrow(AssertionError);
    expect(drain(queue, pool)).toEqual([2]);
  });

  it(`pops in (expiry, id) order under random pushes and removes (seed ${FC_SEED})`, () => {
    const op = fc.record({ push: fc.boolean(), expireAtUs: fc.integer({ min: 1, max: 20 }), pick: fc.nat() });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
        const pool = new OrderPool(200);
        const queue = new ExpiryQueue(pool, 200);
        const queued: number[] = [];
        let nextId = 1;
        for (const { push, expireAtUs, pick } of ops) {
          if (push || queued.length === 0) {
            const h = order(pool, nextId++, expireAtUs);
            queue.push(h);
            queued.push(h);
          } else {
            const [h] = queued.splice(pick % queued.length, 1);
            queue.remove(h!);
          }
        }
        const expected = queued
          .map((h) => [pool.F[h * F_STRIDE + F_EXPIRE_AT_US] as number, pool.F[h * F_STRIDE + F_ID] as number] as const)
          .sort((x, y) => x[0] - y[0] || x[1] - y[1])
          .map(([, id]) => id);
        expect(drain(queue, pool)).toEqual(expected);
      }),
      fcParameters(),
    );
  });
});
