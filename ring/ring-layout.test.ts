import { describe, expect, it } from 'vitest';
import { RingBuffer } from './ring-buffer.js';
import {
  CONSUMER_COUNT_MAX,
  RING_ALIGN_BYTES,
  availabilityOffset,
  consumerRecordOffset,
  ringBytes,
  slotsOffset,
  type RingGeometry,
} from './ring-layout.js';

const geometry: RingGeometry = { slotCount: 16, slotBytes: 128, consumerCount: 2, producerKind: 'multi' };

describe('ring layout', () => {
  it('places records, availability and slots in order, 128-byte aligned, without overlap', () => {
    expect(consumerRecordOffset(0)).toBe(256);
    expect(consumerRecordOffset(1)).toBe(384);
    expect(availabilityOffset(2)).toBe(512);
    expect(slotsOffset(geometry)).toBe(512 + 128); // 16 flags × 4 B padded to 128
    expect(ringBytes(geometry)).toBe(640 + 16 * 128);
    for (const offset of [consumerRecordOffset(1), availabilityOffset(2), slotsOffset(geometry)]) {
      expect(offset % RING_ALIGN_BYTES).toBe(0);
    }
  });

  it('rejects geometries outside its bounds', () => {
    const bad: RingGeometry[] = [
      { ...geometry, slotCount: 1000 },
      { ...geometry, slotCount: 1 },
      { ...geometry, slotBytes: 100 },
      { ...geometry, slotBytes: 0 },
      { ...geometry, consumerCount: 0 },
      { ...geometry, consumerCount: CONSUMER_COUNT_MAX + 1 },
    ];
    for (const g of bad) expect(() => RingBuffer.create(g)).toThrow(/ring invariant violated/);
  });

  it('initialises every sequence to -1 and the availability flags to "never published"', () => {
    const ring = RingBuffer.create(geometry);
    expect(ring.cursor.get()).toBe(-1);
    expect(ring.consumerSequence(0).get()).toBe(-1);
    expect(ring.consumerSequence(1).get()).toBe(-1);
    expect(() => ring.consumerSequence(2)).toThrow(/consumer 2 exists/);
    for (let seq = 0; seq < geometry.slotCount; seq++) expect(ring.isAvailable(seq)).toBe(false);
    expect(ring.isClosed()).toBe(false);
  });

  it('reconstructs the same ring from a structured-cloned descriptor (as workerData does)', () => {
    const ring = RingBuffer.create(geometry);
    const attached = RingBuffer.attach(structuredClone(ring.descriptor));
    ring.cursor.set(41);
    ring.view.setInt32(ring.slotOffset(3), 0x1234, true);
    expect(attached.cursor.get()).toBe(41);
    expect(attached.view.getInt32(attached.slotOffset(3), true)).toBe(0x1234);
  });

  it('refuses to attach with a geometry that differs from the header', () => {
    const ring = RingBuffer.create(geometry);
    const other = RingBuffer.create({ ...geometry, producerKind: 'single' });
    expect(() => RingBuffer.attach({ ...ring.descriptor, producerKind: 'single' })).toThrow(/producer kind/);
    expect(() => RingBuffer.attach({ ...ring.descriptor, slotCount: 32 })).toThrow(/buffer size/);
    expect(() => RingBuffer.attach({ ...other.descriptor, sab: new SharedArrayBuffer(ringBytes(geometry)) })).toThrow(/magic/);
  });

  it('maps sequences to slots modulo slotCount and laps exactly, up to 2^53 − 1', () => {
    const ring = RingBuffer.create(geometry);
    const first = ring.slotOffset(0);
    for (let seq = 0; seq < 64; seq++) {
      expect(ring.slotOffset(seq)).toBe(first + (seq % 16) * 128);
      expect(ring.lap(seq)).toBe(Math.floor(seq / 16));
    }
    const seqMax = Number.MAX_SAFE_INTEGER;
    expect(ring.slotOffset(seqMax)).toBe(first + 15 * 128);
    expect(ring.slotOffset(2 ** 40 + 5)).toBe(first + 5 * 128);
    // The flag is the lap truncated to 32 bits: consecutive laps always differ.
    expect(ring.lap(seqMax)).not.toBe(ring.lap(seqMax - 16));
    expect(ring.lap(2 ** 36 * 16)).toBe(0); // 2^36 laps: truncated to 0 mod 2^32
  });
});
