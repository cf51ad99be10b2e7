// The journal's checksum: zlib's CRC-32 (≈6 GB/s here, native), over a record's bytes except the
// 4-byte field that stores it, so a record carries its checksum inside itself.

import zlib from 'node:zlib';

// zlib.crc32 arrived in Node 20.15; package.json allows 20.11, so say why it fails, at load time.
if (typeof zlib.crc32 !== 'function') throw new Error('journal: node:zlib crc32 is missing (Node >= 20.15 required)');

/** CRC-32 of bytes[0, fieldOffset) ‖ bytes[fieldOffset + 4, end). */
export function crc32SkippingField(bytes: Uint8Array, fieldOffset: number): number {
  const head = zlib.crc32(bytes.subarray(0, fieldOffset));
  return zlib.crc32(bytes.subarray(fieldOffset + 4), head);
}
