import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AssertionError } from './assert.js';
import { OrderIndex } from './order-index.js';
import { NIL } from './order-pool.js';
import { FC_SEED, fcParameters } from '../testkit/unit-fixtures.js';

describe('order index', () => {
  it('maps ids to handles and answers NIL for an id it does not hold', () => {
    const index = new OrderIndex(4);
    index.put(7, 0);
    index.put(2 ** 40 + 7, 1);
    expect([index.get(7), index.get(2 ** 40 + 7), index.get(8), index.size]).toEqual([0, 1, NIL, 2]);
    index.remove(7);
    expect([index.get(7), index.get(2 ** 40 + 7), index.size]).toEqual([NIL, 1, 1]);
  });

  it('holds id 0 and answers NIL for ids on slots never used', () => {
    const index = new OrderIndex(4);
    expect([index.get(0), index.get(1), index.get(3)]).toEqual([NIL, NIL, NIL]);
    index.put(0, 2);
    expect([index.get(0), index.get(4), index.get(8)]).toEqual([2, NIL, NIL]);
    index.put(8, 3);
    expect([index.get(0), index.get(8), index.size]).toEqual([2, 3, 2]);
    index.remove(0);
    expect([index.get(0), index.get(8), index.size]).toEqual([NIL, 3, 1]);
  });

  it('refuses an id twice, a put beyond capacity and the removal of an absent id', () => {
    const index = new OrderIndex(2);
    index.put(1, 0);
    expect(() => index.put(1, 5)).toThrow(AssertionError);
    index.put(2, 1);
    expect(() => index.put(3, 2)).toThrow(AssertionError);
    expect(() => index.remove(99)).toThrow(AssertionError);
  });

  it('keeps every entry reachable when ids collide on their home slot (same low 32 bits)', () => {
    const index = new OrderIndex(8);
    const ids = [0, 1, 2, 3, 4].map((k) => 5 + k * 2 ** 32);
    ids.forEach((id, h) => index.put(id, h));
    // Removing from the middle of the cluster must shift the later entries back.
    index.remove(ids[1]!);
    index.remove(ids[3]!);
    expect(ids.map((id) => index.get(id))).toEqual([0, NIL, 2, NIL, 4]);
  });

  it('moves an id whose direct slot a newer id takes to the overflow table, which grows as they accumulate', () => {
    const capacity = 1000;
    const index = new OrderIndex(capacity);
    // Capacity 1000 gives 1024 direct slots: these ids all share slot 3, so all but the newest
    // live in the overflow table, far past its initial 128 slots.
    const ids = Array.from({ length: capacity }, (_, k) => 3 + k * 1024);
    ids.forEach((id, h) => index.put(id, h));
    expect(index.size).toBe(capacity);
    expect(ids.every((id, h) => index.get(id) === h)).toBe(true);
    for (let k = 0; k < capacity; k += 2) index.remove(ids[k]!);
    expect(ids.map((id) => index.get(id))).toEqual(ids.map((_, h) => (h % 2 === 0 ? NIL : h)));
    expect(index.size).toBe(capacity / 2);
    // Twice is refused wherever the id lives: the overflow table or its direct slot.
    expect(() => index.put(ids[1]!, 0)).toThrow(/indexed twice/);
    expect(() => index.put(ids[capacity - 1]!, 0)).toThrow(/indexed twice/);
  });

  it(`behaves like a Map under random puts and removes, with backward-shift deletion (seed ${FC_SEED})`, () => {
    const id = fc.tuple(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 3 })).map(([low, high]) => low + high * 2 ** 32);
    const op = fc.record({ put: fc.boolean(), id });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 48 }), fc.array(op, { maxLength: 400 }), (capacity, ops) => {
        const index = new OrderIndex(capacity);
        const model = new Map<number, number>();
        let handle = 0;
        for (const { put, id: key } of ops) {
          if (put && !model.has(key) && model.size < capacity) {
            index.put(key, handle);
            model.set(key, handle++);
          } else if (!put && model.has(key)) {
            index.remove(key);
            model.delete(key);
          }
          expect(index.get(key)).toBe(model.get(key) ?? NIL);
          expect(index.size).toBe(model.size);
        }
        for (const [key, h] of model) expect(index.get(key)).toBe(h);
      }),
      fcParameters(),
    );
  });
});
