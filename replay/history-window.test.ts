import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HistoryWindow } from './history-window.js';

/** The window's items of one key, oldest first. */
function itemsOf<T>(w: HistoryWindow<T>, key: number): T[] {
  const keyed = w.keyed(key);
  return keyed === undefined ? [] : keyed.items.slice(keyed.head);
}

/** The window and what it let go, in order. */
function windowOf(perKeyMax: number, totalMax: number): { w: HistoryWindow<string>; gone: string[] } {
  const gone: string[] = [];
  return { w: new HistoryWindow<string>(perKeyMax, totalMax, (item) => gone.push(item)), gone };
}

/**
 * The reference: the kept items as one list, oldest first, and the same rule said plainly: a key
 * at its cap loses its first item in the list, else a full list loses its first.
 */
class Reference {
  readonly kept: Array<[key: number, item: string]> = [];
  readonly gone: string[] = [];
  constructor(
    readonly perKeyMax: number,
    readonly totalMax: number,
  ) {}

  push(key: number, item: string): void {
    const own = this.kept.filter(([k]) => k === key).length;
    const at = own === this.perKeyMax ? this.kept.findIndex(([k]) => k === key) : this.kept.length === this.totalMax ? 0 : -1;
    if (at >= 0) this.gone.push((this.kept.splice(at, 1)[0] as [number, string])[1]);
    this.kept.push([key, item]);
  }
}

const SEED = process.env.FC_SEED !== undefined ? Number(process.env.FC_SEED) : Math.floor(Math.random() * 2 ** 31);
const PATH = process.env.FC_PATH;
const RUNS = process.env.FC_RUNS !== undefined ? Number(process.env.FC_RUNS) : 300;

describe('history window', () => {
  it('takes a key at its cap its own oldest item, leaving the other keys alone', () => {
    const { w, gone } = windowOf(2, 10);
    w.push(1, 'a0');
    w.push(2, 'b0');
    w.push(1, 'a1');
    w.push(1, 'a2');
    w.push(1, 'a3');
    expect(itemsOf(w, 1)).toEqual(['a2', 'a3']);
    expect(itemsOf(w, 2)).toEqual(['b0']);
    expect(gone).toEqual(['a0', 'a1']);
    expect([w.evictedByKeyCap, w.evictedByTotalCap, w.size]).toEqual([2, 0, 3]);
    expect(w.toArray()).toEqual(['b0', 'a2', 'a3']);
  });

  it('takes the oldest kept item of any key when full and the pushing key is below its cap', () => {
    const { w, gone } = windowOf(3, 4);
    for (const [key, item] of [
      [1, 'a0'],
      [2, 'b0'],
      [1, 'a1'],
      [3, 'c0'],
      [3, 'c1'],
      [2, 'b1'],
    ] as const)
      w.push(key, item);
    expect(gone).toEqual(['a0', 'b0']);
    expect(w.toArray()).toEqual(['a1', 'c0', 'c1', 'b1']);
    expect(itemsOf(w, 1)).toEqual(['a1']);
    expect([w.evictedByKeyCap, w.evictedByTotalCap]).toEqual([0, 2]);
    // The last of a key's items goes: the key keeps nothing.
    w.push(3, 'c2');
    expect(gone.at(-1)).toBe('a1');
    expect(w.keyed(1)).toBeUndefined();
    expect(w.countOf(1)).toBe(0);
  });

  it('mixes both caps: a full window whose busy key is at its cap takes only that key', () => {
    const { w, gone } = windowOf(3, 5);
    w.push(7, 'quiet0');
    w.push(7, 'quiet1');
    for (let i = 0; i < 3; i++) w.push(1, `busy${i}`);
    // Full (5): the busy key at its cap (3) pays for itself, however long it goes on.
    for (let i = 3; i < 50; i++) w.push(1, `busy${i}`);
    expect(itemsOf(w, 7)).toEqual(['quiet0', 'quiet1']);
    expect(itemsOf(w, 1)).toEqual(['busy47', 'busy48', 'busy49']);
    expect([w.evictedByKeyCap, w.evictedByTotalCap]).toEqual([47, 0]);
    // Another key below its cap: the window is full, so the oldest of all goes, the quiet key's.
    w.push(9, 'other0');
    expect(gone.at(-1)).toBe('quiet0');
    expect(w.evictedByTotalCap).toBe(1);
    // Stale entries of the busy key sit before quiet1 in the order: they are skipped, not taken.
    w.push(9, 'other1');
    expect(gone.at(-1)).toBe('quiet1');
    expect(w.toArray()).toEqual(['busy47', 'busy48', 'busy49', 'other0', 'other1']);
  });

  it('keeps its order ring within twice the total cap and its key queues within twice what they keep', () => {
    const totalMax = 16;
    const w = new HistoryWindow<number>(4, totalMax);
    let ringMax = 0;
    let slotsMax = 0;
    for (let i = 0; i < 10_000; i++) {
      // Mostly one key at its cap (stale entries pile up), now and then others.
      w.push(i % 7 === 0 ? (i >> 3) % 5 : 42, i);
      ringMax = Math.max(ringMax, w.orderEntries);
      const keyed = w.keyed(42);
      if (keyed !== undefined) slotsMax = Math.max(slotsMax, keyed.items.length);
      expect(w.size).toBeLessThanOrEqual(totalMax);
      expect(w.countOf(42)).toBeLessThanOrEqual(4);
    }
    expect(ringMax).toBe(2 * totalMax);
    expect(slotsMax).toBeLessThanOrEqual(2 * 4);
    // Compaction dropped the stale entries and kept the live ones in order.
    expect(w.orderEntries).toBeLessThanOrEqual(2 * totalMax);
    expect(w.toArray()).toHaveLength(w.size);
    expect(itemsOf(w, 42)).toEqual([9995, 9997, 9998, 9999]);
  });

  it('lets go of evicted items at once, whichever cap took them', () => {
    const w = new HistoryWindow<{ id: number }>(2, 3);
    for (let i = 0; i < 6; i++) w.push(i % 2, { id: i });
    const keyed = w.keyed(0);
    expect(keyed?.items.slice(0, keyed.head).every((x) => x === undefined)).toBe(true);
  });

  it('refuses caps out of range', () => {
    expect(() => new HistoryWindow(0, 5)).toThrow(/perKeyMax/);
    expect(() => new HistoryWindow(6, 5)).toThrow(/perKeyMax 6: 1..5/);
    expect(() => new HistoryWindow(1, 0)).toThrow(/totalMax/);
    expect(() => new HistoryWindow(1, 1.5)).toThrow(/totalMax/);
  });

  it(`keeps and lets go exactly what the plain reference does, over random pushes (seed ${SEED}, ${RUNS} runs)`, () => {
    const caseArb = fc.record({
      totalMax: fc.integer({ min: 1, max: 12 }),
      perKeyFraction: fc.double({ min: 0, max: 1, noNaN: true }),
      // Skewed keys: key 0 is often the busy one.
      keys: fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 5 })), { maxLength: 200 }),
    });
    fc.assert(
      fc.property(caseArb, ({ totalMax, perKeyFraction, keys }) => {
        const perKeyMax = Math.max(1, Math.ceil(perKeyFraction * totalMax));
        const { w, gone } = windowOf(perKeyMax, totalMax);
        const ref = new Reference(perKeyMax, totalMax);
        keys.forEach((key, i) => {
          const item = `${key}:${i}`;
          w.push(key, item);
          ref.push(key, item);
          expect(w.size).toBe(ref.kept.length);
          expect(w.orderEntries).toBeLessThanOrEqual(2 * totalMax);
        });
        expect(gone).toEqual(ref.gone);
        expect(w.toArray()).toEqual(ref.kept.map(([, item]) => item));
        for (let key = 0; key <= 5; key++) {
          expect(itemsOf(w, key)).toEqual(ref.kept.filter(([k]) => k === key).map(([, item]) => item));
          expect(w.countOf(key)).toBe(itemsOf(w, key).length);
        }
        expect(w.evictedByKeyCap + w.evictedByTotalCap).toBe(gone.length);
      }),
      { seed: SEED, numRuns: RUNS, ...(PATH !== undefined ? { path: PATH } : {}) },
    );
  });
});
