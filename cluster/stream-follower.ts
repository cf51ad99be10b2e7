// The standby's half of the replicated journal (design §11): an ordered consumer of the stream
// that hands each message, in stream order, to a sink: at start-up the local journal directly
// (catch-up before recovery), then the node's own input ring, where the node's journal worker
// commits the commands and its core applies them, exactly as a leader's do, so the standby has its
// own engine, local journal, read model and market data at every moment.
//
// Commands arrive with their sequences; a message wholly at or below what the node already has is
// skipped (the node resumes inside the message that holds its last command), a gap is corruption.

import type { JetStreamClient } from '@nats-io/jetstream';
import { type StreamRecordHeader, JOURNAL_STREAM, readRecordHeader } from './stream-record.js';
import { COMMAND_SIZE } from '../engine/command-layout.js';
import { untilSetUp } from './nats-journal.js';
import { setTimeout as sleep } from 'node:timers/promises';

/** Receives the commands firstSeq .. firstSeq + count - 1 (the payload's slice); resolves once they are taken. */
export type FollowerSink = (commands: Uint8Array, firstSeq: number, count: number) => void | Promise<void>;

const DRAIN_POLL_MS = 5;

export class StreamFollower {
  /** The next command sequence the node needs. */
  seqNext: number;
  /** The last stream sequence handled (0: none). */
  streamSeqHandled: number;
  /** The last leadership record seen. */
  lastLeader: StreamRecordHeader | null = null;
  private stopRequested = false;
  private messages: { stop(): Promise<void> | void; close?(): Promise<void | Error> } | null = null;
  private done: Promise<void> | null = null;
  private failure: Error | null = null;

  constructor(
    private readonly js: JetStreamClient,
    seqNext: number,
    startStreamSeq: number,
    public sink: FollowerSink,
  ) {
    this.seqNext = seqNext;
    this.streamSeqHandled = startStreamSeq - 1;
  }

  /** Starts consuming at the stream sequence after the last handled. */
  async start(): Promise<void> {
    if (this.done !== null) throw new Error('follower started twice');
    // A node may start while the NATS cluster heals (a server lost): creating the consumer then
    // times out for a while, which is waited out, bounded, as the stream's own set-up is.
    const messages = await untilSetUp('the journal stream consumer', async () => {
      const consumer = await this.js.consumers.get(JOURNAL_STREAM, { opt_start_seq: this.streamSeqHandled + 1 });
      // Heartbeats every second: a consumer whose server died (a NATS node lost) is noticed after
      // two missed ones and recreated where the stream now lives, instead of after the default
      // 30 s, which a takeover's drain would wait out.
      return consumer.consume({ max_messages: 64, expires: 2_000, idle_heartbeat: 1_000 });
    });
    this.messages = messages;
    this.done = (async () => {
      try {
        for await (const m of messages) {
          if (this.stopRequested) break;
          await this.handle(m.seq, m.headers, m.data);
        }
      } catch (e) {
        this.failure = e instanceof Error ? e : new Error(String(e));
      }
    })();
  }

  private async handle(streamSeq: number, h: Parameters<typeof readRecordHeader>[0], data: Uint8Array): Promise<void> {
    if (streamSeq !== this.streamSeqHandled + 1) throw new Error(`journal stream: message ${streamSeq} after ${this.streamSeqHandled}`);
    const record = readRecordHeader(h, data.byteLength, streamSeq);
    if (record.kind === 'leader') {
      if (record.firstSeq !== this.seqNext) throw new Error(`journal stream message ${streamSeq}: leader of term ${record.term} starts at ${record.firstSeq}, the journal is at ${this.seqNext}`);
      this.lastLeader = record;
    } else {
      const end = record.firstSeq + record.count;
      if (record.firstSeq > this.seqNext) throw new Error(`journal stream message ${streamSeq}: commands from ${record.firstSeq}, the journal is at ${this.seqNext} (a gap)`);
      if (end > this.seqNext) {
        const skip = this.seqNext - record.firstSeq;
        await this.sink(data.subarray(skip * COMMAND_SIZE), this.seqNext, end - this.seqNext);
        this.seqNext = end;
      }
    }
    this.streamSeqHandled = streamSeq;
  }

  /**
   * Resolves once every message up to `streamSeq` is handled; rejects if the follower failed, or
   * made no progress for `stallMs` (a long catch-up is fine as long as it moves).
   */
  async drainTo(streamSeq: number, stallMs: number): Promise<void> {
    let seen = this.streamSeqHandled;
    let deadline = performance.now() + stallMs;
    while (this.streamSeqHandled < streamSeq) {
      if (this.failure !== null) throw this.failure;
      if (this.streamSeqHandled !== seen) {
        seen = this.streamSeqHandled;
        deadline = performance.now() + stallMs;
      }
      if (performance.now() > deadline) throw new Error(`journal stream: stuck at message ${this.streamSeqHandled} of ${streamSeq} for ${stallMs} ms`);
      await sleep(DRAIN_POLL_MS);
    }
  }

  /** Why the follower stopped on its own, or null. */
  get error(): Error | null {
    return this.failure;
  }

  async stop(): Promise<void> {
    this.stopRequested = true;
    await this.messages?.stop();
    await this.done;
  }
}
