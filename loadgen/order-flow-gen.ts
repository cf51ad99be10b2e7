// Seeded generator of standard order-flow files (design §9).
//
// The mix imitates a busy single-symbol book: about 60% limit orders, most resting a few ticks
// behind the touch on their own side and some crossing the spread; about 6% market orders; about
// 34% cancels of recently placed limit orders (some of which will have filled by then: the core
// treats those as no-ops). The mid price is a random walk that stays positive.
//
// Determinism: the generator draws only from its own xoshiro128** (seeded by splitmix32) using
// 32-bit integer arithmetic (Math.imul, shifts), so the same seed gives the same bytes on every
// run, machine and Node version.
//
// CLI: node dist-bench/bench/order-flow-gen.js --out path --count N --seed S

import { writeOrderFlowFile } from './order-flow-file.js';
import {
  ORDER_FLOW_OP_CANCEL,
  ORDER_FLOW_OP_LIMIT,
  ORDER_FLOW_OP_MARKET,
  ORDER_FLOW_RECORD_BYTES,
  ORDER_FLOW_SIDE_BUY,
  ORDER_FLOW_SIDE_SELL,
  newOrderFlowRecord,
  writeOrderFlowRecord,
  type OrderFlowSide,
} from '../engine/order-flow-layout.js';
import { parseCliArgs, parseIntegerOption, UsageError } from '../platform/cli-args.js';
import { runIfMain } from '../platform/run-main.js';

/** A bound on one file: 50M records are 1.6 GB, more than a benchmark on these machines needs. */
export const ORDER_FLOW_COUNT_MAX = 50_000_000;

/** Target shares of the mix; cancels take the rest. */
export const LIMIT_SHARE = 0.6;
export const MARKET_SHARE = 0.06;
export const CANCEL_SHARE = 1 - LIMIT_SHARE - MARKET_SHARE;

/** Share of limit orders priced through the touch (they trade on arrival). */
export const CROSSING_LIMIT_SHARE = 0.1;
/** How many recently placed limit ids a cancel picks among; older ones are forgotten. */
export const CANCEL_WINDOW_IDS = 1024;
/** Where the mid price starts, and the floor that keeps every price positive (ticks). */
export const MID_PRICE_START_TICKS = 10_000;
export const MID_PRICE_FLOOR_TICKS = 100;
/** Chance per record that the mid moves one tick. */
const MID_STEP_CHANCE = 0.1;
/** Limit prices sit 0..DEPTH_TICKS_MAX-1 ticks behind the touch, the nearer the likelier. */
const DEPTH_TICKS_MAX = 20;
export const QTY_MAX_LOTS = 100;

/** xoshiro128** over four u32 words; seeded by splitmix32 so that every seed is usable. */
export class Xoshiro128 {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  constructor(seed: number) {
    if (!Number.isSafeInteger(seed) || seed < 0) throw new RangeError(`seed ${seed} is not a safe non-negative integer`);
    // Both 32-bit halves of the seed feed the state, so seeds above 2^32 differ too.
    let sm = (seed >>> 0) ^ Math.imul(Math.floor(seed / 0x1_0000_0000), 0x9e3779b1);
    const next = (): number => {
      sm = (sm + 0x9e3779b9) | 0;
      let z = sm;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    // The all-zero state is the one state xoshiro never leaves.
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** A generator at a given raw state, to check the stream against the reference algorithm. */
  static fromState(s0: number, s1: number, s2: number, s3: number): Xoshiro128 {
    const rng = new Xoshiro128(0);
    rng.s0 = s0 | 0;
    rng.s1 = s1 | 0;
    rng.s2 = s2 | 0;
    rng.s3 = s3 | 0;
    if ((rng.s0 | rng.s1 | rng.s2 | rng.s3) === 0) throw new RangeError('xoshiro state must not be all zero');
    return rng;
  }

  /** The next u32. */
  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in [0, 1), with 32 bits of resolution (exact: a u32 over 2^32). */
  nextUnit(): number {
    return this.nextU32() / 0x1_0000_0000;
  }

  /** Uniform integer in [0, bound). */
  nextBelow(bound: number): number {
    if (!Number.isInteger(bound) || bound <= 0 || bound > 0x1_0000_0000) throw new RangeError(`bound ${bound}`);
    return Math.floor(this.nextUnit() * bound);
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

export interface OrderFlowGenOptions {
  count: number;
  seed: number;
}

/** What a generated file contains, to print and to check against the targets. */
export interface OrderFlowSummary {
  records: number;
  limits: number;
  markets: number;
  cancels: number;
  /** Limits priced through the modelled touch at the time they were generated. */
  crossingLimits: number;
  buys: number;
  sells: number;
  priceTicksMin: number;
  priceTicksMax: number;
  midTicksFinal: number;
  /** The largest order id placed; ids are 1, 2, 3, ... over limits and markets. */
  orderIdMax: number;
}

export interface GeneratedOrderFlow {
  bytes: Uint8Array;
  summary: OrderFlowSummary;
}

/** The bytes of a generated order-flow file. */
export function generateOrderFlow(options: OrderFlowGenOptions): Uint8Array {
  return generateOrderFlowWithSummary(options).bytes;
}

export function generateOrderFlowWithSummary(options: OrderFlowGenOptions): GeneratedOrderFlow {
  const { count, seed } = options;
  if (!Number.isSafeInteger(count) || count < 0 || count > ORDER_FLOW_COUNT_MAX) {
    throw new RangeError(`count ${count} outside [0, ${ORDER_FLOW_COUNT_MAX}]`);
  }
  const rng = new Xoshiro128(seed);
  const bytes = new Uint8Array(count * ORDER_FLOW_RECORD_BYTES);
  const view = new DataView(bytes.buffer);
  const record = newOrderFlowRecord();
  // Recently placed limit ids and their sides; a cancel removes the id it picks (swap-remove),
  // and when full a new id replaces a random older one, so the window favours recent orders.
  const liveIds = new Float64Array(CANCEL_WINDOW_IDS);
  const liveSides = new Uint8Array(CANCEL_WINDOW_IDS);
  let liveCount = 0;
  let midTicks = MID_PRICE_START_TICKS;
  let orderIdNext = 1;
  const summary: OrderFlowSummary = {
    records: count, limits: 0, markets: 0, cancels: 0, crossingLimits: 0, buys: 0, sells: 0,
    priceTicksMin: Number.MAX_SAFE_INTEGER, priceTicksMax: 0, midTicksFinal: 0, orderIdMax: 0,
  };

  for (let i = 0; i < count; i++) {
    if (rng.nextUnit() < MID_STEP_CHANCE) {
      midTicks += rng.nextBelow(2) === 0 ? -1 : 1;
      if (midTicks < MID_PRICE_FLOOR_TICKS) midTicks = MID_PRICE_FLOOR_TICKS;
    }
    const opDraw = rng.nextUnit();
    if (opDraw >= LIMIT_SHARE + MARKET_SHARE && liveCount > 0) {
      const pick = rng.nextBelow(liveCount);
      record.op = ORDER_FLOW_OP_CANCEL;
      record.orderId = liveIds[pick] ?? 0;
      record.side = (liveSides[pick] ?? 0) as OrderFlowSide;
      record.price = 0;
      record.qty = 0;
      liveCount--;
      liveIds[pick] = liveIds[liveCount] ?? 0;
      liveSides[pick] = liveSides[liveCount] ?? 0;
      summary.cancels++;
    } else {
      // A cancel with nothing to cancel (only at the very start) becomes a limit.
      const isMarket = opDraw >= LIMIT_SHARE && opDraw < LIMIT_SHARE + MARKET_SHARE;
      const side: OrderFlowSide = rng.nextBelow(2) === 0 ? ORDER_FLOW_SIDE_BUY : ORDER_FLOW_SIDE_SELL;
      record.side = side;
      record.orderId = orderIdNext++;
      const u = rng.nextUnit();
      record.qty = 1 + Math.floor(QTY_MAX_LOTS * u * u * u);
      if (isMarket) {
        record.op = ORDER_FLOW_OP_MARKET;
        record.price = 0;
        summary.markets++;
      } else {
        record.op = ORDER_FLOW_OP_LIMIT;
        record.price = limitPriceTicks(rng, midTicks, side, summary);
        summary.limits++;
        rememberLive(rng, liveIds, liveSides, liveCount, record.orderId, side);
        if (liveCount < CANCEL_WINDOW_IDS) liveCount++;
        if (record.price < summary.priceTicksMin) summary.priceTicksMin = record.price;
        if (record.price > summary.priceTicksMax) summary.priceTicksMax = record.price;
      }
      if (side === ORDER_FLOW_SIDE_BUY) summary.buys++;
      else summary.sells++;
      summary.orderIdMax = record.orderId;
    }
    writeOrderFlowRecord(view, i, record);
  }
  summary.midTicksFinal = midTicks;
  if (summary.limits + summary.markets + summary.cancels !== count) throw new Error('order-flow gen: mix does not add up');
  if (summary.priceTicksMin === Number.MAX_SAFE_INTEGER) summary.priceTicksMin = 0;
  return { bytes, summary };
}

/**
 * The touch is modelled as mid ± 1 tick. Most limits rest 0..19 ticks behind their own touch,
 * the nearer the likelier (depth = floor(20 u²)); a share cross the spread by 0..2 ticks.
 */
function limitPriceTicks(rng: Xoshiro128, midTicks: number, side: OrderFlowSide, summary: OrderFlowSummary): number {
  const crossing = rng.nextUnit() < CROSSING_LIMIT_SHARE;
  let priceTicks: number;
  if (crossing) {
    summary.crossingLimits++;
    const throughTicks = rng.nextBelow(3);
    priceTicks = side === ORDER_FLOW_SIDE_BUY ? midTicks + 1 + throughTicks : midTicks - 1 - throughTicks;
  } else {
    const u = rng.nextUnit();
    const depthTicks = Math.floor(DEPTH_TICKS_MAX * u * u);
    priceTicks = side === ORDER_FLOW_SIDE_BUY ? midTicks - 1 - depthTicks : midTicks + 1 + depthTicks;
  }
  // The mid floor is far above the deepest price, so prices stay positive; asserted all the same.
  if (priceTicks <= 0) throw new Error(`order-flow gen: price ${priceTicks} not positive`);
  return priceTicks;
}

function rememberLive(
  rng: Xoshiro128, liveIds: Float64Array, liveSides: Uint8Array, liveCount: number, orderId: number, side: OrderFlowSide,
): void {
  const slot = liveCount < liveIds.length ? liveCount : rng.nextBelow(liveIds.length);
  liveIds[slot] = orderId;
  liveSides[slot] = side;
}

export function formatOrderFlowSummary(summary: OrderFlowSummary): string {
  const pct = (n: number): string => (summary.records === 0 ? '0.0' : ((100 * n) / summary.records).toFixed(1));
  return [
    `records ${summary.records}`,
    `limits ${summary.limits} (${pct(summary.limits)}%, crossing ${summary.crossingLimits})`,
    `markets ${summary.markets} (${pct(summary.markets)}%)`,
    `cancels ${summary.cancels} (${pct(summary.cancels)}%)`,
    `buys ${summary.buys} sells ${summary.sells}`,
    `limit price ticks [${summary.priceTicksMin}, ${summary.priceTicksMax}], final mid ${summary.midTicksFinal}`,
    `order ids 1..${summary.orderIdMax}`,
  ].join('\n');
}

export interface OrderFlowGenArgs extends OrderFlowGenOptions {
  out: string;
}

export const ORDER_FLOW_GEN_USAGE = 'usage: order-flow-gen --out path --count N [--seed S]';
const SEED_DEFAULT = 1;

/** Parses `--out path --count N [--seed S]`; anything else is a UsageError that shows the usage. */
export function parseOrderFlowGenArgs(argv: readonly string[]): OrderFlowGenArgs {
  const options = { out: { type: 'string' }, count: { type: 'string' }, seed: { type: 'string' } } as const;
  const { values } = parseCliArgs({ args: [...argv], options }, ORDER_FLOW_GEN_USAGE);
  if (values.out === undefined || values.count === undefined) throw new UsageError(`--out and --count are required\n${ORDER_FLOW_GEN_USAGE}`);
  const count = parseIntegerOption(values.count, '--count', 0, ORDER_FLOW_COUNT_MAX);
  const seed = values.seed === undefined ? SEED_DEFAULT : parseIntegerOption(values.seed, '--seed', 0, Number.MAX_SAFE_INTEGER);
  return { out: values.out, count, seed };
}

export function orderFlowGenMain(argv: readonly string[]): void {
  const args = parseOrderFlowGenArgs(argv);
  const { bytes, summary } = generateOrderFlowWithSummary(args);
  const records = writeOrderFlowFile(args.out, bytes);
  if (records !== args.count) throw new Error('order-flow gen: written record count differs');
  process.stdout.write(`wrote ${args.out} (${bytes.byteLength} bytes, seed ${args.seed})\n${formatOrderFlowSummary(summary)}\n`);
}

runIfMain(import.meta.url, (argv) => {
  orderFlowGenMain(argv);
  return 0;
});
