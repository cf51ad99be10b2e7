import { assert } from '../engine/assert.js';
import { decodeCommand } from '../engine/command-codec.js';
import { COMMAND_SIZE, CommandType } from '../engine/command-layout.js';
import { captureState, stateHash } from '../engine/engine-state.js';
import type { EventSink } from '../engine/event-sink.js';
import { MatchingEngine } from '../engine/matching-engine.js';
import { ResultCode } from '../engine/result-code.js';
import type { EngineConfig } from '../engine/symbol-config.js';
import type { JournalEnv } from '../journal/journal-env.js';
import { JournalReader } from '../journal/journal-reader.js';
import { keyOf } from './crash-load.js';
import { NULL_SINK } from '../replay/recovery.js';

/** A broken promise of the crash test: an acknowledged command lost, a command applied twice, ... */
export class CrashCheckError extends Error {
  override readonly name = 'CrashCheckError';
}

export function check(condition: boolean, message: () => string): asserts condition {
  if (!condition) throw new CrashCheckError(message());
}

/** One journaled command as the parent's replay saw it. */
export interface CheckedCommand {
  readonly seq: number;
  readonly bytes: Uint8Array;
  /** ResultCode.OK when the core accepted it, else the rejection code. */
  readonly code: number;
}

/**
 * The parent's side of the crash test: an engine that starts empty and applies every journaled
 * command in order (a from-scratch replay, kept up to date between kills instead of restarted),
 * reading each new stretch of the journal through the verifying reader. It records what the
 * child's acknowledgements are compared with, and checks after every stretch that no
 * deduplicated id was accepted twice and that money adds up to the distinct deposits journaled.
 *
 *   journal (seqVerified, end] ──JournalReader (crc, chain, continuity)──▶ engine ──sink──▶ codes, accepted ids
 *
 * The group holding seqVerified is read again and its hash compared with the one seen last
 * time, so a rewritten prefix cannot hide behind the incremental read.
 */
export class JournalChecker {
  readonly engine: MatchingEngine;
  /** Last sequence applied; -1 before any. */
  seqVerified = -1;
  private lastGroupHash: Uint8Array | null = null;
  private readonly accepted = new Set<string>();
  /** Amount of each distinct deposit transfer id journaled, by asset. */
  private readonly depositById = new Map<number, { assetId: number; amount: number }>();
  private code = 0;

  constructor(readonly config: EngineConfig) {
    const sink: EventSink = {
      ...NULL_SINK,
      beginCommand: () => {
        this.code = -1;
      },
      accepted: (_a, _s, _o, _side, _p, _q, _sp, cmd, cmdOffset) => {
        this.code = ResultCode.OK;
        this.noteAccepted(cmd, cmdOffset);
      },
      rejected: (code) => {
        this.code = code;
      },
    };
    this.engine = new MatchingEngine(config, sink);
  }

  stateHash(): string {
    return stateHash(this.engine);
  }

  private noteAccepted(cmd: DataView, offset: number): void {
    const key = keyOf(decodeCommand(cmd, offset));
    if (key === '') return;
    check(!this.accepted.has(key), () => `${key} was accepted twice (the second time at sequence ${this.engine.lastSeq}): a command applied twice`);
    this.accepted.add(key);
  }

  /** Applies the journal after seqVerified up to its end; returns the new commands with their outcomes. */
  advance(env: JournalEnv): CheckedCommand[] {
    const out: CheckedCommand[] = [];
    const reader = new JournalReader(env);
    const from = Math.max(0, this.seqVerified);
    let first = true;
    for (const group of reader.groups(from)) {
      if (first && this.seqVerified >= 0) {
        check(this.lastGroupHash !== null && Buffer.compare(Buffer.from(group.groupHash), Buffer.from(this.lastGroupHash)) === 0, () => `the group holding sequence ${this.seqVerified} changed since the last check`);
      }
      first = false;
      const view = new DataView(group.commands.buffer, group.commands.byteOffset, group.commands.byteLength);
      for (let i = 0; i < group.count; i++) {
        const seq = group.firstSeq + i;
        if (seq <= this.seqVerified) continue;
        const offset = i * COMMAND_SIZE;
        this.noteDeposit(view, offset);
        this.engine.apply(view, offset);
        assert(this.code !== -1, `command ${seq} produced no result event`);
        out.push({ seq, bytes: group.commands.slice(offset, offset + COMMAND_SIZE), code: this.code });
        this.seqVerified = seq;
      }
      this.lastGroupHash = group.groupHash.slice();
    }
    check(this.engine.lastSeq === this.seqVerified, () => `engine at ${this.engine.lastSeq}, checker at ${this.seqVerified}`);
    return out;
  }

  private noteDeposit(view: DataView, offset: number): void {
    const c = decodeCommand(view, offset);
    if (c.type !== CommandType.DEPOSIT) return;
    const seen = this.depositById.get(c.targetId);
    if (seen === undefined) this.depositById.set(c.targetId, { assetId: c.symbolId, amount: c.qty });
    else check(seen.assetId === c.symbolId && seen.amount === c.qty, () => `transfer ${c.targetId} journaled with two different bodies`);
  }

  /**
   * Money: for each asset, the supply and the sum over accounts of available + reserved both
   * equal the sum over the distinct transfer ids journaled (counted from the commands, not from
   * the core's decisions), so a deposit applied twice or lost shows as a difference.
   */
  checkBalances(): void {
    const state = captureState(this.engine);
    const expected = new Array<number>(this.config.assets.length).fill(0);
    for (const { assetId, amount } of this.depositById.values()) expected[assetId - 1] = (expected[assetId - 1] as number) + amount;
    for (let i = 0; i < expected.length; i++) {
      const held = state.accounts.reduce((sum, a) => sum + (a.available[i] as number) + (a.reserved[i] as number), 0);
      check(state.supply[i] === expected[i], () => `asset ${i + 1}: supply ${state.supply[i]}, distinct deposits journaled ${expected[i]}`);
      check(held === expected[i], () => `asset ${i + 1}: accounts hold ${held}, distinct deposits journaled ${expected[i]}`);
    }
  }

  /** Whether `key` has been accepted so far (before the stretch being checked, if asked first). */
  wasAccepted(key: string): boolean {
    return this.accepted.has(key);
  }
}
