import { assert } from '../ring/ring-layout.js';

// Payload of the ring's stress tests and benchmarks: fills a whole slot so a torn read (a
// consumer reading a slot a producer is rewriting) shows as a checksum mismatch.
//
//  word 0       1          2 .. n−2                        n−1      (32-bit words, n = slot/4)
//  ┌──────────┬──────────┬──────────────────────────────┬──────────┐
//  │ producer │ counter  │ mix(producer, counter, word)  │ checksum │
//  └──────────┴──────────┴──────────────────────────────┴──────────┘
//  counter: the producer's own message number from 0, so consumers check per-producer order.

export const PAYLOAD_PRODUCER_WORD = 0;
export const PAYLOAD_COUNTER_WORD = 1;
export const PAYLOAD_WORDS_MIN = 4;

function mix(producerId: number, counter: number, word: number): number {
  return Math.imul(producerId * 0x9e3779b1 + counter, 0x85ebca6b) ^ Math.imul(word + 1, 0xc2b2ae35);
}

/** Writes a payload into `words` 32-bit words starting at index `at` of `i32`. */
export function writePayload(i32: Int32Array, at: number, words: number, producerId: number, counter: number): void {
  assert(words >= PAYLOAD_WORDS_MIN, 'payload has room for its header and checksum');
  i32[at + PAYLOAD_PRODUCER_WORD] = producerId;
  i32[at + PAYLOAD_COUNTER_WORD] = counter;
  let checksum = producerId ^ counter;
  for (let w = 2; w < words - 1; w++) {
    const value = mix(producerId, counter, w);
    i32[at + w] = value;
    checksum = (Math.imul(checksum, 31) + value) | 0;
  }
  i32[at + words - 1] = checksum;
}

/** True when the payload at `at` is whole: every word matches its producer and counter. */
export function payloadIsWhole(i32: Int32Array, at: number, words: number): boolean {
  const producerId = i32[at + PAYLOAD_PRODUCER_WORD] ?? -1;
  const counter = i32[at + PAYLOAD_COUNTER_WORD] ?? -1;
  let checksum = producerId ^ counter;
  for (let w = 2; w < words - 1; w++) {
    const value = i32[at + w] ?? 0;
    if (value !== mix(producerId, counter, w)) return false;
    checksum = (Math.imul(checksum, 31) + value) | 0;
  }
  return i32[at + words - 1] === checksum;
}
