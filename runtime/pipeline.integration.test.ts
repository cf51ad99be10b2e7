import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateOrderFlow } from '../loadgen/order-flow-gen.js';
import { makeTempDir, removeDir } from '../testkit/journal-fixtures.js';
import { configFingerprint } from '../journal/config-fingerprint.js';
import { COMMAND_SIZE } from '../engine/command-layout.js';
import { EVENT_SIZE } from '../engine/event-layout.js';
import { compileOrderFlow, runOrderFlowPass } from '../engine/order-flow-runner.js';
import { JOURNAL_GATE_WAIT_DEFAULT, Pipeline } from './pipeline.js';
import type { WaitStrategy } from '../ring/index.js';
import type { EngineConfig } from '../engine/symbol-config.js';
import { applyInProcess, collectEvents, publishAll, randomCommands } from '../testkit/pipeline-fixtures.js';
import { propertyTestConfig } from '../testkit/random-commands.js';

/**
 * The threaded pipeline against the core applied in-process: a command stream pushed through
 * the input ring, the core worker and the output ring must give byte-identical events and the
 * same state hash. Real worker threads; small rings so they wrap many times.
 */
const SEED = process.env.FC_SEED !== undefined ? Number(process.env.FC_SEED) : Math.floor(Math.random() * 2 ** 31);

/** Pushes every command through a pipeline and collects the events and the core's report. */
async function runThroughPipeline(config: EngineConfig, commands: Uint8Array, inputSlots: number, outputSlots: number): Promise<{ events: Uint8Array; hash: string; busy: number }> {
  const pipeline = await Pipeline.start({ config, inputSlots, outputSlots });
  const events = collectEvents(pipeline);
  const busy = await publishAll(pipeline, commands);
  const report = await pipeline.stop();
  expect(await events.done).toBe(events.bytes().byteLength / EVENT_SIZE);
  expect(report.lastSeq).toBe(commands.byteLength / COMMAND_SIZE - 1);
  return { events: events.bytes(), hash: report.stateHash, busy };
}

describe('threaded pipeline', () => {
  it(`random command streams give the in-process events byte for byte and the same state hash (seed ${SEED})`, async () => {
    for (let run = 0; run < 3; run++) {
      const config = propertyTestConfig();
      const expected = applyInProcess(config, randomCommands(SEED + run, 1500));
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
    const expected = applyInProcess(flow.config, commands);
    const actual = await runThroughPipeline(flow.config, commands, 256, 1024);
    expect(actual.hash).toBe(expected.hash);
    expect(Buffer.compare(Buffer.from(actual.events), Buffer.from(expected.events))).toBe(0);
    // The events carry the trades the flow summary counts.
    const trades = countTrades(actual.events);
    expect(trades).toBe(inProcess.summary.trades);
    expect(actual.busy).toBeGreaterThan(0);
  });
});

describe('threaded pipeline with a journal', () => {
  // Durability 'none' (tests only): what is under test is the core's wait for seqJournaled.
  const gateWaits: ReadonlyArray<readonly [string, WaitStrategy]> = [
    ['the default (blocking)', JOURNAL_GATE_WAIT_DEFAULT],
    ['hybrid', { kind: 'hybrid', spinIterations: 100 }],
  ];
  for (const [name, journalGateWait] of gateWaits) {
    it(`a core waiting for seqJournaled with ${name} gives the in-process events byte for byte (seed ${SEED})`, async () => {
      const config = propertyTestConfig();
      const expected = applyInProcess(config, randomCommands(SEED, 1500));
      const dir = makeTempDir('ordo-pipeline-gate-');
      try {
        const journal = { path: path.join(dir, 'journal'), durability: 'none' as const, fingerprint: configFingerprint(config) };
        const pipeline = await Pipeline.start({ config, inputSlots: 64, outputSlots: 128, journal, journalGateWait });
        const events = collectEvents(pipeline);
        await publishAll(pipeline, expected.commands);
        const report = await pipeline.stop();
        expect(await events.done).toBe(events.bytes().byteLength / EVENT_SIZE);
        expect(report.journal?.lastSeq).toBe(report.lastSeq);
        expect(Buffer.compare(Buffer.from(events.bytes()), Buffer.from(expected.events))).toBe(0);
        expect(report.stateHash).toBe(expected.hash);
      } finally {
        removeDir(dir);
      }
    });
  }
});

function countTrades(events: Uint8Array): number {
  let n = 0;
  for (let o = 0; o < events.byteLength; o += EVENT_SIZE) if (events[o] === 3) n++;
  return n;
}
