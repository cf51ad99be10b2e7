import { describe, expect, it } from 'vitest';
import { BatchConsumer } from './batch-consumer.js';
import { RingBuffer } from './ring-buffer.js';
import { SequenceBarrier } from './sequence-barrier.js';
import { createSequencer } from './sequencer.js';

const SPIN = { kind: 'busy-spin' } as const;

function setup() {
  const ring = RingBuffer.create({ slotCount: 16, slotBytes: 8, consumerCount: 1, producerKind: 'single' });
  const sequencer = createSequencer(ring, SPIN);
  const consumer = new BatchConsumer(ring, 0, new SequenceBarrier(ring, [], SPIN));
  const publish = (values: number[]): void => {
    const seqHi = sequencer.tryNext(values.length);
    const seqLo = seqHi - values.length + 1;
    values.forEach((v, i) => ring.view.setInt32(ring.slotOffset(seqLo + i), v, true));
    sequencer.publish(seqLo, seqHi);
  };
  return { ring, consumer, publish };
}

describe('batch consumer', () => {
  it('poll drains at most `limit`, marks the end of each batch, and releases after the batch', () => {
    const { ring, consumer, publish } = setup();
    publish([10, 11, 12, 13, 14]);
    const seen: Array<[number, number, boolean]> = [];
    const handler = (view: DataView, offset: number, seq: number, endOfBatch: boolean): void => {
      // Inside a batch its slots are not yet released: the record still holds the previous end.
      expect(ring.consumerSequence(0).get()).toBe(consumer.seqProcessed);
      expect(consumer.seqProcessed).toBeLessThan(seq);
      seen.push([seq, view.getInt32(offset, true), endOfBatch]);
    };
    expect(consumer.poll(handler, 3)).toBe(3);
    expect(ring.consumerSequence(0).get()).toBe(2);
    expect(consumer.poll(handler, 3)).toBe(2);
    expect(consumer.poll(handler, 3)).toBe(0);
    expect(seen).toEqual([
      [0, 10, false],
      [1, 11, false],
      [2, 12, true],
      [3, 13, false],
      [4, 14, true],
    ]);
    expect(consumer.seqProcessed).toBe(4);
  });

  it('drains to seqEnd after close and reports drained, never reading a sequence twice', () => {
    const { ring, consumer, publish } = setup();
    publish([1, 2, 3]);
    expect(consumer.isDrained()).toBe(false);
    ring.close();
    expect(consumer.isDrained()).toBe(false);
    const seqs: number[] = [];
    expect(consumer.run((_v, _o, seq) => seqs.push(seq), 2)).toBe(3);
    expect(seqs).toEqual([0, 1, 2]);
    expect(consumer.isDrained()).toBe(true);
    expect(consumer.poll(() => seqs.push(-1))).toBe(0);
  });

  it('a handler that throws leaves its batch unreleased', () => {
    const { ring, consumer, publish } = setup();
    publish([1, 2]);
    expect(() => consumer.poll(() => { throw new Error('bad slot'); })).toThrow('bad slot');
    expect(ring.consumerSequence(0).get()).toBe(-1);
  });
});
