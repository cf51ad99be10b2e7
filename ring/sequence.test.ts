import { describe, expect, it } from 'vitest';
import { RingBuffer } from './ring-buffer.js';
import { CURSOR_RECORD_OFFSET, RECORD_SIGNAL_OFFSET, i32Index } from './ring-layout.js';

/**
 * The wake side of the park protocol (Sequence.wake). A parked thread stays counted as a waiter
 * from parkBegin until it runs again and calls parkEnd; on a loaded 2-core machine that is
 * milliseconds after it was notified (measured: 5-20 ms for the main thread's waitAsync in
 * bench/pipeline-latency.ts). Every advance in that window must not pay another
 * Atomics.notify: one park, one notify.
 */
function ringWithCursor(): { ring: RingBuffer; signal: () => number } {
  const ring = RingBuffer.create({ slotCount: 8, slotBytes: 8, consumerCount: 1, producerKind: 'single' });
  const index = i32Index(CURSOR_RECORD_OFFSET + RECORD_SIGNAL_OFFSET);
  return { ring, signal: () => Atomics.load(ring.i32, index) };
}

describe('Sequence wake', () => {
  it('advances with nobody parked do not signal', () => {
    const { ring, signal } = ringWithCursor();
    for (let seq = 0; seq < 100; seq++) ring.cursor.set(seq);
    expect(signal()).toBe(0);
  });

  it('a parked waiter is signalled once per park, not once per advance until it runs', () => {
    const { ring, signal } = ringWithCursor();
    const cursor = ring.cursor;
    const seen = cursor.parkBegin();
    // The waiter is woken by the first advance but has not run yet: 1000 more advances.
    for (let seq = 0; seq < 1000; seq++) cursor.set(seq);
    expect(signal()).toBe(seen + 1);
    cursor.parkEnd();
    expect(cursor.waiters()).toBe(0);
  });

  it('a waiter that parks again after a wake is signalled again (no lost wake)', () => {
    const { ring, signal } = ringWithCursor();
    const cursor = ring.cursor;
    for (let park = 0; park < 10; park++) {
      const seen = cursor.parkBegin();
      expect(seen).toBe(park);
      cursor.set(park);
      // The signal moved past what the waiter read, so its Atomics.wait returns at once.
      expect(signal()).not.toBe(seen);
      cursor.parkEnd();
    }
    expect(signal()).toBe(10);
  });

  it('two waiters parked at once are both released by one signal', () => {
    const { ring, signal } = ringWithCursor();
    const cursor = ring.cursor;
    const seenA = cursor.parkBegin();
    const seenB = cursor.parkBegin();
    cursor.set(0);
    expect(signal()).not.toBe(seenA);
    expect(signal()).not.toBe(seenB);
    cursor.parkEnd();
    // A parks again while B has not run yet: A's new park gets its own signal.
    const seenA2 = cursor.parkBegin();
    cursor.set(1);
    expect(signal()).not.toBe(seenA2);
    cursor.parkEnd();
    cursor.parkEnd();
    expect(cursor.waiters()).toBe(0);
  });

  it('wakeAlways signals even with nobody parked (shutdown)', () => {
    const { ring, signal } = ringWithCursor();
    ring.cursor.wakeAlways();
    expect(signal()).toBe(1);
  });
});
