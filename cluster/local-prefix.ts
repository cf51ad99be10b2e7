// The rule that keeps a node's local journal honest in cluster mode (design §11): it is always a
// prefix of the stream. A node that was leader may have committed locally a tail the stream never
// took (its appends were fenced, or it died between the local commit and the stream's ack); that
// tail was never acknowledged to anyone. Before the node opens its journal it finds where its last
// command stands in the stream:
//
//   local empty                          follow from stream message 1
//   stream holds the last local command  follow from the message that holds it
//     with the same bytes
//   otherwise (the stream ends before    set the local journal aside (moved, for audit, to
//     it, or holds other bytes there)    DIR/set-aside-<time>/) and follow from message 1
//
// Every message carries the command sequence after it (stream-record.ts), which grows with the
// stream sequence: a binary search finds the message holding a command in log2(messages) reads.

import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import type { JetStreamManager } from '@nats-io/jetstream';
import type { EngineConfig } from '../engine/symbol-config.js';
import { JournalReader } from '../journal/journal-reader.js';
import { readHead } from '../journal/journal-env.js';
import { openJournal } from '../replay/recovery.js';
import type { Durability } from '../runtime/engine-host.js';
import { COMMAND_SIZE } from '../engine/command-layout.js';
import { JOURNAL_STREAM, readRecordHeader } from './stream-record.js';

const LMDB_FILES = ['data.mdb', 'lock.mdb'];
const COMPARE_COMMANDS_MAX = 64;

export interface LocalPrefix {
  /** The stream sequence to follow from. */
  readonly startStreamSeq: number;
  /** Where a local tail was set aside, or null. */
  readonly setAsideDir: string | null;
}

/** The smallest stream sequence whose message holds command `seq` or later ones, or null when the stream ends before it. */
export async function streamSeqHolding(jsm: JetStreamManager, seq: number): Promise<number | null> {
  const info = await jsm.streams.info(JOURNAL_STREAM);
  let lo = info.state.first_seq;
  let hi = info.state.last_seq;
  if (info.state.messages === 0) return null;
  const seqNextAt = async (streamSeq: number): Promise<number> => {
    const m = await jsm.streams.getMessage(JOURNAL_STREAM, { seq: streamSeq });
    if (m === null) throw new Error(`journal stream: message ${streamSeq} is missing`);
    const r = readRecordHeader(m.header, m.data.byteLength, streamSeq);
    return r.firstSeq + r.count;
  };
  if ((await seqNextAt(hi)) <= seq) return null;
  // Invariant: seqNextAt(hi) > seq. Bounded: the range halves every step.
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if ((await seqNextAt(mid)) > seq) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Checks the local journal of `dataDir` against the stream, setting it aside when it is not a prefix. */
export async function ensureLocalPrefix(jsm: JetStreamManager, dataDir: string, config: EngineConfig, durability: Durability, now: () => Date = () => new Date()): Promise<LocalPrefix> {
  if (!existsSync(join(dataDir, 'data.mdb'))) return { startStreamSeq: 1, setAsideDir: null };
  const env = openJournal({ path: dataDir, config, durability });
  let verdict: { ok: true; streamSeq: number } | { ok: false; why: string };
  try {
    const lastSeq = readHead(env).lastSeq;
    if (lastSeq < 0) return { startStreamSeq: 1, setAsideDir: null };
    verdict = await compareTail(jsm, new JournalReader(env), lastSeq);
  } finally {
    await env.close();
  }
  if (verdict.ok) return { startStreamSeq: verdict.streamSeq, setAsideDir: null };
  const aside = join(dataDir, `set-aside-${now().toISOString().replace(/[:.]/g, '-')}`);
  mkdirSync(aside, { recursive: true });
  for (const file of LMDB_FILES) if (existsSync(join(dataDir, file))) renameSync(join(dataDir, file), join(aside, file));
  process.stderr.write(`ordo: the local journal is not a prefix of the stream (${verdict.why}); set aside in ${aside}, following the stream from its start\n`);
  return { startStreamSeq: 1, setAsideDir: aside };
}

async function compareTail(jsm: JetStreamManager, reader: JournalReader, lastSeq: number): Promise<{ ok: true; streamSeq: number } | { ok: false; why: string }> {
  const streamSeq = await streamSeqHolding(jsm, lastSeq);
  if (streamSeq === null) return { ok: false, why: `the stream ends before command ${lastSeq}` };
  const m = await jsm.streams.getMessage(JOURNAL_STREAM, { seq: streamSeq });
  if (m === null) return { ok: false, why: `stream message ${streamSeq} is missing` };
  const r = readRecordHeader(m.header, m.data.byteLength, streamSeq);
  if (r.kind !== 'commands' || r.firstSeq > lastSeq) return { ok: false, why: `stream message ${streamSeq} does not hold command ${lastSeq}` };
  // The commands of the message up to the local end (the last COMPARE_COMMANDS_MAX) must be the
  // same bytes: an unacknowledged tail is the node's own, so it differs at its very last command.
  for (let seq = Math.max(r.firstSeq, lastSeq - COMPARE_COMMANDS_MAX + 1); seq <= lastSeq; seq++) {
    const local = reader.readCommand(seq);
    const offset = (seq - r.firstSeq) * COMMAND_SIZE;
    if (local === null || !Buffer.from(local).equals(m.data.subarray(offset, offset + COMMAND_SIZE))) return { ok: false, why: `command ${seq} differs from the stream's` };
  }
  return { ok: true, streamSeq };
}
