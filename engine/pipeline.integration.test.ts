import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CMD_TIMESTAMP_US, COMMAND_SIZE } from './command-layout.js';
import { stateHash } from './engine-state.js';
import { EVENT_SIZE } from './event-layout.js';
import { InProcessEngine } from './in-process-engine.js';
import { readI64 } from './int64.js';
import { compileOrderFlow, runOrderFlowPass } from './order-flow-runner.js';
import { CLAIM_CLOSED, CLAIM_FULL, Pipeline } from './pipeline.js';
import type { EngineConfig } from './symbol-config.js';
import { CommandScript, engineView, propertyTestConfig, stepsArb } from './testing/random-commands.js';
import { generateOrderFlow } from '../bench/order-flow-gen.js';

/**
 * The threaded pipeline against the core applied in-process: a command stream pushed through
 * the input ring, the core worker and the output ring must give byte-identical events and the
 * same state hash. Real worker threads; small rings so they wrap many times.
 */
const SEED = process.env.FC_SEED !== undefined ? Number(process.env.FC_SEED) : Math.floor(Math.random() * 2 ** 31);

interface Expected {
  commands: Uint8Array;
  events: Uint8Array;
  hash: string;
}

/** Applies the commands in-process, recording their bytes, all events and the final hash. */
function applyInProcess(config: EngineConfig, commands: DataView[]): Expected {
  const engine = new InProcessEngine(config);
  const bytes = new Uint8Array(commands.length * COMMAND_SIZE);
  const events: Uint8Array[] = [];
  commands.forEach((view, i) => {
    bytes.set(new Uint8Array(view.buffer, view.byteOffset, COMMAND_SIZE), i * COMMAND_SIZE);
    engine.apply(view, 0);
    events.push(engine.lastEventBytes());
  });
  const total = events.reduce((n, e) => n + e.byteLength, 0);
  const all = new Uint8Array(total);
  let at = 0;
  for (const e of events) {
    all.set(e, at);
    at += e.byteLength;
  }
  return { commands: bytes, events: all, hash: stateHash(engine.engine) };
}

/** Random commands of every type, numbered from 0 as the pipeline numbers them. */
function randomCommands(seed: number, steps: number): DataView[] {
  const [stepList] = fc.sample(stepsArb(steps), { seed, numRuns: 1 });
  const config = propertyTestConfig();
  const engine = new InProcessEngine(config);
  const script = new CommandScript(0);
  const out: DataView[] = [];
  const push = (view: DataView): void => {
    engine.apply(view, 0);
    out.push(view);
  };
  for (const c of script.openingCommands()) push(c.view);
  for (const step of stepList ?? []) push(script.resolve(step, engineView(engine.engine)).view);
  return out;
}

/** Pushes every command through the pipeline (yielding when the ring is full) and collects the events. */
async function runThroughPipeline(config: EngineConfig, commands: Uint8Array, inputSlots: number, outputSlots: number): Promise<{ events: Uint8Array; hash: string; busy: number }> {
  const pipeline = await Pipeline.start({ config, inputSlots, outputSlots });
  const chunks: Uint8Array[] = [];
  const eventsDone = pipeline.consumeEvents((view, offset) => {
    chunks.push(new Uint8Array(view.buffer, view.byteOffset + offset, EVENT_SIZE).slice());
  });
  const src = new DataView(commands.buffer, commands.byteOffset, commands.byteLength);
  let busy = 0;
  for (let i = 0; i < commands.byteLength / COMMAND_SIZE; ) {
    const from = i * COMMAND_SIZE;
    const seq = pipeline.tryPublish(readI64(src, from + CMD_TIMESTAMP_US), (view, offset) => {
      new Uint8Array(view.buffer, view.byteOffset + offset, COMMAND_SIZE).set(commands.subarray(from, from + COMMAND_SIZE));
    });
    expect(seq).not.toBe(CLAIM_CLOSED);
    if (seq === CLAIM_FULL) {
      // Back-pressure: the ring is full until the core moves; let the event loop run.
      busy++;
      await new Promise((r) => setImmediate(r));
      continue;
    }
    expect(seq).toBe(i);
    i++;
  }
  const report = await pipeline.stop();
  const handled = await eventsDone;
  expect(handled).toBe(chunks.length);
  expect(report.lastSeq).toBe(commands.byteLength / COMMAND_SIZE - 1);
  const events = new Uint8Array(chunks.length * EVENT_SIZE);
  chunks.forEach((c, i) => events.set(c, i * EVENT_SIZE));
  return { events, hash: report.stateHash, busy };
}

describe('threaded pipeline', () => {
  it(`random command streams give the in-process events byte for byte and the same state hash (seed ${SEED})`, async () => {
    for (let run = 0; run < 3; run++) {
      const commands = randomCommands(SEED + run, 1500);
      const config = propertyTestConfig();
      const expected = applyInProcess(config, commands);
      const actual = await runThroughPipeline(config, expected.commands, 64, 128);
      expect(actual.events.byteLength).toBe(expected.events.byteLength);
      expect(Buffer.compare(Buffer.from(actual.events), Buffer.from(expected.events))).toBe(0);
      expect(actual.hash).toBe(expected.hash);
    }
  });

  it('the standard order flow through small rings gives the in-process trade checksum', async () => {
    const bytes = generateOrderFlow({ count: 50_000, seed: 3 });
    const flow = compileOrderFlow(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    const inProcess = runOrderFlowPass(flow, process.hrtime.bigint);
    const commands = new Uint8Array(flow.commands.buffer);
    const expected = applyInProcess(flow.config, Array.from({ length: flow.records + 1 }, (_, i) => new DataView(flow.commands.buffer, i * COMMAND_SIZE, COMMAND_SIZE)));
    const actual = await runThroughPipeline(flow.config, commands, 256, 1024);
    expect(actual.hash).toBe(expected.hash);
    expect(Buffer.compare(Buffer.from(actual.events), Buffer.from(expected.events))).toBe(0);
    // The events carry the trades the flow summary counts.
    const trades = countTrades(actual.events);
    expect(trades).toBe(inProcess.summary.trades);
    expect(actual.busy).toBeGreaterThan(0);
  });
});

function countTrades(events: Uint8Array): number {
  let n = 0;
  for (let o = 0; o < events.byteLength; o += EVENT_SIZE) if (events[o] === 3) n++;
  return n;
}
