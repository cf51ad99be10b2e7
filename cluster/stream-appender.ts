// The leader's half of the replicated journal (design §11): a consumer of the input ring between
// the journal and the core, on the main thread. What the local journal has committed it appends
// to the stream, and it releases a command to the core only once the stream has acknowledged it,
// so every event, and every acknowledgement a client gets, is of a command that is durable on
// this node's disk AND held by a quorum of the stream's replicas.
//
//   input ring: producers ──▶ [0 journal worker: LMDB commit] ──▶ [1 this: stream append] ──▶ [2 core]
//
//   positions below leadFrom (commands the node followed from the stream): released at once
//   positions from leadFrom: copied out in messages of ≤ STREAM_COMMANDS_MAX, published in order,
//     each with expect.lastSequence = the previous message's stream sequence (fencing: after any
//     other node's append it fails with "wrong last sequence") and a message id (a retry of a
//     message that did land is answered "duplicate", never stored twice); released in order as
//     acknowledgements come back, up to IN_FLIGHT_MAX messages outstanding.
//
// Failures: "wrong last sequence" on the oldest unacknowledged message means another node has
// appended: this node is deposed (onFenced), and nothing it has not had acknowledged is ever
// released. Any other failure (a timeout, NATS electing a new stream leader) resends every
// unacknowledged message, in order, with the same ids and expectations.

import { JetStreamApiError, type JetStreamClient, type PubAck } from '@nats-io/jetstream';
import { COMMAND_SIZE } from '../engine/command-layout.js';
import { PARK_TIMEOUT_MS, type RingBuffer, SequenceBarrier, type Sequence } from '../ring/index.js';
import { JOURNAL_SUBJECT, STREAM_COMMANDS_MAX, recordHeaders, recordMsgId, type StreamRecordHeader } from './stream-record.js';
import { setTimeout as sleep } from 'node:timers/promises';

export const IN_FLIGHT_MAX = 32;
const RETRY_DELAY_MS = 50;
const WRONG_LAST_SEQUENCE = 10071;
const IDLE_TURNS = 4;

interface InFlight {
  readonly record: StreamRecordHeader;
  readonly payload: Uint8Array;
  readonly expectLast: number;
  /** The last ring position the message carries. */
  readonly positionHi: number;
  ack: Promise<PubAck>;
}

export interface AppenderLead {
  /** The first ring position this node appends (earlier ones came from the stream). */
  readonly leadFromPosition: number;
  readonly term: number;
  /** The stream's last sequence when this node took over (its leadership record). */
  readonly streamLastSeq: number;
}

export class StreamAppender {
  private readonly sequence: Sequence;
  private readonly barrier: SequenceBarrier;
  private lead: AppenderLead | null = null;
  private streamLastSeq = 0;
  private readonly inFlight: InFlight[] = [];
  private positionSent: number;
  private stopped = false;
  private fenced = false;
  private running: Promise<void> | null = null;
  /** Commands and messages appended and acknowledged (for /metrics and the tests). */
  appendedCommands = 0;
  appendedMessages = 0;

  constructor(
    private readonly js: JetStreamClient,
    private readonly ring: RingBuffer,
    consumerIndex: number,
    private readonly seqBase: number,
    private readonly onFenced: (reason: string) => void,
  ) {
    this.sequence = ring.consumerSequence(consumerIndex);
    this.barrier = new SequenceBarrier(ring, [consumerIndex - 1], { kind: 'blocking' });
    this.positionSent = this.sequence.get();
  }

  /** From `lead.leadFromPosition` on, what is committed is appended under `lead.term`. */
  startLeading(lead: AppenderLead): void {
    if (this.lead !== null) throw new Error('the appender leads already');
    if (lead.leadFromPosition <= this.sequence.get()) throw new Error(`lead from position ${lead.leadFromPosition}: ${this.sequence.get()} is released already`);
    this.streamLastSeq = lead.streamLastSeq;
    this.lead = lead;
  }

  get isFenced(): boolean {
    return this.fenced;
  }

  /** Consumes until the ring is closed and drained (or the node is fenced). */
  run(): Promise<void> {
    this.running ??= this.loop();
    return this.running;
  }

  private async loop(): Promise<void> {
    let idle = 0;
    // Bounded by the ring's life: ends once it is closed and drained, or on fencing.
    while (!this.stopped) {
      const progressed = this.sendAvailable() + (await this.settleOldest());
      if (this.fenced) return;
      if (progressed > 0) {
        idle = 0;
        continue;
      }
      if (this.inFlight.length === 0 && this.barrier.isEnd(this.positionSent + 1)) return;
      if (this.inFlight.length > 0) continue; // settleOldest awaited an acknowledgement
      if (idle++ < IDLE_TURNS) await new Promise((resolve) => setImmediate(resolve));
      else await this.park();
    }
  }

  /** Copies out and publishes what the journal has committed, within the bounds; how many positions it took. */
  private sendAvailable(): number {
    let taken = 0;
    while (this.inFlight.length < IN_FLIGHT_MAX) {
      const next = this.positionSent + 1;
      const available = this.barrier.available(next, next + STREAM_COMMANDS_MAX - 1);
      if (available < next) break;
      const leadFrom = this.lead?.leadFromPosition ?? Number.POSITIVE_INFINITY;
      if (next < leadFrom) {
        // Followed from the stream: released without an append, up to where leading starts.
        const hi = Math.min(available, leadFrom - 1);
        if (this.inFlight.length > 0) throw new Error('followed commands behind appended ones');
        this.positionSent = hi;
        this.sequence.set(hi);
        taken += hi - next + 1;
        continue;
      }
      const lead = this.lead as AppenderLead;
      const count = available - next + 1;
      const payload = new Uint8Array(count * COMMAND_SIZE);
      for (let k = 0; k < count; k++) {
        const offset = this.ring.slotOffset(next + k);
        payload.set(this.ring.bytes.subarray(offset, offset + COMMAND_SIZE), k * COMMAND_SIZE);
      }
      const record: StreamRecordHeader = { kind: 'commands', term: lead.term, firstSeq: this.seqBase + next, count };
      const expectLast = this.streamLastSeq + this.inFlight.length;
      const entry: InFlight = { record, payload, expectLast, positionHi: available, ack: this.publish(record, payload, expectLast) };
      this.inFlight.push(entry);
      this.positionSent = available;
      taken += count;
    }
    return taken;
  }

  private publish(record: StreamRecordHeader, payload: Uint8Array, expectLast: number): Promise<PubAck> {
    const ack = this.js.publish(JOURNAL_SUBJECT, payload, { msgID: recordMsgId(record), expect: { lastSequence: expectLast }, headers: recordHeaders(record) });
    ack.catch(() => undefined); // judged in order by settleOldest
    return ack;
  }

  /** Waits for the oldest message's acknowledgement and releases it; 0 when nothing is in flight. */
  private async settleOldest(): Promise<number> {
    const oldest = this.inFlight[0];
    if (oldest === undefined) return 0;
    try {
      const ack = await oldest.ack;
      if (ack.seq !== oldest.expectLast + 1) throw new Error(`stream stored message ${recordMsgId(oldest.record)} at ${ack.seq}, expected ${oldest.expectLast + 1}`);
      this.inFlight.shift();
      this.streamLastSeq = ack.seq;
      this.appendedCommands += oldest.record.count;
      this.appendedMessages++;
      // Release: the core may apply these now; they are on disk here and in the stream's quorum.
      this.sequence.set(oldest.positionHi);
      return oldest.record.count;
    } catch (e) {
      if (e instanceof JetStreamApiError && e.code === WRONG_LAST_SEQUENCE) {
        // Everything before this message was acknowledged, so its expectation was exact: another
        // node appended. Deposed: nothing more is released.
        this.fenced = true;
        this.onFenced(`stream append fenced: ${e.message} (expected ${oldest.expectLast}, term ${oldest.record.term})`);
        return 0;
      }
      await sleep(RETRY_DELAY_MS);
      if (this.stopped) return 0;
      // Resend all that is unacknowledged, in order: what did land is answered as a duplicate.
      for (const entry of this.inFlight) entry.ack = this.publish(entry.record, entry.payload, entry.expectLast);
      return 0;
    }
  }

  private async park(): Promise<void> {
    const next = this.positionSent + 1;
    this.barrier.available(next, next);
    const channel = this.barrier.limitingSequence();
    const signalSeen = channel.parkBegin();
    try {
      if (this.barrier.isReadyFor(next)) return;
      const woken = channel.parkWaitAsync(signalSeen, PARK_TIMEOUT_MS);
      if (woken !== undefined) await woken;
    } finally {
      channel.parkEnd();
    }
  }

  /** Stops the loop without releasing anything more (the process is leaving). */
  abandon(): void {
    this.stopped = true;
  }
}
