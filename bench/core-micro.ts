// tinybench microbenchmarks of the core's operations on a funded, risk-checked symbol: place and
// cancel a resting limit, a match against one resting order, an amend. Each task leaves the book
// as it found it, so iterations are alike.

import { CMD_QTY, CMD_SEQ, CMD_TARGET_ID, COMMAND_SIZE, CommandType, OrderType, Side, TimeInForce } from '../engine/command-layout.js';
import { type Command, command, encodeCommand } from '../engine/command-codec.js';
import { defaultEngineConfig } from '../engine/default-config.js';
import { writeI64 } from '../engine/int64.js';
import { MatchingEngine } from '../engine/matching-engine.js';
import { OrderFlowSink } from '../engine/order-flow-runner.js';
import { wholeParam, type Benchmark } from './lib/benchmark.js';
import type { BenchParams, BenchResult } from './lib/results.js';
import { tinybenchFigures } from './lib/tinybench-figures.js';

class Driver {
  readonly engine = new MatchingEngine(defaultEngineConfig(), new OrderFlowSink(new Float64Array(1), 64));
  private readonly slot = new DataView(new ArrayBuffer(COMMAND_SIZE));
  seq = 0;

  /** Encodes and applies a command (set-up only: encoding is not what the tasks measure). */
  send(c: Command): number {
    c.seq = this.seq++;
    encodeCommand(c, this.slot, 0);
    this.engine.apply(this.slot, 0);
    return c.seq;
  }

  /** Applies a pre-encoded command with the next sequence (and a patched target, quantity). */
  resend(slot: DataView, targetId = -1, qty = -1): number {
    const seq = this.seq++;
    writeI64(slot, CMD_SEQ, seq);
    if (targetId >= 0) writeI64(slot, CMD_TARGET_ID, targetId);
    if (qty >= 0) writeI64(slot, CMD_QTY, qty);
    this.engine.apply(slot, 0);
    return seq;
  }
}

function encoded(c: Command): DataView {
  const slot = new DataView(new ArrayBuffer(COMMAND_SIZE));
  encodeCommand(c, slot, 0);
  return slot;
}

function fundedDriver(): Driver {
  const d = new Driver();
  for (const accountId of [1, 2]) {
    d.send(command({ type: CommandType.ACCOUNT_CREATE, accountId }));
    d.send(command({ type: CommandType.DEPOSIT, accountId, symbolId: 1, qty: 1e15, targetId: accountId * 10 + 1 }));
    d.send(command({ type: CommandType.DEPOSIT, accountId, symbolId: 2, qty: 1e15, targetId: accountId * 10 + 2 }));
  }
  // A little depth on both sides so every operation works against a non-empty book.
  for (let i = 0; i < 50; i++) {
    d.send(command({ type: CommandType.PLACE_ORDER, accountId: 2, symbolId: 1, side: Side.BUY, orderType: OrderType.LIMIT, tif: TimeInForce.GTC, price: 90_000 - i, qty: 10 }));
    d.send(command({ type: CommandType.PLACE_ORDER, accountId: 2, symbolId: 1, side: Side.SELL, orderType: OrderType.LIMIT, tif: TimeInForce.GTC, price: 110_000 + i, qty: 10 }));
  }
  return d;
}

export const coreMicro: Benchmark = {
  name: 'core-micro',
  description: 'tinybench microbenchmarks of core operations with risk checks on (place+cancel, match, amend).',
  defaults: {
    quick: { runs: 3, timeMs: 300 },
    full: { runs: 5, timeMs: 1_000 },
  },
  run: async (params: BenchParams): Promise<BenchResult> => {
    const startedMs = Date.now();
    const runs = wholeParam(params, 'runs', 1, 100);
    const timeMs = wholeParam(params, 'timeMs', 10, 60_000);
    const d = fundedDriver();
    const place = encoded(command({ type: CommandType.PLACE_ORDER, accountId: 1, symbolId: 1, side: Side.BUY, orderType: OrderType.LIMIT, tif: TimeInForce.GTC, price: 95_000, qty: 5 }));
    const cancel = encoded(command({ type: CommandType.CANCEL_ORDER, accountId: 1 }));
    const maker = encoded(command({ type: CommandType.PLACE_ORDER, accountId: 2, symbolId: 1, side: Side.SELL, orderType: OrderType.LIMIT, tif: TimeInForce.GTC, price: 100_000, qty: 1 }));
    const taker = encoded(command({ type: CommandType.PLACE_ORDER, accountId: 1, symbolId: 1, side: Side.BUY, orderType: OrderType.LIMIT, tif: TimeInForce.IOC, price: 100_000, qty: 1 }));
    const resting = d.resend(place);
    const amend = encoded(command({ type: CommandType.AMEND_ORDER, accountId: 1, targetId: resting }));
    let amendQty = 4;
    const figures = await tinybenchFigures({
      runs,
      timeMs,
      addTasks: (bench) => {
        bench.add('place+cancel resting limit', () => {
          d.resend(cancel, d.resend(place));
        });
        bench.add('match: rest a maker, take it', () => {
          d.resend(maker);
          d.resend(taker);
        });
        bench.add('amend quantity down and up', () => {
          d.resend(amend, -1, amendQty);
          amendQty = amendQty === 4 ? 5 : 4;
        });
      },
    });
    return {
      name: coreMicro.name,
      description: coreMicro.description,
      params,
      durability: 'not-applicable',
      figures,
      latency: [],
      notes: ['each task sends one or two commands per iteration; place+cancel and match are two'],
      durationMs: Date.now() - startedMs,
    };
  },
};
