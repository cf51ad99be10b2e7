/**
 * The matching core's thread. It reads commands from the input ring, gated on the consumers it
 * depends on (the journal consumer once commands must be durable first, else the producers),
 * applies each with the core, and writes the events to the output ring. It has no other channel
 * on the hot path: postMessage carries only the start-up handshake and the final report.
 *
 *   input ring ──(barrier: gateOn)──▶ MatchingEngine.apply ──▶ BinaryEventWriter ──▶ output ring
 *
 * When the input ring is closed and drained, the core publishes its last events, closes the
 * output ring, reports its last sequence and state hash, and exits.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { fail } from '../engine/assert.js';
import { CMD_SEQ } from '../engine/command-layout.js';
import { decodeSnapshot, restoreSnapshot, stateHash } from '../engine/engine-state.js';
import { BinaryEventWriter } from '../engine/event-codec.js';
import { readI64 } from '../engine/int64.js';
import { MatchingEngine } from '../engine/matching-engine.js';
import { BatchConsumer, RingBuffer, SequenceBarrier, SingleProducerSequencer, type RingDescriptor, type WaitStrategy } from '../ring/index.js';
import { RingEventOutput } from './ring-event-output.js';
import type { EngineConfig } from '../engine/symbol-config.js';

export interface CoreWorkerData {
  kind: 'ordo-core';
  input: RingDescriptor;
  output: RingDescriptor;
  /** This consumer's index on the input ring. */
  coreConsumer: number;
  /** Input-ring consumers the core waits for; [] gates on the producers' cursor. */
  gateOn: number[];
  config: EngineConfig;
  /** Command sequence carried by input-ring sequence 0 (the journal's next sequence). */
  seqBase: number;
  /** Encoded snapshot (engine-state.ts) to start from, or null for an empty engine. */
  snapshot: Uint8Array | null;
  /** How the core's output sequencer waits while the output ring is full. */
  wait: WaitStrategy;
  /** How the core waits for input: for the producers' cursor, or for seqJournaled (pipeline.ts). */
  gateWait: WaitStrategy;
  batchMax: number;
}

export interface CoreWorkerReport {
  type: 'stopped';
  lastSeq: number;
  stateHash: string;
  commands: number;
  eventsPublished: number;
}

/**
 * Within one input batch, the core publishes its events once this many are waiting (at a
 * command's end), and always at the batch's end, before it waits for more input. A quiet
 * command is therefore published at once (its batch is itself), and a burst pays one cursor
 * store and wake check per group of commands instead of per command, delaying a command's
 * events by at most the ~20 commands that make 64 events.
 */
export const EVENTS_PUBLISH_MIN = 64;

function main(data: CoreWorkerData): CoreWorkerReport {
  const input = RingBuffer.attach(data.input);
  const output = RingBuffer.attach(data.output);
  const events = new RingEventOutput(output, new SingleProducerSequencer(output, data.wait), EVENTS_PUBLISH_MIN);
  const writer = new BinaryEventWriter(events);
  const engine = data.snapshot === null ? new MatchingEngine(data.config, writer) : restoreSnapshot(data.config, decodeSnapshot(data.snapshot), writer);
  if (engine.lastSeq !== data.seqBase - 1) fail(`core starts after ${engine.lastSeq}, the ring carries ${data.seqBase} first`);
  const consumer = new BatchConsumer(input, data.coreConsumer, new SequenceBarrier(input, data.gateOn, data.gateWait));
  const seqBase = data.seqBase;
  parentPort?.postMessage({ type: 'ready' });
  const commands = consumer.run((view, offset, sequence, endOfBatch) => {
    // The slot's own sequence must be the ring position it was published at: anything else
    // means a producer wrote the wrong slot, and applying it would corrupt the state.
    if (readI64(view, offset + CMD_SEQ) !== seqBase + sequence) fail(`input slot ${sequence} carries command ${readI64(view, offset + CMD_SEQ)}, expected ${seqBase + sequence}`);
    engine.apply(view, offset);
    if (endOfBatch) events.flush();
  }, data.batchMax);
  events.flush();
  output.close();
  return { type: 'stopped', lastSeq: engine.lastSeq, stateHash: stateHash(engine), commands, eventsPublished: events.published + 1 };
}

if (parentPort !== null && workerData !== null && (workerData as { kind?: string }).kind === 'ordo-core') {
  const report = main(workerData as CoreWorkerData);
  parentPort.postMessage(report);
}
