import fc from 'fast-check';
import { expect } from 'vitest';
import { CMD_TIMESTAMP_US, COMMAND_SIZE } from '../engine/command-layout.js';
import { stateHash } from '../engine/engine-state.js';
import { EVENT_SIZE } from '../engine/event-layout.js';
import { InProcessEngine } from '../engine/in-process-engine.js';
import { readI64 } from '../engine/int64.js';
import { CLAIM_CLOSED, CLAIM_FULL, type Pipeline } from '../runtime/pipeline.js';
import type { EngineConfig } from '../engine/symbol-config.js';
import { CommandScript, engineView, propertyTestConfig, stepsArb } from './random-commands.js';

/** Commands, the events they cause in-process, and the final state hash. */
export interface Expected {
  commands: Uint8Array;
  events: Uint8Array;
  hash: string;
}

function concat(chunks: readonly Uint8Array[]): Uint8Array {
  const all = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.byteLength;
  }
  return all;
}

/** Applies command records in-process, recording their bytes, all events and the final hash. */
export function applyInProcess(config: EngineConfig, commands: Uint8Array): Expected {
  const engine = new InProcessEngine(config);
  const view = new DataView(commands.buffer, commands.byteOffset, commands.byteLength);
  const events: Uint8Array[] = [];
  for (let o = 0; o < commands.byteLength; o += COMMAND_SIZE) {
    engine.apply(view, o);
    events.push(engine.lastEventBytes());
  }
  return { commands, events: concat(events), hash: stateHash(engine.engine) };
}

/** Random commands of every type (propertyTestConfig), numbered from `firstSeq`, as one buffer. */
export function randomCommands(seed: number, steps: number, firstSeq = 0): Uint8Array {
  const [stepList] = fc.sample(stepsArb(steps), { seed, numRuns: 1 });
  const engine = new InProcessEngine(propertyTestConfig(), firstSeq);
  const script = new CommandScript(firstSeq);
  const out: Uint8Array[] = [];
  const push = (view: DataView): void => {
    engine.apply(view, 0);
    out.push(new Uint8Array(view.buffer, view.byteOffset, COMMAND_SIZE));
  };
  for (const c of script.openingCommands()) push(c.view);
  for (const step of stepList ?? []) push(script.resolve(step, engineView(engine.engine)).view);
  return concat(out);
}

/**
 * Publishes command records through a running pipeline in order (yielding to the event loop
 * while the ring is full) and returns how often it met back-pressure. Each record's sequence
 * must be the one the pipeline assigns.
 */
export async function publishAll(pipeline: Pipeline, commands: Uint8Array): Promise<number> {
  const src = new DataView(commands.buffer, commands.byteOffset, commands.byteLength);
  let busy = 0;
  for (let from = 0; from < commands.byteLength; ) {
    const seq = pipeline.tryPublish(readI64(src, from + CMD_TIMESTAMP_US), (view, offset) => {
      new Uint8Array(view.buffer, view.byteOffset + offset, COMMAND_SIZE).set(commands.subarray(from, from + COMMAND_SIZE));
    });
    expect(seq).not.toBe(CLAIM_CLOSED);
    if (seq === CLAIM_FULL) {
      busy++;
      await new Promise((r) => setImmediate(r));
      continue;
    }
    expect(readI64(src, from + 8)).toBe(seq);
    from += COMMAND_SIZE;
  }
  return busy;
}

/** Collects every event record the pipeline's core publishes. */
export function collectEvents(pipeline: Pipeline): { done: Promise<number>; bytes: () => Uint8Array } {
  const chunks: Uint8Array[] = [];
  const done = pipeline.consumeEvents((view, offset) => {
    chunks.push(new Uint8Array(view.buffer, view.byteOffset + offset, EVENT_SIZE).slice());
  });
  return { done, bytes: () => concat(chunks) };
}
