import { describe, expect, it } from 'vitest';
import { KeyedTokenBuckets, TokenBucket } from './rate-limiter.js';

function manualClock(startNs = 1_000): { now: () => number; advance: (ns: number) => void; set: (ns: number) => void } {
  let t = startNs;
  return { now: () => t, advance: (ns) => (t += ns), set: (ns) => (t = ns) };
}

describe('TokenBucket', () => {
  it('allows a burst, then refuses until time refills it at the rate', () => {
    const clock = manualClock();
    const bucket = new TokenBucket({ ratePerSecond: 10, burst: 3 }, clock.now);
    expect([bucket.tryTake(), bucket.tryTake(), bucket.tryTake(), bucket.tryTake()]).toEqual([true, true, true, false]);
    clock.advance(99_999_999);
    expect(bucket.tryTake()).toBe(false);
    clock.advance(1);
    expect(bucket.tryTake()).toBe(true);
    expect(bucket.tryTake()).toBe(false);
  });

  it('never exceeds its burst after a long idle period and ignores a clock that steps back', () => {
    const clock = manualClock();
    const bucket = new TokenBucket({ ratePerSecond: 1_000_000, burst: 5 }, clock.now);
    clock.advance(3_600_000_000_000);
    expect(bucket.available()).toBe(5);
    expect(bucket.tryTake(5)).toBe(true);
    const takenAtNs = clock.now();
    clock.set(0);
    expect(bucket.available()).toBe(0);
    // Refill resumes from the latest time seen, not from the stepped-back reading.
    clock.set(takenAtNs + 999);
    expect(bucket.available()).toBe(0);
    clock.set(takenAtNs + 1_000);
    expect(bucket.available()).toBe(1);
  });

  it('takes all or nothing, and gives back without exceeding capacity', () => {
    const clock = manualClock();
    const bucket = new TokenBucket({ ratePerSecond: 1, burst: 2 }, clock.now);
    expect(bucket.tryTake(3)).toBe(false);
    expect(bucket.available()).toBe(2);
    bucket.giveBack(5);
    expect(bucket.available()).toBe(2);
  });

  it('refuses bad options', () => {
    const clock = manualClock();
    for (const options of [{ ratePerSecond: 0, burst: 1 }, { ratePerSecond: 1.5, burst: 1 }, { ratePerSecond: 1, burst: 0 }, { ratePerSecond: 1, burst: 2e6 }]) {
      expect(() => new TokenBucket(options, clock.now)).toThrow(RangeError);
    }
  });
});

describe('KeyedTokenBuckets', () => {
  it('keeps one bucket per key and stays within its key bound', () => {
    const clock = manualClock();
    const buckets = new KeyedTokenBuckets({ ratePerSecond: 1, burst: 1 }, clock.now, 2);
    expect(buckets.tryTake(1)).toBe(true);
    expect(buckets.tryTake(1)).toBe(false);
    expect(buckets.tryTake(2)).toBe(true);
    // Both buckets are empty: a third key finds no room.
    expect(buckets.tryTake(3)).toBe(false);
    expect(buckets.size).toBe(2);
    clock.advance(1_000_000_000);
    // Full buckets are evicted to make room.
    expect(buckets.tryTake(3)).toBe(true);
    expect(buckets.size).toBeLessThanOrEqual(2);
  });
});
