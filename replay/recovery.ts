import { fail } from '../engine/assert.js';
import { COMMAND_SIZE } from '../engine/command-layout.js';
import { restoreSnapshot, stateHash, takeSnapshot } from '../engine/engine-state.js';
import type { EventSink } from '../engine/event-sink.js';
import { MatchingEngine } from '../engine/matching-engine.js';
import type { EngineConfig } from '../engine/symbol-config.js';
import { configFingerprint } from '../journal/config-fingerprint.js';
import { openJournalEnv, readHead, type Durability, type JournalEnv } from '../journal/journal-env.js';
import { JournalReader } from '../journal/journal-reader.js';
import { SnapshotStore } from '../journal/snapshot-store.js';

/**
 * Recovery and replay are one code path (DESIGN §6): the newest snapshot at or below the target,
 * then the journal after it, verifying on the way every group's checksum, the hash chain,
 * sequence continuity, and the state hash of every snapshot passed. Start-up recovery, the
 * `replay` command, `verify` and `audit` all call `replayJournal`.
 *
 *   snapshot ≤ target ──restore──▶ engine ──apply journal (snapshot.seq, target]──▶ state hash
 *                                     └── at each later snapshot's seq: hash must match
 */
export interface ReplayOptions {
  env: JournalEnv;
  config: EngineConfig;
  /** Last sequence to apply (inclusive); default the journal's end. */
  toSeq?: number;
  /** Ignore snapshots (except to check them on the way): prove that they agree. */
  fromScratch?: boolean;
  /** Where the replayed events go (audit); default: discarded. */
  sink?: EventSink;
  /** Called before each command is applied (audit). */
  onCommand?: (seq: number, view: DataView, offset: number) => void;
}

export interface ReplayResult {
  engine: MatchingEngine;
  /** Last sequence applied; -1 for an empty journal. */
  lastSeq: number;
  stateHash: string;
  /** The journal's last sequence (may be past lastSeq when a target was given). */
  journalLastSeq: number;
  snapshotSeq: number | null;
  commandsApplied: number;
  snapshotsVerified: number;
}

/** A snapshot whose state hash the replay did not reproduce. */
export class SnapshotMismatchError extends Error {
  override readonly name = 'SnapshotMismatchError';
  constructor(
    readonly seq: number,
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`snapshot at sequence ${seq}: stored state hash ${expected}, replay reaches ${actual}`);
  }
}

export function replayJournal(options: ReplayOptions): ReplayResult {
  const { env, config } = options;
  const sink = options.sink ?? NULL_SINK;
  const head = readHead(env);
  const toSeq = Math.min(options.toSeq ?? head.lastSeq, head.lastSeq);
  const store = new SnapshotStore(env);
  const snapshots = store.list().filter((s) => s.seq <= toSeq);
  const start = options.fromScratch === true ? null : store.newestAtOrBelow(toSeq);
  const engine = start === null ? new MatchingEngine(config, sink) : restoreSnapshot(config, { seq: start.seq, hash: '0x' + start.stateHashHex, state: start.body }, sink);
  // Snapshots after the starting point are checked when the replay reaches their sequence.
  const pending = snapshots.filter((s) => s.seq > engine.lastSeq).sort((a, b) => a.seq - b.seq);
  let next = 0;
  let applied = 0;
  let verified = start === null ? 0 : 1;
  const reader = new JournalReader(env);
  for (const group of reader.groups(engine.lastSeq + 1, toSeq + 1)) {
    const view = new DataView(group.commands.buffer, group.commands.byteOffset, group.commands.byteLength);
    for (let i = 0; i < group.count; i++) {
      const offset = i * COMMAND_SIZE;
      const seq = group.firstSeq + i;
      options.onCommand?.(seq, view, offset);
      engine.apply(view, offset);
      applied++;
      const snap = pending[next];
      if (snap !== undefined && snap.seq === seq) {
        const actual = stateHash(engine).slice(2);
        if (actual !== snap.stateHashHex) throw new SnapshotMismatchError(seq, snap.stateHashHex, actual);
        verified++;
        next++;
      }
    }
  }
  if (engine.lastSeq !== toSeq) fail(`replay stopped at ${engine.lastSeq}, the target is ${toSeq}`);
  return {
    engine,
    lastSeq: engine.lastSeq,
    stateHash: stateHash(engine),
    journalLastSeq: head.lastSeq,
    snapshotSeq: start === null ? null : start.seq,
    commandsApplied: applied,
    snapshotsVerified: verified,
  };
}

export interface OpenOptions {
  path: string;
  config: EngineConfig;
  durability: Durability;
}

/** Opens the journal of a data directory under a configuration (creating it when absent). */
export function openJournal(options: OpenOptions): JournalEnv {
  return openJournalEnv({ path: options.path, durability: options.durability, fingerprint: configFingerprint(options.config) });
}

/** Writes a snapshot of `engine` into the store and prunes old ones. */
export function saveSnapshot(env: JournalEnv, engine: MatchingEngine, retain: number): string {
  if (engine.lastSeq < 0) fail('no snapshot of an engine that has applied nothing');
  const snapshot = takeSnapshot(engine);
  const store = new SnapshotStore(env, retain);
  store.put({ seq: snapshot.seq, stateHashHex: snapshot.hash.slice(2), body: snapshot.state });
  store.prune(retain);
  return snapshot.hash;
}

/** An EventSink that discards everything (recovery rebuilds state; events were delivered live). */
export const NULL_SINK: EventSink = {
  beginCommand() {},
  endCommand() {},
  accepted() {},
  rejected() {},
  trade() {},
  cancelled() {},
  amended() {},
  stopTriggered() {},
  balance() {},
  bookLevel() {},
};
