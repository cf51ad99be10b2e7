import { describe, expect, it } from 'vitest';
import { BatchConsumer } from './batch-consumer.js';
import { RingBuffer } from './ring-buffer.js';
import { BARRIER_END, BARRIER_TIMEOUT, SequenceBarrier } from './sequence-barrier.js';
import { createSequencer } from './sequencer.js';

const SPIN = { kind: 'busy-spin' } as const;

function setup(producerKind: 'single' | 'multi' = 'multi') {
  const ring = RingBuffer.create({ slotCount: 16, slotBytes: 8, consumerCount: 2, producerKind });
  return { ring, sequencer: createSequencer(ring, SPIN) };
}

describe('sequence barrier', () => {
  it('on the cursor: follows publication, bounded by seqHiMax', () => {
    const { ring, sequencer } = setup();
    const barrier = new SequenceBarrier(ring, [], SPIN);
    expect(barrier.available(0, 15)).toBe(-1);
    sequencer.publish(0, sequencer.tryNext(5));
    expect(barrier.available(0, 15)).toBe(4);
    expect(barrier.available(0, 2)).toBe(2);
    expect(barrier.available(3, 15)).toBe(4);
    expect(barrier.limitingSequence()).toBe(ring.cursor);
  });

  it('gated on another consumer: sees only what that consumer released, whatever the cursor', () => {
    const { ring, sequencer } = setup();
    sequencer.publish(0, sequencer.tryNext(10));
    const journal = new BatchConsumer(ring, 0, new SequenceBarrier(ring, [], SPIN));
    const core = new BatchConsumer(ring, 1, new SequenceBarrier(ring, [0], SPIN));
    const seen: number[] = [];
    expect(core.poll(() => seen.push(-1))).toBe(0);
    expect(journal.poll(() => undefined, 4)).toBe(4);
    expect(core.poll((_v, _o, seq) => seen.push(seq))).toBe(4);
    expect(seen).toEqual([0, 1, 2, 3]);
    expect(core.barrier.limitingSequence()).toBe(ring.consumerSequence(0));
    // The producer gates on the slowest (core), not on the journal.
    expect(ring.minConsumerSequence()).toBe(3);
  });

  it('waitFor returns the available range, BARRIER_TIMEOUT after its bound, BARRIER_END once closed and passed', () => {
    const { ring, sequencer } = setup('single');
    const barrier = new SequenceBarrier(ring, [], SPIN);
    expect(barrier.waitFor(0, 15, 100)).toBe(BARRIER_TIMEOUT);
    sequencer.publish(0, sequencer.tryNext(3));
    expect(barrier.waitFor(0, 15, 100)).toBe(2);
    ring.close();
    expect(barrier.waitFor(2, 15, 100)).toBe(2); // still draining: 2 ≤ seqEnd
    expect(barrier.waitFor(3, 15, 100)).toBe(BARRIER_END);
    expect(barrier.isEnd(3)).toBe(true);
  });

  it('rejects duplicate dependencies and unknown consumers', () => {
    const { ring } = setup();
    expect(() => new SequenceBarrier(ring, [0, 0], SPIN)).toThrow(/distinct/);
    expect(() => new SequenceBarrier(ring, [5], SPIN)).toThrow(/consumer 5/);
  });
});

describe('wait channel', () => {
  it('pays a wake (signal bump) only when a waiter parked since the last one', () => {
    const { ring } = setup();
    const cursor = ring.cursor;
    const signal0 = cursor.parkBegin();
    cursor.parkEnd();
    // That park ended without a wake (its re-check found the value ready): its request stays,
    // and costs the next advance one spare bump, once.
    cursor.set(1);
    cursor.set(2); // nobody parked since: no bump
    const signal1 = cursor.parkBegin();
    expect(signal1).toBe(signal0 + 1);
    expect(cursor.waiters()).toBe(1);
    cursor.set(3); // one waiter registered: bump
    cursor.set(4); // the same waiter, already signalled: no bump
    cursor.parkEnd();
    expect(cursor.waiters()).toBe(0);
    expect(cursor.parkBegin()).toBe(signal1 + 1);
    cursor.parkEnd();
  });

  it('never parks the main thread', () => {
    const { ring } = setup();
    expect(() => ring.cursor.parkWait(0, 1)).toThrow(/main thread/);
    const barrier = new SequenceBarrier(ring, [], { kind: 'blocking' });
    expect(() => barrier.waitFor(0, 0, 1)).toThrow(/main thread/);
    expect(ring.cursor.waiters()).toBe(0);
  });
});
