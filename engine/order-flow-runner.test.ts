import { execFile } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { generateOrderFlow } from '../loadgen/order-flow-gen.js';
import { compileOrderFlow, FLOW_WARM_UP_PASSES, runOrderFlow, runOrderFlowPass } from './order-flow-runner.js';

const RECORDS = 4_000;

function compiled(seed: number): ReturnType<typeof compileOrderFlow> {
  const bytes = generateOrderFlow({ count: RECORDS, seed });
  return compileOrderFlow(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength));
}

/** A clock whose k-th timed interval (k = 0, 1, ...) lasts (k + 1) ms: it tells the passes apart. */
function steppingClock(): () => bigint {
  let calls = 0;
  let t = 0n;
  return () => {
    // Calls come in (start, end) pairs, one pair per pass.
    if (calls % 2 === 1) t += BigInt((calls + 1) / 2) * 1_000_000n;
    calls++;
    return t;
  };
}

describe('order-flow runner', () => {
  it('times only the passes after the warm-up, and reports their median', () => {
    const flow = compiled(7);
    const run = runOrderFlow(flow, 3, steppingClock());
    // Intervals 0 and 1 are the warm-up (1 and 2 ms); the timed passes took 3, 4 and 5 ms.
    expect(FLOW_WARM_UP_PASSES).toBe(2);
    const rate = (ms: number): number => Math.round(RECORDS / (ms / 1000));
    expect(run.rates).toEqual([rate(3), rate(4), rate(5)]);
    expect(run.passes).toBe(3);
    expect(run.cmdsPerSec).toBe(rate(4));
    expect(run.cmdsPerSecMin).toBe(rate(5));
    expect(run.cmdsPerSecMax).toBe(rate(3));
  });

  it('gives the summary of a single pass on a fresh engine', () => {
    const flow = compiled(11);
    const single = runOrderFlowPass(flow, process.hrtime.bigint).summary;
    const run = runOrderFlow(flow, 2, process.hrtime.bigint);
    const { commands, trades, tradedQty, resting, bestBid, bestAsk, checksum } = run;
    expect({ commands, trades, tradedQty, resting, bestBid, bestAsk, checksum }).toEqual(single);
    expect(single.commands).toBe(RECORDS);
    expect(single.trades).toBeGreaterThan(0);
    expect(single.checksum).toMatch(/^0x[0-9a-f]{16}$/);
  });

  it('ordo flow prints the summary as one JSON object on its last line', async () => {
    const file = join(tmpdir(), `ordo-flow-${process.pid}.bin`);
    writeFileSync(file, generateOrderFlow({ count: RECORDS, seed: 11 }));
    try {
      const { stdout } = await promisify(execFile)('npx', ['tsx', 'bin/ordo.ts', 'flow', file, '--passes', '2'], { cwd: process.cwd() });
      const last = stdout.trim().split('\n').at(-1) ?? '';
      const printed = JSON.parse(last) as Record<string, unknown>;
      expect(Object.keys(printed)).toEqual(['commands', 'trades', 'tradedQty', 'resting', 'bestBid', 'bestAsk', 'checksum', 'cmdsPerSec']);
      const { cmdsPerSec, ...summary } = printed;
      expect(summary).toEqual(runOrderFlowPass(compiled(11), process.hrtime.bigint).summary);
      expect(cmdsPerSec).toBeGreaterThan(0);
    } finally {
      rmSync(file, { force: true });
    }
  });
});
