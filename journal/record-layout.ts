// The journal commit-group record (design §5): the one place that knows its byte layout, and the
// one place in journal/ that knows the command slot's size and where its sequence lives.
//
// One LMDB entry in the `journal` database holds one commit group: the commands one transaction
// made durable, as the exact sequenced bytes, behind a 96-byte header.
//
//  0        4        6        8                16       20       24
//  ┌────────┬────────┬────────┬────────────────┬────────┬────────┐
//  │ magic  │ format │ cmd    │ firstSeq  i64  │ count  │ zero   │
//  │ u32    │ u16    │ size   │                │ u32    │ u32    │
//  ├────────┴────────┴────────┴────────────────┴────────┴────────┤ 24
//  │ prevGroupHash  32 bytes (the previous group's groupHash,     │
//  │                or the genesis hash for the first group)      │
//  ├──────────────────────────────────────────────────────────────┤ 56
//  │ groupHash  32 bytes = SHA-256( bytes[0, 56) ‖ commands )     │
//  ├────────┬────────┬────────────────────────────────────────────┤ 88
//  │ crc32  │ zero   │                                            │
//  │ u32    │ u32    │                                            │
//  ├────────┴────────┴────────────────────────────────────────────┤ 96
//  │ commands: count × commandSize bytes, sequences firstSeq, firstSeq+1, ...            │
//  └──────────────────────────────────────────────────────────────────────────────────────┘
//  All integers little-endian. crc32 (zlib) covers bytes[0, 88) ‖ bytes[92, end): every byte but
//  itself. The hash covers the header fields and the previous hash, so the chain binds each group
//  to its position (firstSeq) and to everything before it.
//
// Key: the group's firstSeq as a JS number in lmdb-js's default `ordered-binary` key encoding.
// Why: sequences are safe integers (design §2), ordered-binary orders non-negative numbers
// numerically, it is lmdb-js's native fast path, and keys come back as numbers with no Buffer
// allocation. A big-endian 8-byte Buffer key would sort the same but needs `keyEncoding: 'binary'`
// (slower per lmdb-js's README) and a Buffer per key read. Reads by sequence stay direct: the
// group holding `seq` is the greatest key <= seq (`getKeys({ start: seq, reverse: true, limit: 1 })`),
// and the command is at COMMANDS_OFFSET + (seq - firstSeq) * commandSize inside it.
//
// Why these two checks: the CRC is cheap (≈6 GB/s here) and catches accidental damage first; the
// SHA-256 chain (≈1.5 GB/s) is what makes editing, reordering or deleting a group evident, since a
// CRC can be recomputed by anyone who edits a record.

import { assertLayout, CMD_SEQ, COMMAND_SIZE } from '../engine/command-layout.js';
import { readI64 } from '../engine/int64.js';

// ── The command slot, as the journal sees it ────────────────────────────────────────────────
// Owned by engine/command-layout.ts (the command record's layout file); the journal stores the
// slots as opaque bytes and needs only their size and where the sequence is. journal/ reads both
// through these two names and nowhere else. The group header stores the size, and meta stores it
// too, so a journal written with another slot size is refused rather than misread.

/** Size of one sequenced command slot: engine/command-layout.ts COMMAND_SIZE. */
export const COMMAND_SIZE_BYTES = COMMAND_SIZE;
/** Offset of the command's i64 little-endian sequence in its slot: engine/command-layout.ts CMD_SEQ. */
export const COMMAND_SEQ_OFFSET = CMD_SEQ;

/** The first sequence a journal holds: ring sequences start at -1, so the first command is 0. */
export const SEQ_FIRST = 0;
/** The "nothing journaled yet" sequence (the Disruptor convention). */
export const SEQ_NONE = -1;

// ── The group record ────────────────────────────────────────────────────────────────────────

/** 'ORDJ' read as a little-endian u32: a wrong database or a wrong value is caught at byte 0. */
export const GROUP_MAGIC = 0x4a44524f;
/** Bump on any change to this layout; meta stores it and refuses to open another one. */
export const JOURNAL_FORMAT_VERSION = 1;

export const GROUP_MAGIC_OFFSET = 0;
export const GROUP_FORMAT_OFFSET = 4;
export const GROUP_COMMAND_SIZE_OFFSET = 6;
export const GROUP_FIRST_SEQ_OFFSET = 8;
export const GROUP_COUNT_OFFSET = 16;
export const GROUP_ZERO_A_OFFSET = 20;
export const GROUP_PREV_HASH_OFFSET = 24;
export const GROUP_HASH_OFFSET = 56;
export const GROUP_CHECKSUM_OFFSET = 88;
export const GROUP_ZERO_B_OFFSET = 92;
export const GROUP_COMMANDS_OFFSET = 96;

export const HASH_BYTES = 32;
/** The hashed header prefix: bytes[0, 56) = the fixed fields and prevGroupHash. */
export const GROUP_HASHED_HEADER_BYTES = GROUP_HASH_OFFSET;
export const GROUP_HEADER_BYTES = GROUP_COMMANDS_OFFSET;

/**
 * Bound on the commands in one group (and so in one transaction). 8192 × 128 B = 1 MiB: large
 * enough that one fsync carries thousands of commands (the ≥1M commands/s target at a few hundred
 * fsyncs per second), small enough that a group is one bounded allocation and one bounded copy.
 */
export const GROUP_COMMANDS_MAX = 8192;
export const GROUP_BYTES_MAX = GROUP_HEADER_BYTES + GROUP_COMMANDS_MAX * COMMAND_SIZE_BYTES;

/** Value length of a group of `count` commands. */
export function groupBytes(count: number): number {
  return GROUP_HEADER_BYTES + count * COMMAND_SIZE_BYTES;
}

/** Offset of command `index` (0-based inside the group) in a group value. */
export function groupCommandOffset(index: number): number {
  return GROUP_COMMANDS_OFFSET + index * COMMAND_SIZE_BYTES;
}

/** The sequence stored in the command slot starting at `slotOffset` of `view`. */
export function commandSeqAt(view: DataView, slotOffset: number): number {
  return readI64(view, slotOffset + COMMAND_SEQ_OFFSET);
}

// Load-time assertions: the header fields tile [0, 96) in order with no gap or overlap, aligned
// (assertLayout, shared with the engine's layouts); the command area starts 32-byte aligned so a
// group's commands can be viewed as whole slots; the command's sequence lies inside the slot; the
// group bound stays far below LMDB's value limit.
const FIELDS: ReadonlyArray<readonly [string, number, number]> = [
  ['magic', GROUP_MAGIC_OFFSET, 4],
  ['format', GROUP_FORMAT_OFFSET, 2],
  ['commandSize', GROUP_COMMAND_SIZE_OFFSET, 2],
  ['firstSeq', GROUP_FIRST_SEQ_OFFSET, 8],
  ['count', GROUP_COUNT_OFFSET, 4],
  ['zeroA', GROUP_ZERO_A_OFFSET, 4],
  ['prevGroupHash', GROUP_PREV_HASH_OFFSET, HASH_BYTES],
  ['groupHash', GROUP_HASH_OFFSET, HASH_BYTES],
  ['checksum', GROUP_CHECKSUM_OFFSET, 4],
  ['zeroB', GROUP_ZERO_B_OFFSET, 4],
];
assertLayout('journal group header', FIELDS, GROUP_HEADER_BYTES);
{
  if (GROUP_COMMANDS_OFFSET % 32 !== 0) throw new Error('journal record layout: commands not 32-byte aligned');
  if (COMMAND_SIZE_BYTES % 8 !== 0 || COMMAND_SIZE_BYTES > 0xffff) {
    throw new Error(`journal record layout: command size ${COMMAND_SIZE_BYTES} must be a multiple of 8 and fit u16`);
  }
  if (COMMAND_SEQ_OFFSET % 8 !== 0 || COMMAND_SEQ_OFFSET + 8 > COMMAND_SIZE_BYTES) {
    throw new Error(`journal record layout: command sequence at ${COMMAND_SEQ_OFFSET} not an aligned i64 inside the slot`);
  }
  if (GROUP_BYTES_MAX > 0x7fff_ffff) throw new Error('journal record layout: GROUP_BYTES_MAX exceeds 2 GiB');
  if (GROUP_HASHED_HEADER_BYTES !== GROUP_PREV_HASH_OFFSET + HASH_BYTES) {
    throw new Error('journal record layout: the hashed header must end with prevGroupHash');
  }
}
