import { describe, expect, it } from 'vitest';
import { median, repeat, summarize, summarizeRuns } from './stats.js';

describe('stats', () => {
  it('takes the median of odd and even counts, unsorted', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([7])).toBe(7);
    expect(() => median([])).toThrow(RangeError);
    expect(() => median([1, Number.NaN])).toThrow(RangeError);
  });

  it('summarizes median, min, max and keeps the run values in order', () => {
    expect(summarize([5, 1, 9, 3])).toEqual({ median: 4, min: 1, max: 9, runs: 4, values: [5, 1, 9, 3] });
    expect(summarizeRuns([{ a: 1, b: 10 }, { a: 3, b: 30 }, { a: 2, b: 20 }])).toMatchObject({
      a: { median: 2, min: 1, max: 3 },
      b: { median: 20, min: 10, max: 30 },
    });
  });

  it('repeats runs one after another, never overlapping', async () => {
    let active = 0;
    const order: number[] = [];
    const results = await repeat(4, async (runIndex) => {
      active++;
      expect(active).toBe(1);
      await new Promise((resolve) => setTimeout(resolve, 1));
      order.push(runIndex);
      active--;
      return runIndex * 10;
    });
    expect(results).toEqual([0, 10, 20, 30]);
    expect(order).toEqual([0, 1, 2, 3]);
    await expect(repeat(0, () => 1)).rejects.toThrow(RangeError);
  });
});
