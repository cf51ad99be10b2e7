// Sealing and checking commit-group records (layout: record-layout.ts). The writer seals, the
// reader and verification check; both sides go through these two functions so that what is
// checked after the read is exactly what was computed before the write.

import { createHash } from 'node:crypto';
import { assert } from '../engine/assert.js';
import { readI64, writeI64 } from '../engine/int64.js';
import { crc32SkippingField } from './checksum.js';
import type { JournalCorruptKind } from './journal-error.js';
import {
  COMMAND_SIZE_BYTES,
  GROUP_CHECKSUM_OFFSET,
  GROUP_COMMAND_SIZE_OFFSET,
  GROUP_COMMANDS_MAX,
  GROUP_COMMANDS_OFFSET,
  GROUP_COUNT_OFFSET,
  GROUP_FIRST_SEQ_OFFSET,
  GROUP_FORMAT_OFFSET,
  GROUP_HASH_OFFSET,
  GROUP_HASHED_HEADER_BYTES,
  GROUP_HEADER_BYTES,
  GROUP_MAGIC,
  GROUP_MAGIC_OFFSET,
  GROUP_PREV_HASH_OFFSET,
  GROUP_ZERO_A_OFFSET,
  GROUP_ZERO_B_OFFSET,
  HASH_BYTES,
  JOURNAL_FORMAT_VERSION,
  commandSeqAt,
  groupBytes,
  groupCommandOffset,
} from './record-layout.js';

/** CRC-32 of every byte of a group but the checksum field itself. */
export function groupChecksum(value: Uint8Array): number {
  return crc32SkippingField(value, GROUP_CHECKSUM_OFFSET);
}

/** SHA-256 over the hashed header (fields + prevGroupHash) and the commands. */
export function groupHashOf(value: Uint8Array): Buffer {
  return createHash('sha256')
    .update(value.subarray(0, GROUP_HASHED_HEADER_BYTES))
    .update(value.subarray(GROUP_COMMANDS_OFFSET))
    .digest();
}

function viewOf(value: Uint8Array): DataView {
  return new DataView(value.buffer, value.byteOffset, value.byteLength);
}

/**
 * Writes the header of a group whose `count` commands already sit at GROUP_COMMANDS_OFFSET in
 * `value` (exactly groupBytes(count) long), then its hash and checksum. Returns the group hash.
 */
export function sealGroup(value: Uint8Array, firstSeq: number, count: number, prevHash: Uint8Array): Buffer {
  assert(count >= 1 && count <= GROUP_COMMANDS_MAX, `group of ${count} commands is outside [1, ${GROUP_COMMANDS_MAX}]`);
  assert(value.byteLength === groupBytes(count), `group value is ${value.byteLength} bytes, expected ${groupBytes(count)}`);
  assert(prevHash.byteLength === HASH_BYTES, 'prevHash must be a 32-byte hash');
  const view = viewOf(value);
  view.setUint32(GROUP_MAGIC_OFFSET, GROUP_MAGIC, true);
  view.setUint16(GROUP_FORMAT_OFFSET, JOURNAL_FORMAT_VERSION, true);
  view.setUint16(GROUP_COMMAND_SIZE_OFFSET, COMMAND_SIZE_BYTES, true);
  writeI64(view, GROUP_FIRST_SEQ_OFFSET, firstSeq);
  view.setUint32(GROUP_COUNT_OFFSET, count, true);
  view.setUint32(GROUP_ZERO_A_OFFSET, 0, true);
  value.set(prevHash, GROUP_PREV_HASH_OFFSET);
  view.setUint32(GROUP_ZERO_B_OFFSET, 0, true);
  const hash = groupHashOf(value);
  value.set(hash, GROUP_HASH_OFFSET);
  view.setUint32(GROUP_CHECKSUM_OFFSET, groupChecksum(value), true);
  return hash;
}

/** The first thing wrong with a group, or null. `seq` names the sequence the problem concerns. */
export interface GroupProblem {
  readonly kind: JournalCorruptKind;
  readonly seq: number;
  readonly detail: string;
}

/** A group that passed checkGroup, decoded. Views alias the checked value. */
export interface CheckedGroup {
  readonly firstSeq: number;
  readonly count: number;
  readonly prevHash: Uint8Array;
  readonly groupHash: Uint8Array;
}

/** What the caller knows about the group's place in the chain; null where it knows nothing. */
export interface GroupExpectation {
  /** The LMDB key the value was read under. */
  readonly key: number;
  /** The sequence the group must start at (the previous group's last + 1), or null. */
  readonly firstSeq: number | null;
  /** The previous group's hash (or the genesis hash), or null. */
  readonly prevHash: Uint8Array | null;
}

/**
 * Checks one group value, cheapest and most specific checks first: shape (truncated, format),
 * then the CRC (checksum), then its place (chain, gap), then every command's sequence, then the
 * hash chain. Null means the group is sound; decodeCheckedGroup then reads its header.
 */
export function checkGroup(value: Uint8Array, expect: GroupExpectation): GroupProblem | null {
  const key = expect.key;
  if (value.byteLength < GROUP_HEADER_BYTES) {
    return { kind: 'truncated', seq: key, detail: `value of ${value.byteLength} bytes is shorter than the ${GROUP_HEADER_BYTES}-byte header` };
  }
  const view = viewOf(value);
  const shape = checkShape(view, key);
  if (shape !== null) return shape;
  const count = view.getUint32(GROUP_COUNT_OFFSET, true);
  if (count < 1 || count > GROUP_COMMANDS_MAX || value.byteLength !== groupBytes(count)) {
    return { kind: 'truncated', seq: key, detail: `value of ${value.byteLength} bytes does not hold the ${count} commands its header declares` };
  }
  const checksumStored = view.getUint32(GROUP_CHECKSUM_OFFSET, true);
  const checksumActual = groupChecksum(value);
  if (checksumStored !== checksumActual) {
    return { kind: 'checksum', seq: key, detail: `crc32 stored ${checksumStored.toString(16)}, computed ${checksumActual.toString(16)}` };
  }
  const placement = checkPlacement(view, count, expect);
  if (placement !== null) return placement;
  if (expect.prevHash !== null && !bytesEqual(value.subarray(GROUP_PREV_HASH_OFFSET, GROUP_HASH_OFFSET), expect.prevHash)) {
    return { kind: 'chain', seq: key, detail: 'prevGroupHash does not match the previous group\'s hash' };
  }
  const hash = groupHashOf(value);
  if (!bytesEqual(value.subarray(GROUP_HASH_OFFSET, GROUP_HASH_OFFSET + HASH_BYTES), hash)) {
    return { kind: 'chain', seq: key, detail: 'groupHash does not match the hash of the group\'s bytes' };
  }
  return null;
}

function checkShape(view: DataView, key: number): GroupProblem | null {
  const magic = view.getUint32(GROUP_MAGIC_OFFSET, true);
  if (magic !== GROUP_MAGIC) return { kind: 'format', seq: key, detail: `magic ${magic.toString(16)}, expected ${GROUP_MAGIC.toString(16)}` };
  const format = view.getUint16(GROUP_FORMAT_OFFSET, true);
  if (format !== JOURNAL_FORMAT_VERSION) return { kind: 'format', seq: key, detail: `format ${format}, expected ${JOURNAL_FORMAT_VERSION}` };
  const commandSize = view.getUint16(GROUP_COMMAND_SIZE_OFFSET, true);
  if (commandSize !== COMMAND_SIZE_BYTES) return { kind: 'format', seq: key, detail: `command size ${commandSize}, expected ${COMMAND_SIZE_BYTES}` };
  if (view.getUint32(GROUP_ZERO_A_OFFSET, true) !== 0 || view.getUint32(GROUP_ZERO_B_OFFSET, true) !== 0) {
    return { kind: 'format', seq: key, detail: 'reserved header bytes are not zero' };
  }
  return null;
}

/** The group is under its own key, where the chain expects it, and its commands count up by one. */
function checkPlacement(view: DataView, count: number, expect: GroupExpectation): GroupProblem | null {
  const key = expect.key;
  const firstSeq = readI64(view, GROUP_FIRST_SEQ_OFFSET);
  if (firstSeq !== key) return { kind: 'chain', seq: key, detail: `group starting at ${firstSeq} is stored under key ${key}` };
  if (expect.firstSeq !== null && firstSeq > expect.firstSeq) {
    return { kind: 'gap', seq: expect.firstSeq, detail: `sequences ${expect.firstSeq}..${firstSeq - 1} are missing` };
  }
  if (expect.firstSeq !== null && firstSeq < expect.firstSeq) {
    return { kind: 'chain', seq: firstSeq, detail: `group starts at ${firstSeq}, overlapping the previous group that ends at ${expect.firstSeq - 1}` };
  }
  for (let index = 0; index < count; index++) {
    const seq = commandSeqAt(view, groupCommandOffset(index));
    if (seq !== firstSeq + index) {
      return { kind: 'gap', seq: firstSeq + index, detail: `command ${index} of the group carries sequence ${seq}` };
    }
  }
  return null;
}

/** Reads the header of a group that checkGroup accepted. */
export function decodeCheckedGroup(value: Uint8Array): CheckedGroup {
  const view = viewOf(value);
  const count = view.getUint32(GROUP_COUNT_OFFSET, true);
  assert(value.byteLength === groupBytes(count), 'decodeCheckedGroup on a group that was not checked');
  return {
    firstSeq: readI64(view, GROUP_FIRST_SEQ_OFFSET),
    count,
    prevHash: value.subarray(GROUP_PREV_HASH_OFFSET, GROUP_HASH_OFFSET),
    groupHash: value.subarray(GROUP_HASH_OFFSET, GROUP_HASH_OFFSET + HASH_BYTES),
  };
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);
}
