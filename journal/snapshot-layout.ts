// The snapshot record (design §5): the one place that knows its byte layout. One LMDB entry in
// the `snapshots` database, keyed by the snapshot's sequence (a number, like the journal's keys).
//
//  0        4        6        8                16       20       24              24+hashLength
//  ┌────────┬────────┬────────┬────────────────┬────────┬────────┬───────────────┬──────────────┐
//  │ magic  │ format │ hash   │ seq  i64       │ body   │ crc32  │ state hash    │ body         │
//  │ u32    │ u16    │ length │                │ length │ u32    │ ASCII hex     │ (msgpack of  │
//  │        │        │ u16    │                │ u32    │        │               │  the engine) │
//  └────────┴────────┴────────┴────────────────┴────────┴────────┴───────────────┴──────────────┘
//  All integers little-endian. seq: the last command applied in the snapshot. crc32 (zlib) covers
//  every byte but itself. The body is opaque here: the engine encodes and decodes it.
//
//  Format 2 appends, after the body, the read model at the same sequence (opaque here too):
//
//  ┌──────────────┬──────────────────────┐
//  │ length u32   │ read model (msgpack) │   length 0: none kept
//  └──────────────┴──────────────────────┘
//
//  Format 1 records (no such section) are still read.

import { crc32SkippingField } from './checksum.js';
import { assertLayout } from '../engine/command-layout.js';

/** 'ORDS' as a little-endian u32. */
export const SNAPSHOT_MAGIC = 0x5344524f;
/** Bump on any change to this layout. */
export const SNAPSHOT_FORMAT_VERSION = 2;
/** The format before the read model section; still read. */
export const SNAPSHOT_FORMAT_NO_READ_MODEL = 1;
/** Bytes of the read model section's length field. */
export const SNAPSHOT_READ_MODEL_LENGTH_BYTES = 4;

export const SNAPSHOT_MAGIC_OFFSET = 0;
export const SNAPSHOT_FORMAT_OFFSET = 4;
export const SNAPSHOT_HASH_LENGTH_OFFSET = 6;
export const SNAPSHOT_SEQ_OFFSET = 8;
export const SNAPSHOT_BODY_LENGTH_OFFSET = 16;
export const SNAPSHOT_CHECKSUM_OFFSET = 20;
export const SNAPSHOT_HEADER_BYTES = 24;

/** Bound on the state hash text (a SHA-512 in hex is 128 characters). */
export const SNAPSHOT_HASH_LENGTH_MAX = 128;
/** Bound on a snapshot body: LMDB values are limited to 4 GiB - 1; we stay well inside. */
export const SNAPSHOT_BODY_BYTES_MAX = 2 ** 31 - 1;

/** Offset of the body in a record whose state hash is `hashLength` characters. */
export function snapshotBodyOffset(hashLength: number): number {
  return SNAPSHOT_HEADER_BYTES + hashLength;
}

/** CRC-32 of every byte of a snapshot record but the checksum field. */
export function snapshotChecksum(record: Uint8Array): number {
  return crc32SkippingField(record, SNAPSHOT_CHECKSUM_OFFSET);
}

// Load-time assertions: the header fields tile [0, 24) in order, the i64 is 8-byte aligned.
const FIELDS: ReadonlyArray<readonly [string, number, number]> = [
  ['magic', SNAPSHOT_MAGIC_OFFSET, 4],
  ['format', SNAPSHOT_FORMAT_OFFSET, 2],
  ['hashLength', SNAPSHOT_HASH_LENGTH_OFFSET, 2],
  ['seq', SNAPSHOT_SEQ_OFFSET, 8],
  ['bodyLength', SNAPSHOT_BODY_LENGTH_OFFSET, 4],
  ['checksum', SNAPSHOT_CHECKSUM_OFFSET, 4],
];
assertLayout('snapshot header', FIELDS, SNAPSHOT_HEADER_BYTES);
{
  if (SNAPSHOT_HASH_LENGTH_MAX > 0xffff) throw new Error('snapshot layout: hash length must fit u16');
  if (SNAPSHOT_BODY_BYTES_MAX > 0xffff_ffff) throw new Error('snapshot layout: body length must fit u32');
}
