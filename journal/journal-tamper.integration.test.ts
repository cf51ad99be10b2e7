import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyGroups, makeCommands, makeTempDir, removeDir, restoreGroups } from '../testkit/journal-fixtures.js';
import { groupChecksum, groupHashOf } from './group-codec.js';
import { openJournalEnv, type JournalEnv } from './journal-env.js';
import { JournalCorruptError, type JournalCorruptKind } from './journal-error.js';
import { JournalReader } from './journal-reader.js';
import { JournalWriter } from './journal-writer.js';
import { GROUP_CHECKSUM_OFFSET, GROUP_HASH_OFFSET, GROUP_PREV_HASH_OFFSET, groupBytes, groupCommandOffset } from './record-layout.js';
import { verifyJournal } from './verify.js';

// One journal of five groups, tampered and restored by each test through LMDB directly, as an
// attacker or a broken disk would. Group keys (first sequences): 0, 3, 8, 16, 17.
const GROUP_SIZES = [3, 5, 8, 1, 4];
const GROUP_KEYS = [0, 3, 8, 16, 17];
const SEQ_LAST = 20;

let dir = '';
let env: JournalEnv;
let originals: Map<number, Buffer>;

beforeAll(() => {
  dir = makeTempDir('ordo-journal-tamper-');
  // durability 'none': tests only.
  env = openJournalEnv({ path: path.join(dir, 'journal'), durability: 'none', fingerprint: 'tamper-test', mapSizeBytes: 2 ** 30 });
  const writer = JournalWriter.open(env);
  for (const size of GROUP_SIZES) {
    const firstSeq = writer.seqStagedEnd();
    writer.append(makeCommands(firstSeq, size), firstSeq, size);
  }
  expect(writer.seqCommitted()).toBe(SEQ_LAST);
  originals = copyGroups(env, GROUP_KEYS);
});

afterAll(async () => {
  await env.close();
  removeDir(dir);
});

function putRaw(key: number, value: Uint8Array): void {
  env.store.tamper.putGroup(key, Buffer.from(value));
}

function restore(): void {
  restoreGroups(env, originals);
  expect(verifyJournal(env)).toMatchObject({ ok: true, commands: SEQ_LAST + 1 });
}

/** Verification and a full read both report the same problem. */
function expectDetected(kinds: readonly JournalCorruptKind[], seq: number): void {
  const verified = verifyJournal(env);
  expect(verified.ok).toBe(false);
  if (verified.ok) return;
  expect(kinds).toContain(verified.error.kind);
  expect(verified.error.seq).toBe(seq);
  expect(verified.error.message).toContain(`sequence ${seq}`);
  let thrown: unknown;
  try {
    for (const group of new JournalReader(env).groups()) expect(group.count).toBeGreaterThan(0);
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(JournalCorruptError);
  expect(thrown).toMatchObject({ kind: verified.error.kind, seq });
  let thrownBorrowed: unknown;
  try {
    for (const group of new JournalReader(env).groupsBorrowed()) expect(group.count).toBeGreaterThan(0);
  } catch (error) {
    thrownBorrowed = error;
  }
  expect(thrownBorrowed).toMatchObject({ kind: verified.error.kind, seq, message: verified.error.message });
}

function flipByte(value: Buffer, position: number, mask: number): void {
  value.writeUInt8(value.readUInt8(position) ^ mask, position);
}

function original(key: number): Buffer {
  const value = originals.get(key);
  if (value === undefined) throw new Error(`no group ${key}`);
  return Buffer.from(value);
}

describe('journal tamper evidence', () => {
  it('detects a flip of any bit of any byte of any group, naming the group', () => {
    const arbitrary = fc
      .nat({ max: GROUP_KEYS.length - 1 })
      .chain((index) => fc.tuple(fc.constant(index), fc.nat({ max: groupBytes(GROUP_SIZES[index] ?? 1) - 1 }), fc.integer({ min: 1, max: 255 })));
    // fast-check prints the seed and the shrunk case on failure, so a failure can be replayed.
    fc.assert(
      fc.property(arbitrary, ([index, position, mask]) => {
        const key = GROUP_KEYS[index] ?? 0;
        const value = original(key);
        flipByte(value, position, mask);
        putRaw(key, value);
        try {
          expectDetected(['checksum', 'format', 'truncated'], key);
        } finally {
          restore();
        }
      }),
      { numRuns: 150 },
    );
  });

  it('detects an edit whose CRC was recomputed (the hash chain catches it)', () => {
    const value = original(8);
    flipByte(value, groupCommandOffset(2) + 40, 0x01);
    value.writeUInt32LE(groupChecksum(value), GROUP_CHECKSUM_OFFSET);
    putRaw(8, value);
    expectDetected(['chain'], 8);
    restore();
  });

  it('detects an edit whose own hash and CRC were recomputed (the next group no longer links)', () => {
    const value = original(8);
    flipByte(value, groupCommandOffset(2) + 40, 0x01);
    groupHashOf(value).copy(value, GROUP_HASH_OFFSET);
    value.writeUInt32LE(groupChecksum(value), GROUP_CHECKSUM_OFFSET);
    putRaw(8, value);
    expectDetected(['chain'], 16);
    restore();
  });

  it('detects a deleted group in the middle, at its first sequence', () => {
    env.store.tamper.removeGroup(8);
    expectDetected(['gap'], 8);
    restore();
  });

  it('detects a deleted first group, at sequence 0', () => {
    env.store.tamper.removeGroup(0);
    expectDetected(['gap'], 0);
    restore();
  });

  it('detects two groups whose values were swapped', () => {
    const [a, b] = [original(3), original(8)];
    env.store.tamper.putGroup(3, b);
    env.store.tamper.putGroup(8, a);
    expectDetected(['chain'], 3);
    restore();
  });

  it('detects two groups reordered with their keys rewritten to match (the chain breaks)', () => {
    // Groups 16 (1 command) and 17 (4) swapped into 16..19 and 20, sequences and CRCs patched.
    // Only the hash chain can catch this: every per-group check passes.
    env.store.tamper.removeGroup(16);
    env.store.tamper.removeGroup(17);
    const four = original(17);
    const one = original(16);
    four.set(makeCommands(16, 4), groupCommandOffset(0));
    four.writeUInt32LE(16, 8);
    one.set(makeCommands(20, 1), groupCommandOffset(0));
    one.writeUInt32LE(20, 8);
    for (const value of [four, one]) {
      groupHashOf(value).copy(value, GROUP_HASH_OFFSET);
      value.writeUInt32LE(groupChecksum(value), GROUP_CHECKSUM_OFFSET);
    }
    putRaw(16, four);
    putRaw(20, one);
    expectDetected(['chain'], 16);
    restore();
  });

  it('detects a deleted tail group (truncation), at the first missing sequence', () => {
    env.store.tamper.removeGroup(17);
    expectDetected(['truncated'], 17);
    restore();
  });

  it('detects a value cut short, at its group', () => {
    putRaw(16, original(16).subarray(0, 100));
    expectDetected(['truncated'], 16);
    putRaw(3, original(3).subarray(0, 50));
    expectDetected(['truncated'], 3);
    restore();
  });

  it('detects a group whose prevGroupHash was replaced by another valid-looking hash', () => {
    const value = original(3);
    original(8).copy(value, GROUP_PREV_HASH_OFFSET, GROUP_PREV_HASH_OFFSET, GROUP_HASH_OFFSET);
    groupHashOf(value).copy(value, GROUP_HASH_OFFSET);
    value.writeUInt32LE(groupChecksum(value), GROUP_CHECKSUM_OFFSET);
    putRaw(3, value);
    expectDetected(['chain'], 3);
    restore();
  });
});
