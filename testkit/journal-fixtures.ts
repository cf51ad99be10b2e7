// Synthetic command slots for the journal's tests and benchmarks. The journal treats commands as
// opaque bytes except for the sequence at COMMAND_SEQ_OFFSET, so a fixture needs only that to be
// right; the other bytes vary with the sequence so that a misplaced slot changes the bytes.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeI64 } from '../engine/int64.js';
import type { JournalEnv } from '../journal/journal-env.js';
import { STORE_READ_LIMIT_MAX } from '../journal/journal-store.js';
import { COMMAND_SEQ_OFFSET, COMMAND_SIZE_BYTES } from '../journal/record-layout.js';

/** Writes `count` command slots for sequences firstSeq.. into `target` (count × slot size bytes). */
export function fillCommands(target: Uint8Array, firstSeq: number, count: number): void {
  if (target.byteLength !== count * COMMAND_SIZE_BYTES) throw new Error(`fillCommands: ${target.byteLength} bytes for ${count} commands`);
  const view = new DataView(target.buffer, target.byteOffset, target.byteLength);
  for (let index = 0; index < count; index++) {
    const slot = index * COMMAND_SIZE_BYTES;
    const seq = firstSeq + index;
    for (let byte = 0; byte < COMMAND_SIZE_BYTES; byte += 4) view.setUint32(slot + byte, Math.imul(seq + 1, 0x9e3779b1) ^ byte, true);
    writeI64(view, slot + COMMAND_SEQ_OFFSET, seq);
  }
}

export function makeCommands(firstSeq: number, count: number): Uint8Array {
  const commands = new Uint8Array(count * COMMAND_SIZE_BYTES);
  fillCommands(commands, firstSeq, count);
  return commands;
}

/** A fresh directory under the OS temp dir, for one LMDB environment; remove with removeDir. */
export function makeTempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function removeDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

/** Copies of the stored groups under `keys`, for restoreGroups after a test tampers with them through the store. */
export function copyGroups(env: JournalEnv, keys: readonly number[]): Map<number, Buffer> {
  return new Map(keys.map((key) => [key, Buffer.from(env.store.getGroup(key) ?? [])]));
}

/** Puts the journal's groups back to exactly `originals` (every key removed, each original put). */
export function restoreGroups(env: JournalEnv, originals: ReadonlyMap<number, Buffer>): void {
  // Bounded: the fixtures' journals hold far fewer groups than one read's limit.
  for (const key of env.store.readGroupKeys(Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, STORE_READ_LIMIT_MAX)) env.store.tamper.removeGroup(key);
  for (const [key, value] of originals) env.store.tamper.putGroup(key, value);
}
