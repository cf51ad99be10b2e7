import { describe, expect, it } from 'vitest';
import { RingBuffer } from './ring-buffer.js';
import type { ProducerKind } from './ring-layout.js';
import { CLAIM_CLOSED, CLAIM_FULL, MultiProducerSequencer, SingleProducerSequencer, createSequencer, isClaimCode } from './sequencer.js';

const SPIN = { kind: 'busy-spin' } as const;

function ring(producerKind: ProducerKind, slotCount = 8, consumerCount = 1): RingBuffer {
  return RingBuffer.create({ slotCount, slotBytes: 8, consumerCount, producerKind });
}

describe('sequencers', () => {
  for (const kind of ['single', 'multi'] as const) {
    describe(`${kind} producer`, () => {
      it('claims from 0, contiguously, n at a time', () => {
        const r = ring(kind);
        const s = createSequencer(r, SPIN);
        expect(s.tryNext(1)).toBe(0);
        expect(s.tryNext(3)).toBe(3);
        expect(s.next(2)).toBe(5);
      });

      it('never claims past the slowest consumer: exactly slotCount fit, then CLAIM_FULL, until it releases', () => {
        const r = ring(kind, 8, 2);
        const s = createSequencer(r, SPIN);
        expect(s.tryNext(8)).toBe(7);
        s.publish(0, 7);
        expect(s.tryNext(1)).toBe(CLAIM_FULL);
        expect(isClaimCode(CLAIM_FULL)).toBe(true);
        r.consumerSequence(0).set(5); // one consumer moved, the other has not
        expect(s.tryNext(1)).toBe(CLAIM_FULL);
        r.consumerSequence(1).set(2); // the slowest released 0..2: three slots free
        expect(s.tryNext(3)).toBe(10);
        expect(s.tryNext(1)).toBe(CLAIM_FULL);
        expect(r.cursor.get()).toBe(kind === 'single' ? 7 : 10);
      });

      it('rejects claims of 0 or more than the ring', () => {
        const s = createSequencer(ring(kind), SPIN);
        expect(() => s.tryNext(0)).toThrow(/at least 1/);
        expect(() => s.tryNext(9)).toThrow(/fits the ring/);
      });

      it('answers CLAIM_CLOSED after shutdown, and refuses to publish past seqEnd', () => {
        const r = ring(kind);
        const s = createSequencer(r, SPIN);
        s.publish(0, s.tryNext(2) );
        expect(r.close()).toBe(1);
        expect(s.tryNext(1)).toBe(CLAIM_CLOSED);
        expect(s.next(1)).toBe(CLAIM_CLOSED);
        expect(() => s.publish(2, 2)).toThrow(/after shutdown|claimed/);
      });
    });
  }

  it('single producer: publishes only what it claimed, in order', () => {
    const r = ring('single');
    const s = new SingleProducerSequencer(r, SPIN);
    s.tryNext(4);
    expect(() => s.publish(1, 1)).toThrow(/in order/);
    expect(() => s.publish(0, 4)).toThrow(/claimed/);
    s.publish(0, 1);
    expect(r.cursor.get()).toBe(1);
    expect(r.highestPublished(0, 1)).toBe(1);
  });

  it('multi producer: a consumer sees only the contiguous published prefix (availability buffer)', () => {
    const r = ring('multi');
    const a = new MultiProducerSequencer(r, SPIN);
    const b = new MultiProducerSequencer(r, SPIN);
    expect(a.tryNext(2)).toBe(1); // a: [0, 1]
    expect(b.tryNext(2)).toBe(3); // b: [2, 3]
    b.publish(2, 3);
    expect(r.cursor.get()).toBe(3); // claimed, not published
    expect(r.highestPublished(0, 3)).toBe(-1);
    a.publish(0, 0);
    expect(r.highestPublished(0, 3)).toBe(0);
    a.publish(1, 1);
    expect(r.highestPublished(0, 3)).toBe(3);
  });

  it('multi producer: a flag from the previous lap does not count as published', () => {
    const r = ring('multi', 4);
    const s = new MultiProducerSequencer(r, SPIN);
    s.publish(0, s.tryNext(4));
    r.consumerSequence(0).set(3);
    expect(s.tryNext(1)).toBe(4); // slot 0 again, lap 1
    expect(r.isAvailable(0)).toBe(true);
    expect(r.isAvailable(4)).toBe(false);
    expect(r.highestPublished(4, 4)).toBe(3);
    s.publish(4, 4);
    expect(r.highestPublished(4, 4)).toBe(4);
    expect(r.isAvailable(0)).toBe(false);
  });

  it('multi producer: close() refuses a claimed but unpublished sequence (it would be lost)', () => {
    const r = ring('multi');
    const s = new MultiProducerSequencer(r, SPIN);
    s.tryNext(2);
    s.publish(0, 0);
    expect(() => r.close()).toThrow(/sequence 1 was claimed but never published/);
  });
});
