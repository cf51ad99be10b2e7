// Heap per resting order: a core configured for 1M orders holding 1M resting limit orders, the
// memory counted as V8 heap plus ArrayBuffer backing stores (the typed-array pools live there),
// after a full GC, minus the same count taken before the engine existed. Needs --expose-gc, so
// the suite runs it in a child process.

import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { COMMAND_SIZE, CommandType, OrderType, Side, TimeInForce } from '../engine/command-layout.js';
import { command, encodeCommand } from '../engine/command-codec.js';
import { MatchingEngine } from '../engine/matching-engine.js';
import { orderFlowConfig, OrderFlowSink } from '../engine/order-flow-runner.js';
import { wholeParam, type Benchmark } from './lib/benchmark.js';
import { parseCliArgs, parseIntegerOption, UsageError } from '../platform/cli-args.js';
import { runIfMain } from '../platform/run-main.js';
import { figure, type BenchParams, type BenchResult } from './lib/results.js';

interface MemoryRun {
  orders: number;
  levels: number;
  bytesPerOrder: number;
  heapBytes: number;
  arrayBufferBytes: number;
}

function usedBytes(): { heap: number; buffers: number } {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('core-memory needs node --expose-gc');
  gc();
  gc();
  const m = process.memoryUsage();
  return { heap: m.heapUsed, buffers: m.arrayBuffers };
}

/** Fills a fresh engine with `orders` resting orders spread over `levels` price levels per side. */
export function measureRestingMemory(orders: number, levels: number): MemoryRun {
  const before = usedBytes();
  const config = orderFlowConfig(orders, 1_000_000, 1_000);
  const engine = new MatchingEngine(config, new OrderFlowSink(new Float64Array(1), 64));
  const slot = new DataView(new ArrayBuffer(COMMAND_SIZE));
  encodeCommand(command({ type: CommandType.ACCOUNT_CREATE, seq: 0, accountId: 1 }), slot, 0);
  engine.apply(slot, 0);
  const c = command({ type: CommandType.PLACE_ORDER, accountId: 1, symbolId: 1, orderType: OrderType.LIMIT, tif: TimeInForce.GTC, qty: 1 });
  for (let i = 0; i < orders; i++) {
    // Bids below 500 000, asks above, never crossing.
    const buy = i % 2 === 0;
    const depth = Math.floor(i / 2) % levels;
    c.seq = i + 1;
    c.side = buy ? Side.BUY : Side.SELL;
    c.price = buy ? 500_000 - depth : 500_001 + depth;
    encodeCommand(c, slot, 0);
    engine.apply(slot, 0);
  }
  if (engine.liveOrders !== orders) throw new Error(`expected ${orders} resting orders, have ${engine.liveOrders}`);
  const after = usedBytes();
  const heapBytes = after.heap - before.heap;
  const arrayBufferBytes = after.buffers - before.buffers;
  return { orders, levels, heapBytes, arrayBufferBytes, bytesPerOrder: (heapBytes + arrayBufferBytes) / orders };
}

export const coreMemory: Benchmark = {
  name: 'core-memory',
  description: 'Heap (V8 heap + ArrayBuffers) per resting order, a core sized for and holding 1M resting limit orders, after GC.',
  defaults: {
    quick: { orders: 1_000_000, levels: 2_000, runs: 1 },
    full: { orders: 1_000_000, levels: 2_000, runs: 3 },
  },
  run: async (params: BenchParams): Promise<BenchResult> => {
    const startedMs = Date.now();
    const orders = wholeParam(params, 'orders', 1, 20_000_000);
    const levels = wholeParam(params, 'levels', 1, 1_000_000);
    const runs = wholeParam(params, 'runs', 1, 20);
    const results: MemoryRun[] = [];
    const script = fileURLToPath(import.meta.url);
    for (let r = 0; r < runs; r++) {
      const execArgv = script.endsWith('.ts') ? ['--import', 'tsx'] : [];
      const out = execFileSync(process.execPath, [...execArgv, '--expose-gc', script, String(orders), String(levels)], { encoding: 'utf8' });
      results.push(JSON.parse(out.trim().split('\n').pop() as string) as MemoryRun);
    }
    return {
      name: coreMemory.name,
      description: coreMemory.description,
      params,
      durability: 'not-applicable',
      figures: {
        bytesPerRestingOrder: figure(results.map((r) => r.bytesPerOrder), 'bytes', 'lower'),
        heapBytes: figure(results.map((r) => r.heapBytes), 'bytes', 'lower'),
        arrayBufferBytes: figure(results.map((r) => r.arrayBufferBytes), 'bytes', 'lower'),
      },
      latency: [],
      notes: [`${orders} resting orders over ${levels} levels per side; each run is a fresh process`],
      durationMs: Date.now() - startedMs,
    };
  },
};

const CORE_MEMORY_USAGE = 'usage: core-memory [orders (default 1000000)] [levels per side (default 2000)]';

runIfMain(import.meta.url, (argv) => {
  const { positionals } = parseCliArgs({ args: [...argv], options: {}, allowPositionals: true }, CORE_MEMORY_USAGE);
  if (positionals.length > 2) throw new UsageError(`unexpected argument ${positionals[2]}\n${CORE_MEMORY_USAGE}`);
  const orders = parseIntegerOption(positionals[0] ?? '1000000', 'orders', 1, Number.MAX_SAFE_INTEGER);
  const levels = parseIntegerOption(positionals[1] ?? '2000', 'levels', 1, Number.MAX_SAFE_INTEGER);
  process.stdout.write(JSON.stringify(measureRestingMemory(orders, levels)) + '\n');
  return 0;
});
