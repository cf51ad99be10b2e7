// Producer worker of the pipeline benchmarks (pipeline-throughput.ts, pipeline-latency.ts): it
// attaches the pipeline's multi-producer input ring and publishes laps of the compiled standard
// order flow, either as fast as the ring accepts (throughput) or along an open-loop schedule
// (latency). Jobs arrive by postMessage between laps; nothing but the ring is used during one.
//
//   main ──job──▶ producer ──input ring──▶ core worker ──output ring──▶ main (event tally)
//                    │ intended send time per position (SharedArrayBuffer) ─────────▲
//
// A lap is the flow's commands 1..count (command 0, the account creation, is published once by
// the main thread) on a symbol of its own, so every lap starts on an empty book while the core
// stays warm. The flow's order ids are its sequences, so a cancel's target is moved by the lap's
// first position; its own sequence is the ring position (Pipeline: seqBase 0).
import { hrtime } from 'node:process';
import { parentPort, workerData } from 'node:worker_threads';
import { assert } from '../engine/assert.js';
import { CMD_SEQ, CMD_SYMBOL_ID, CMD_TARGET_ID, CMD_TYPE, COMMAND_SIZE, CommandType } from '../engine/command-layout.js';
import { readI64, writeI64 } from '../engine/int64.js';
import { MultiProducerSequencer, RingBuffer, type RingDescriptor, type WaitStrategy } from '../ring/index.js';
import { OpenLoopSchedule } from '../loadgen/open-loop.js';

export interface PipelineProducerData {
  kind: 'ordo-pipeline-producer';
  input: RingDescriptor;
  /** The compiled flow: (records + 1) commands of COMMAND_SIZE bytes, command 0 first. */
  flow: SharedArrayBuffer;
  records: number;
  /** Intended send time of position p at index p & (length − 1), ns since `epochNs`. */
  intendedNs: SharedArrayBuffer;
  /** process.hrtime.bigint() of the main thread's epoch: one monotonic clock for all threads. */
  epochNs: bigint;
  /** How next() waits while the input ring is full. */
  wait: WaitStrategy;
}

export interface ProducerJob {
  type: 'throughput' | 'open-loop';
  symbolId: number;
  /** Flow commands 1..count are published. */
  count: number;
  /** The ring position the lap's first command must get (the producer is the only one). */
  positionFirst: number;
  /** Commands claimed (and published) together at most. */
  claimMax: number;
  /** open-loop: offered rate, commands/s. */
  ratePerSecond: number;
  /**
   * open-loop: while the next command is due within this many ns, spin on the clock; further
   * away, sleep (Atomics.wait) until it is this close. Very large = always spin.
   */
  spinNs: number;
}

export interface ProducerReport {
  type: 'done';
  /** ns since the epoch: before the first claim (throughput) / the schedule's start (open loop). */
  startNs: number;
  /** ns since the epoch after the last publish. */
  endNs: number;
  sent: number;
  /** How late (ns after its intended time) the latest command went out; 0 for throughput. */
  sendLagNsMax: number;
  /** Claims that found the ring full and waited. */
  fullWaits: number;
}

/** A lap past the schedule's end by this much is a hang (the core stopped), not slowness. */
const OVERRUN_NS_MAX = 60_000_000_000;
const WORDS_PER_COMMAND = COMMAND_SIZE >>> 2;

export function nowSinceNs(epochNs: bigint): number {
  return Number(hrtime.bigint() - epochNs);
}

class LapWriter {
  private readonly input: RingBuffer;
  private readonly sequencer: MultiProducerSequencer;
  private readonly flowI32: Int32Array;
  private readonly records: number;
  private readonly intended: Float64Array;
  private readonly intendedMask: number;
  fullWaits = 0;

  constructor(readonly data: PipelineProducerData) {
    this.input = RingBuffer.attach(data.input);
    this.sequencer = new MultiProducerSequencer(this.input, data.wait);
    this.flowI32 = new Int32Array(data.flow);
    this.records = data.records;
    assert(this.flowI32.length === (data.records + 1) * WORDS_PER_COMMAND, 'flow buffer holds records + 1 commands');
    this.intended = new Float64Array(data.intendedNs);
    this.intendedMask = this.intended.length - 1;
    assert((this.intended.length & this.intendedMask) === 0, 'intended-time buffer length is a power of two');
  }

  /**
   * Claims n positions (waiting while the ring is full), writes flow commands
   * [flowFirst, flowFirst + n) into them for the lap, stamps `intendedAt(k)` for the k-th, and
   * publishes. Returns the first position.
   */
  write(job: ProducerJob, flowFirst: number, n: number, intendedAt: (k: number) => number): number {
    let seqHi = this.sequencer.tryNext(n);
    if (seqHi < 0) {
      this.fullWaits++;
      seqHi = this.sequencer.next(n);
    }
    const seqLo = seqHi - n + 1;
    // The producer is the ring's only producer during a lap, so positions follow the flow.
    assert(seqLo === job.positionFirst + flowFirst - 1, `lap command ${flowFirst} got position ${seqLo}`);
    const ring = this.input;
    const view = ring.view;
    const ringI32 = ring.i32;
    const flowI32 = this.flowI32;
    const targetShift = job.positionFirst - 1;
    for (let k = 0; k < n; k++) {
      const position = seqLo + k;
      const slot = ring.slotOffset(position);
      // A word loop rather than set(subarray(...)): no view allocated per command.
      const from = (flowFirst + k) * WORDS_PER_COMMAND;
      const to = slot >>> 2;
      for (let w = 0; w < WORDS_PER_COMMAND; w++) ringI32[to + w] = flowI32[from + w] as number;
      writeI64(view, slot + CMD_SEQ, position);
      view.setUint32(slot + CMD_SYMBOL_ID, job.symbolId, true);
      if (view.getUint8(slot + CMD_TYPE) === CommandType.CANCEL_ORDER) {
        const target = readI64(view, slot + CMD_TARGET_ID);
        // Targets beyond the flow are ids that never existed (a cancel of an unknown order): kept.
        if (target >= 1 && target <= this.records) writeI64(view, slot + CMD_TARGET_ID, target + targetShift);
      }
      this.intended[position & this.intendedMask] = intendedAt(k);
    }
    // Release: the slots and the intended times above happen-before any read of these positions.
    this.sequencer.publish(seqLo, seqHi);
    return seqLo;
  }

  throughput(job: ProducerJob): ProducerReport {
    const epochNs = this.data.epochNs;
    const startNs = nowSinceNs(epochNs);
    // Bounded: every turn publishes at least one command.
    for (let sent = 0; sent < job.count; ) {
      const n = Math.min(job.claimMax, job.count - sent);
      this.write(job, sent + 1, n, () => startNs);
      sent += n;
    }
    return { type: 'done', startNs, endNs: nowSinceNs(epochNs), sent: job.count, sendLagNsMax: 0, fullWaits: this.fullWaits };
  }

  /**
   * Open loop (open-loop.ts rules): command i is due at start + intendedNs(i); whatever is due
   * goes out at once in order, a late producer never moves the schedule, and the intended time
   * (not the send time) is what the consumer measures from.
   */
  openLoop(job: ProducerJob, idle: Int32Array): ProducerReport {
    const schedule = new OpenLoopSchedule({ ratePerSecond: job.ratePerSecond, count: job.count });
    const epochNs = this.data.epochNs;
    const startBig = hrtime.bigint();
    const startNs = Number(startBig - epochNs);
    const deadlineNs = schedule.durationNs + OVERRUN_NS_MAX;
    let sent = 0;
    let sendLagNsMax = 0;
    const intendedAt = (k: number): number => startNs + schedule.intendedNs(sent + k);
    // Bounded by the deadline: every turn reads the clock and gives up past it.
    while (sent < job.count) {
      const elapsedNs = Number(hrtime.bigint() - startBig);
      if (elapsedNs > deadlineNs) throw new Error(`open-loop lap overran its schedule by ${OVERRUN_NS_MAX} ns`);
      const due = schedule.dueCount(elapsedNs);
      if (due > sent) {
        sendLagNsMax = Math.max(sendLagNsMax, elapsedNs - schedule.intendedNs(sent));
        const n = Math.min(job.claimMax, due - sent);
        this.write(job, sent + 1, n, intendedAt);
        sent += n;
        continue;
      }
      const sleepNs = schedule.intendedNs(sent) - elapsedNs - job.spinNs;
      // Far from the next command: give the core back to the other two threads. A futex sleep
      // overshoots (timer slack, ~50 µs); whatever falls due meanwhile goes out as one burst.
      if (sleepNs > 0) Atomics.wait(idle, 0, 0, sleepNs / 1e6);
    }
    return { type: 'done', startNs, endNs: nowSinceNs(epochNs), sent, sendLagNsMax, fullWaits: this.fullWaits };
  }
}

function main(data: PipelineProducerData): void {
  const port = parentPort;
  if (port === null) throw new Error('pipeline producer runs as a worker');
  const writer = new LapWriter(data);
  // Nobody notifies this word: Atomics.wait on it is a sleep with a timeout.
  const idle = new Int32Array(new SharedArrayBuffer(4));
  port.on('message', (job: ProducerJob | 'exit') => {
    if (job === 'exit') {
      port.close();
      return;
    }
    writer.fullWaits = 0;
    port.postMessage(job.type === 'throughput' ? writer.throughput(job) : writer.openLoop(job, idle));
  });
  port.postMessage('ready');
}

if (parentPort !== null && (workerData as { kind?: string } | null)?.kind === 'ordo-pipeline-producer') {
  main(workerData as PipelineProducerData);
}
