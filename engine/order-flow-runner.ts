import { assert } from './assert.js';
import { type Command, command, encodeCommand } from './command-codec.js';
import { COMMAND_SIZE, CommandType, OrderType, Side, StpMode, TimeInForce } from './command-layout.js';
import type { CancelReason } from './event-layout.js';
import type { EventSink } from './event-sink.js';
import { Fnv64 } from './fnv64.js';
import { grow } from './growable.js';
import { MatchingEngine } from './matching-engine.js';
import { ResultCode } from './result-code.js';
import { NIL } from './order-pool.js';
import type { OrderBook } from './order-book.js';
import {
  newOrderFlowRecord,
  ORDER_FLOW_OP_CANCEL,
  ORDER_FLOW_OP_LIMIT,
  ORDER_FLOW_OP_MARKET,
  ORDER_FLOW_SIDE_BUY,
  orderFlowRecordCount,
  readOrderFlowRecord,
} from './order-flow-layout.js';
import type { EngineConfig } from './symbol-config.js';

/**
 * Applies a standard order-flow file (design §9) to the core: one symbol, tick 1, lot 1, risk and
 * self-trade prevention off. The file is first compiled into command records (untimed: loading
 * is not part of the measurement), then each timed pass applies them to a fresh engine through
 * the same `apply` the pipeline uses. A sink that only looks at trades keeps the checksum:
 * FNV-1a 64 over (taker id, maker id, price, qty) per trade, ids being the file's ids.
 */
export const FLOW_ACCOUNT_ID = 1;
export const FLOW_SYMBOL_ID = 1;
export const FLOW_PASSES_DEFAULT = 5;
/** Untimed passes before the timed ones (runOrderFlow says why). */
export const FLOW_WARM_UP_PASSES = 2;
/** Sequence of the first flow command; sequence 0 creates the account. */
const FLOW_FIRST_SEQ = 1;
/** A cancel of an id the file never placed targets this id, which no order ever has. */
const NO_SUCH_ORDER = Number.MAX_SAFE_INTEGER;

export interface OrderFlowSummary {
  commands: number;
  trades: number;
  tradedQty: number;
  resting: number;
  bestBid: number | null;
  bestAsk: number | null;
  checksum: string;
}

export interface CompiledOrderFlow {
  /** records + 1 command slots: the account creation, then one per file record. */
  commands: DataView;
  records: number;
  /** The file's order id of the order placed at each sequence (0 for cancels). */
  fileIdBySeq: Float64Array;
  config: EngineConfig;
}

/** The one-symbol configuration for a flow, with price and quantity bounds taken from the file. */
export function orderFlowConfig(maxOrders: number, maxPrice: number, maxQty: number): EngineConfig {
  return {
    assets: [
      { id: 1, name: 'QUOTE', decimals: 0 },
      { id: 2, name: 'BASE', decimals: 0 },
    ],
    symbols: [
      {
        id: FLOW_SYMBOL_ID,
        name: 'FLOW',
        baseAssetId: 2,
        quoteAssetId: 1,
        baseLotUnits: 1,
        quoteTickUnits: 1,
        minQty: 1,
        maxQty,
        maxPrice,
        makerFeeBps: 0,
        takerFeeBps: 0,
        marketProtectionBps: 0,
      },
    ],
    maxAccounts: 1,
    maxOrders,
    maxOpenOrdersPerAccount: maxOrders,
    clientOrderIdWindow: 1,
    transferIdWindow: 1,
    riskEnabled: false,
  };
}

export function compileOrderFlow(view: DataView): CompiledOrderFlow {
  const records = orderFlowRecordCount(view);
  const rec = newOrderFlowRecord();
  let maxPrice = 1;
  let maxQty = 1;
  let places = 0;
  for (let i = 0; i < records; i++) {
    readOrderFlowRecord(view, i, rec);
    if (rec.op !== ORDER_FLOW_OP_CANCEL) {
      places++;
      maxPrice = Math.max(maxPrice, rec.price);
      maxQty = Math.max(maxQty, rec.qty);
    }
  }
  assert(Number.isSafeInteger(2 * maxPrice * maxQty), `order flow: price ${maxPrice} × qty ${maxQty} exceeds the safe-integer range`);
  const config = orderFlowConfig(Math.max(1024, places), maxPrice, maxQty);
  const commands = new DataView(new ArrayBuffer((records + 1) * COMMAND_SIZE));
  const fileIdBySeq = new Float64Array(records + FLOW_FIRST_SEQ);
  const seqByFileId = new Map<number, number>();
  encodeCommand(command({ type: CommandType.ACCOUNT_CREATE, seq: 0, accountId: FLOW_ACCOUNT_ID }), commands, 0);
  const c = command({ type: CommandType.NOOP, accountId: FLOW_ACCOUNT_ID, symbolId: FLOW_SYMBOL_ID, stp: StpMode.NONE });
  for (let i = 0; i < records; i++) {
    readOrderFlowRecord(view, i, rec);
    const seq = i + FLOW_FIRST_SEQ;
    c.seq = seq;
    c.side = rec.side === ORDER_FLOW_SIDE_BUY ? Side.BUY : Side.SELL;
    c.price = 0;
    c.qty = 0;
    c.targetId = 0;
    if (rec.op === ORDER_FLOW_OP_CANCEL) {
      c.type = CommandType.CANCEL_ORDER;
      c.targetId = seqByFileId.get(rec.orderId) ?? NO_SUCH_ORDER;
    } else {
      c.type = CommandType.PLACE_ORDER;
      c.orderType = rec.op === ORDER_FLOW_OP_LIMIT ? OrderType.LIMIT : OrderType.MARKET;
      c.tif = rec.op === ORDER_FLOW_OP_MARKET ? TimeInForce.IOC : TimeInForce.GTC;
      c.price = rec.op === ORDER_FLOW_OP_LIMIT ? rec.price : 0;
      c.qty = rec.qty;
      fileIdBySeq[seq] = rec.orderId;
      seqByFileId.set(rec.orderId, seq);
    }
    encodeCommand(c, commands, seq * COMMAND_SIZE);
  }
  return { commands, records, fileIdBySeq, config };
}

/**
 * Counts trades and records (taker, maker, price, qty) of each; every other event is ignored.
 * The checksum is folded after the timed loop, since it measures the harness, not the core.
 */
export class OrderFlowSink implements EventSink {
  trades = 0;
  tradedQty = 0;
  rejects = 0;
  private tradeLog: Float64Array;

  constructor(
    private readonly fileIdBySeq: Float64Array,
    expectedTrades: number,
  ) {
    this.tradeLog = new Float64Array(Math.max(64, expectedTrades) * 4);
    // Written once here, before any timing, so that the timed loop does not take the page faults
    // of the harness's own log (tens of MB, fresh from the OS, on every pass).
    this.tradeLog.fill(0);
  }

  beginCommand(): void {}
  endCommand(): void {}
  accepted(): void {}
  rejected(code: number): void {
    // A cancel of an order that is already gone is a no-op in the flow's terms.
    if (code !== ResultCode.UNKNOWN_ORDER) this.rejects++;
  }
  trade(_s: number, _side: number, _ta: number, takerOrderId: number, _tl: number, _tc: number, _ma: number, makerOrderId: number, _ml: number, _mc: number, price: number, qty: number): void {
    const i = this.trades * 4;
    if (i === this.tradeLog.length) this.tradeLog = grow(this.tradeLog, this.tradeLog.length * 2);
    this.tradeLog[i] = takerOrderId;
    this.tradeLog[i + 1] = makerOrderId;
    this.tradeLog[i + 2] = price;
    this.tradeLog[i + 3] = qty;
    this.trades++;
    this.tradedQty += qty;
  }
  cancelled(_r: CancelReason): void {}
  amended(): void {}
  stopTriggered(): void {}
  balance(): void {}
  bookLevel(): void {}

  /** FNV-1a 64 over (taker file id, maker file id, price, qty) of each trade in order. */
  checksum(): string {
    const h = new Fnv64();
    for (let i = 0; i < this.trades * 4; i += 4) {
      h.i64(this.fileIdBySeq[this.tradeLog[i] as number] as number);
      h.i64(this.fileIdBySeq[this.tradeLog[i + 1] as number] as number);
      h.i64(this.tradeLog[i + 2] as number);
      h.i64(this.tradeLog[i + 3] as number);
    }
    return h.hex();
  }
}

export interface OrderFlowPass {
  summary: OrderFlowSummary;
  elapsedNs: number;
  /** The pass's engine, which a caller that runs several passes keeps until the next is built. */
  engine: MatchingEngine;
}

/** One pass on a fresh engine; only the loop over the flow's commands is timed. */
export function runOrderFlowPass(flow: CompiledOrderFlow, now: () => bigint): OrderFlowPass {
  const sink = new OrderFlowSink(flow.fileIdBySeq, flow.records);
  const engine = new MatchingEngine(flow.config, sink);
  const v = flow.commands;
  engine.apply(v, 0);
  const elapsedNs = applyTimed(engine, v, (flow.records + 1) * COMMAND_SIZE, now);
  assert(sink.rejects === 0, `order flow: ${sink.rejects} commands rejected; the file breaks the flow's rules`);
  assert(engine.lastSeq === v.byteLength / COMMAND_SIZE - 1, 'order flow: not every command applied');
  const book = engine.books[FLOW_SYMBOL_ID] as OrderBook;
  const bid = book.bids.best();
  const ask = book.asks.best();
  return {
    elapsedNs,
    engine,
    summary: {
      commands: flow.records,
      trades: sink.trades,
      tradedQty: sink.tradedQty,
      resting: engine.liveOrders,
      bestBid: bid === NIL ? null : (engine.levels.price[bid] as number),
      bestAsk: ask === NIL ? null : (engine.levels.price[ask] as number),
      checksum: sink.checksum(),
    },
  };
}

/**
 * The timed loop, in a function of its own: V8 optimizes it whole and keeps it. Inline in
 * runOrderFlowPass it was optimized on stack (OSR) in every pass, and the checks after it
 * deoptimized that code again each time, so each pass began its loop in the interpreter.
 */
function applyTimed(engine: MatchingEngine, v: DataView, end: number, now: () => bigint): number {
  const start = now();
  for (let o = COMMAND_SIZE; o < end; o += COMMAND_SIZE) engine.apply(v, o);
  return Number(now() - start);
}

export interface OrderFlowRun extends OrderFlowSummary {
  cmdsPerSec: number;
  cmdsPerSecMin: number;
  cmdsPerSecMax: number;
  passes: number;
  /** Commands/s of each timed pass, in the order they ran (the warm-up pass is not among them). */
  rates: number[];
}

/**
 * FLOW_WARM_UP_PASSES untimed passes, then `passes` timed passes, each on a fresh engine; the
 * summary must be identical in each, the rate is the timed passes' median.
 *
 * What is measured is the core as a running engine executes it: JIT-compiled code on a fresh
 * book. Hence the warm-up (the first pass on a new process runs largely in the interpreter and
 * the baseline tier while V8 gathers feedback and optimizes; the second still re-optimizes the
 * methods whose first optimization lacked the feedback of a new engine's first commands, traced
 * with --trace-deopt), and hence each pass's engine
 * is kept until the next pass has built its own. Dropping it earlier let a garbage collection
 * between passes take the last objects of the engine's hidden classes (V8 holds a class's maps
 * only while some instance uses them); the next engine then got new maps, V8 threw away every
 * optimized method that embedded the old ones ("weak objects" deoptimizations) and optimized
 * them again inside the next timed pass. Measured 2026-11-21: passes of 5.6M-6.8M commands/s
 * after such a collection against 9M+ otherwise. A running engine lives as long as its process,
 * so neither the warm-up nor that re-optimization is part of its throughput.
 */
export function runOrderFlow(flow: CompiledOrderFlow, passes: number, now: () => bigint): OrderFlowRun {
  assert(Number.isInteger(passes) && passes >= 1 && passes <= 100, `passes ${passes} outside [1, 100]`);
  const rates: number[] = [];
  let warmUp = runOrderFlowPass(flow, now);
  const first = warmUp.summary;
  for (let w = 1; w < FLOW_WARM_UP_PASSES; w++) warmUp = runOrderFlowPass(flow, now);
  let previous: MatchingEngine = warmUp.engine;
  for (let p = 0; p < passes; p++) {
    const pass = runOrderFlowPass(flow, now);
    assert(JSON.stringify(first) === JSON.stringify(pass.summary), `order flow pass ${p + 1} differs from the first: the core is not deterministic`);
    rates.push(flow.records / (Math.max(1, pass.elapsedNs) / 1e9));
    // Only now, with the next engine built, is the previous one let go (see above).
    previous = pass.engine;
  }
  // Read after the loop, so that optimized code keeps `previous` live (and reachable) in it.
  assert(previous.lastSeq === flow.records, 'order flow: the last pass did not apply every command');
  const inOrder = rates.map((r) => Math.round(r));
  rates.sort((a, b) => a - b);
  const median = rates.length % 2 === 1 ? (rates[(rates.length - 1) / 2] as number) : ((rates[rates.length / 2 - 1] as number) + (rates[rates.length / 2] as number)) / 2;
  return {
    ...first,
    cmdsPerSec: Math.round(median),
    cmdsPerSecMin: Math.round(rates[0] as number),
    cmdsPerSecMax: Math.round(rates[rates.length - 1] as number),
    passes,
    rates: inOrder,
  };
}

export type { Command };
