import fc from 'fast-check';
import { type Command, command, decodeCommand, encodeCommand } from '../engine/command-codec.js';
import {
  CMD_PRICE,
  CMD_QTY,
  CMD_TARGET_ID,
  CMD_TIMESTAMP_US,
  COMMAND_SIZE,
  CommandType,
  FLAG_POST_ONLY,
  KEY_MATERIAL_BYTES,
  OrderType,
  Side,
  TimeInForce,
} from '../engine/command-layout.js';
import { CancelReason } from '../engine/event-layout.js';
import { captureState } from '../engine/engine-state.js';
import type { MatchingEngine } from '../engine/matching-engine.js';
import { OrderState } from '../engine/order-pool.js';
import type { EngineConfig } from '../engine/symbol-config.js';

/**
 * Random command sequences for the core's property tests: a small market (four accounts, two
 * symbols with different lot and tick units and non-zero fees, tight windows and limits) with
 * prices concentrated in a narrow band so that orders cross often, every command type, and a few
 * malformed commands mixed in.
 *
 * A step is generated without knowing the state; it names its target order by an index into the
 * live orders of the moment, resolved when the step is turned into command bytes. Resolution is
 * a pure function of the step and the state, so a failing sequence shrinks and replays exactly.
 */

export function propertyTestConfig(): EngineConfig {
  return {
    assets: [
      { id: 1, name: 'USD', decimals: 2 },
      { id: 2, name: 'AAA', decimals: 3 },
      { id: 3, name: 'BBB', decimals: 0 },
    ],
    symbols: [
      {
        id: 1,
        name: 'AAA-USD',
        baseAssetId: 2,
        quoteAssetId: 1,
        baseLotUnits: 100,
        quoteTickUnits: 10,
        minQty: 1,
        maxQty: 50,
        maxPrice: 200,
        makerFeeBps: 10,
        takerFeeBps: 25,
        marketProtectionBps: 300,
      },
      {
        id: 2,
        name: 'BBB-USD',
        baseAssetId: 3,
        quoteAssetId: 1,
        baseLotUnits: 7,
        quoteTickUnits: 3,
        minQty: 2,
        maxQty: 40,
        maxPrice: 120,
        makerFeeBps: 15,
        takerFeeBps: 40,
        marketProtectionBps: 0,
      },
    ],
    maxAccounts: 4,
    maxOrders: 20,
    maxOpenOrdersPerAccount: 7,
    clientOrderIdWindow: 4,
    transferIdWindow: 6,
    riskEnabled: true,
  };
}

/** The middle of each symbol's price band. */
const MID_PRICE: Readonly<Record<number, number>> = { 1: 100, 2: 60 };

/** What a step needs to know about the state to pick its targets. */
export interface LiveOrderView {
  id: number;
  account: number;
  symbol: number;
  price: number;
  stopPrice: number;
  leaves: number;
  filled: number;
  pending: boolean;
}

export interface StateView {
  nowUs: number;
  liveOrders: LiveOrderView[];
}

export function engineView(engine: MatchingEngine): StateView {
  const state = captureState(engine);
  const liveOrders = state.books
    .flatMap((b) => b.orders)
    .map((o) => ({
      id: o.id,
      account: o.accountId,
      symbol: o.symbolId,
      price: o.price,
      stopPrice: o.stopPrice,
      leaves: o.leaves,
      filled: o.filled,
      pending: o.state === OrderState.STOP_PENDING,
    }))
    .sort((a, b) => a.id - b.id);
  return { nowUs: engine.nowUs, liveOrders };
}

// ───────────────────────────── steps ─────────────────────────────

/** An i64 field overwritten with a value that is not a safe integer (only raw bytes can carry one). */
export type Unsafe = 'none' | 'plus2p53' | 'i64max' | 'i64min';

export type PlaceFlaw =
  | 'none'
  | 'qtyZero'
  | 'qtyNegative'
  | 'qtyUnsafe'
  | 'qtyAboveMax'
  | 'qtyBelowMin'
  | 'priceZero'
  | 'priceAboveMax'
  | 'priceNegative'
  | 'priceUnsafe'
  | 'stopOnNonStop'
  | 'stopMissing'
  | 'expiryOnNonGtd'
  | 'gtdAlreadyDue'
  | 'gtdZero'
  | 'badSide'
  | 'badType'
  | 'badTif'
  | 'marketGtc'
  | 'badStp'
  | 'badFlags'
  | 'postOnlyMisplaced'
  | 'badClOrdId';

export type TargetKind = 'own' | 'foreign' | 'done' | 'negative' | 'unsafe';

export type Op =
  | {
      kind: 'place';
      account: number;
      symbol: number;
      side: number;
      orderType: number;
      tifChoice: number;
      postOnly: boolean;
      stp: number;
      priceOffset: number;
      explicitProtection: boolean;
      stopOffset: number;
      qty: number;
      expireInUs: number;
      clOrdId: string;
      flaw: PlaceFlaw;
      unsafe: Unsafe;
    }
  | { kind: 'cancel'; account: number; symbol: number; target: TargetKind; pick: number; unsafe: Unsafe }
  | {
      kind: 'amend';
      account: number;
      target: TargetKind;
      pick: number;
      price: 'keep' | 'explicitSame' | 'delta' | 'aboveMax' | 'negative';
      priceDelta: number;
      qty: 'keep' | 'explicitSame' | 'down' | 'up' | 'toFilled' | 'negative' | 'unsafe';
      qtyDelta: number;
      stop: 'keep' | 'delta';
      stopDelta: number;
      unsafe: Unsafe;
    }
  | { kind: 'mass'; account: number; symbol: number; reason: number }
  | {
      kind: 'transfer';
      deposit: boolean;
      account: number;
      asset: number;
      amount: number;
      amountFlaw: 'none' | 'zero' | 'negative' | 'maxSafe' | 'unsafe';
      transfer: 'new' | 'repeat' | 'below' | 'zero' | 'negative' | 'unsafe';
      pick: number;
      unsafe: Unsafe;
    }
  | { kind: 'simple'; type: number; account: number; symbol: number };

export type Clock = { kind: 'same' } | { kind: 'advance'; us: number } | { kind: 'back'; us: number } | { kind: 'negative'; unsafe: boolean };

export interface Step {
  clock: Clock;
  op: Op;
}

const unsafeArb: fc.Arbitrary<Unsafe> = fc.constantFrom('plus2p53', 'i64max', 'i64min');

function weighted<T>(...entries: Array<[number, fc.Arbitrary<T>]>): fc.Arbitrary<T> {
  return fc.oneof(...entries.map(([weight, arbitrary]) => ({ weight, arbitrary })));
}

const accountArb = weighted<number>([24, fc.constantFrom(1, 2, 3)], [8, fc.constant(4)], [1, fc.constantFrom(0, 9)]);
const symbolArb = weighted<number>([20, fc.constantFrom(1, 2)], [1, fc.constantFrom(0, 3)]);
const qtyArb = weighted<number>([8, fc.integer({ min: 2, max: 6 })], [1, fc.constant(1)], [3, fc.integer({ min: 2, max: 15 })], [1, fc.integer({ min: 10, max: 40 })]);

const placeFlawArb: fc.Arbitrary<PlaceFlaw> = weighted<PlaceFlaw>(
  [60, fc.constant('none')],
  [
    4,
    fc.constantFrom<PlaceFlaw>(
      'qtyZero',
      'qtyNegative',
      'qtyUnsafe',
      'qtyAboveMax',
      'qtyBelowMin',
      'priceZero',
      'priceAboveMax',
      'priceNegative',
      'priceUnsafe',
      'stopOnNonStop',
      'stopMissing',
      'expiryOnNonGtd',
      'gtdAlreadyDue',
      'gtdZero',
      'badSide',
      'badType',
      'badTif',
      'marketGtc',
      'badStp',
      'badFlags',
      'postOnlyMisplaced',
      'badClOrdId',
    ),
  ],
);

const placeArb: fc.Arbitrary<Op> = fc.record({
  kind: fc.constant('place' as const),
  account: accountArb,
  symbol: symbolArb,
  side: fc.constantFrom(Side.BUY, Side.SELL),
  orderType: weighted<number>([9, fc.constant(OrderType.LIMIT)], [2, fc.constant(OrderType.MARKET)], [2, fc.constant(OrderType.STOP_LIMIT)], [1, fc.constant(OrderType.STOP_MARKET)]),
  tifChoice: fc.nat({ max: 9 }),
  postOnly: fc.boolean(),
  stp: weighted<number>([6, fc.constant(0)], [4, fc.integer({ min: 1, max: 4 })]),
  priceOffset: fc.integer({ min: -4, max: 4 }),
  explicitProtection: fc.boolean(),
  stopOffset: fc.integer({ min: -3, max: 3 }),
  qty: qtyArb,
  expireInUs: fc.integer({ min: 1, max: 300 }),
  clOrdId: weighted<string>([3, fc.constant('')], [1, fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'A-1', '~x!')]),
  flaw: placeFlawArb,
  unsafe: unsafeArb,
});

const targetArb: fc.Arbitrary<TargetKind> = weighted<TargetKind>([16, fc.constant('own')], [1, fc.constantFrom<TargetKind>('foreign', 'done', 'negative', 'unsafe')]);

const cancelArb: fc.Arbitrary<Op> = fc.record({
  kind: fc.constant('cancel' as const),
  account: accountArb,
  symbol: symbolArb,
  target: targetArb,
  pick: fc.nat({ max: 1000 }),
  unsafe: unsafeArb,
});

const amendArb: fc.Arbitrary<Op> = fc.record({
  kind: fc.constant('amend' as const),
  account: accountArb,
  target: targetArb,
  pick: fc.nat({ max: 1000 }),
  price: weighted<'keep' | 'explicitSame' | 'delta' | 'aboveMax' | 'negative'>(
    [6, fc.constant('keep')],
    [1, fc.constant('explicitSame')],
    [6, fc.constant('delta')],
    [1, fc.constantFrom<'aboveMax' | 'negative'>('aboveMax', 'negative')],
  ),
  priceDelta: fc.integer({ min: -3, max: 3 }),
  qty: weighted<'keep' | 'explicitSame' | 'down' | 'up' | 'toFilled' | 'negative' | 'unsafe'>(
    [5, fc.constant('keep')],
    [1, fc.constant('explicitSame')],
    [5, fc.constant('down')],
    [4, fc.constant('up')],
    [1, fc.constantFrom<'toFilled' | 'negative' | 'unsafe'>('toFilled', 'negative', 'unsafe')],
  ),
  qtyDelta: fc.integer({ min: 1, max: 6 }),
  stop: weighted<'keep' | 'delta'>([3, fc.constant('keep')], [1, fc.constant('delta')]),
  stopDelta: fc.integer({ min: -3, max: 3 }),
  unsafe: unsafeArb,
});

const massArb: fc.Arbitrary<Op> = fc.record({
  kind: fc.constant('mass' as const),
  account: weighted<number>([4, fc.constantFrom(1, 2, 3, 4)], [2, fc.constant(0)], [1, fc.constant(9)]),
  symbol: weighted<number>([3, fc.constantFrom(1, 2)], [2, fc.constant(0)], [1, fc.constant(5)]),
  reason: weighted<number>(
    [6, fc.constantFrom(CancelReason.USER, CancelReason.DISCONNECT, CancelReason.KILL_SWITCH)],
    [1, fc.constantFrom(0, CancelReason.UNFILLED, CancelReason.EXPIRED, 9)],
  ),
});

const transferArb: fc.Arbitrary<Op> = fc.record({
  kind: fc.constant('transfer' as const),
  deposit: fc.boolean(),
  account: weighted<number>([8, fc.constantFrom(1, 2, 3, 4)], [1, fc.constantFrom(0, 9)]),
  asset: weighted<number>([10, fc.constantFrom(1, 2, 3)], [1, fc.constantFrom(0, 4)]),
  amount: weighted<number>([4, fc.integer({ min: 1, max: 500 })], [3, fc.integer({ min: 1, max: 50_000 })]),
  amountFlaw: weighted<'none' | 'zero' | 'negative' | 'maxSafe' | 'unsafe'>(
    [20, fc.constant('none')],
    [1, fc.constantFrom<'zero' | 'negative' | 'maxSafe' | 'unsafe'>('zero', 'negative', 'maxSafe', 'unsafe')],
  ),
  transfer: weighted<'new' | 'repeat' | 'below' | 'zero' | 'negative' | 'unsafe'>(
    [10, fc.constant('new')],
    [3, fc.constantFrom<'repeat' | 'below'>('repeat', 'below')],
    [1, fc.constantFrom<'zero' | 'negative' | 'unsafe'>('zero', 'negative', 'unsafe')],
  ),
  pick: fc.nat({ max: 1000 }),
  unsafe: unsafeArb,
});

const simpleArb: fc.Arbitrary<Op> = fc.record({
  kind: fc.constant('simple' as const),
  type: weighted<number>(
    [8, fc.constant(CommandType.TIMER_TICK)],
    [4, fc.constant(CommandType.NOOP)],
    [1, fc.constant(CommandType.SYMBOL_HALT)],
    [6, fc.constant(CommandType.SYMBOL_RESUME)],
    [2, fc.constant(CommandType.ACCOUNT_CREATE)],
    [1, fc.constant(CommandType.ACCOUNT_BLOCK)],
    [6, fc.constant(CommandType.ACCOUNT_UNBLOCK)],
    [2, fc.constant(CommandType.API_KEY_ADD)],
    [2, fc.constant(CommandType.API_KEY_REVOKE)],
    [1, fc.constant(CommandType.TRADING_HALT)],
    [4, fc.constant(CommandType.TRADING_RESUME)],
    [1, fc.constantFrom(0, 18, 200)],
  ),
  account: weighted<number>([6, fc.constantFrom(1, 2, 3, 4)], [1, fc.constantFrom(0, 5, 9)]),
  symbol: symbolArb,
});

const clockArb: fc.Arbitrary<Clock> = weighted<Clock>(
  [24, fc.constant({ kind: 'same' as const })],
  [20, fc.integer({ min: 1, max: 40 }).map((us) => ({ kind: 'advance' as const, us }))],
  [4, fc.integer({ min: 1, max: 30 }).map((us) => ({ kind: 'back' as const, us }))],
  [1, fc.boolean().map((unsafe) => ({ kind: 'negative' as const, unsafe }))],
);

export const stepArb: fc.Arbitrary<Step> = fc.record({
  clock: clockArb,
  op: weighted<Op>([30, placeArb], [3, cancelArb], [6, amendArb], [1, massArb], [3, transferArb], [3, simpleArb]),
});

export function stepsArb(maxLength: number): fc.Arbitrary<Step[]> {
  // size 'max' draws lengths across the whole range; the default keeps sequences too short to fill a book.
  return fc.array(stepArb, { minLength: 1, maxLength, size: 'max' });
}

// ───────────────────────────── resolution into command bytes ─────────────────────────────

/** A command record ready to apply, and the command the core will read from it. */
export interface EncodedCommand {
  view: DataView;
  decoded: Command;
}

function writeUnsafe(view: DataView, offset: number, unsafe: Unsafe): void {
  // 2^53 is the first integer a double cannot tell from its neighbour; the other two are the
  // i64 extremes. The writer refuses all three, so they are written as raw halves.
  const [lo, hi] = unsafe === 'i64max' ? [0xffffffff, 0x7fffffff] : unsafe === 'i64min' ? [0, -0x80000000] : [0, 0x200000];
  view.setUint32(offset, lo, true);
  view.setInt32(offset + 4, hi, true);
}

export function encodeWithPatches(c: Command, patches: ReadonlyArray<readonly [number, Unsafe]> = []): EncodedCommand {
  const view = new DataView(new ArrayBuffer(COMMAND_SIZE));
  encodeCommand(c, view, 0);
  for (const [offset, unsafe] of patches) if (unsafe !== 'none') writeUnsafe(view, offset, unsafe);
  return { view, decoded: decodeCommand(view, 0) };
}

const TIF_BY_CHOICE = [TimeInForce.GTC, TimeInForce.GTC, TimeInForce.GTC, TimeInForce.GTC, TimeInForce.GTC, TimeInForce.GTD, TimeInForce.GTD, TimeInForce.IOC, TimeInForce.IOC, TimeInForce.FOK];
const MARKET_TIF_BY_CHOICE = [TimeInForce.IOC, TimeInForce.FOK];

/**
 * Turns steps into commands one at a time, numbering them from `firstSeq` and keeping what it
 * needs to make targets (order ids once used, transfer ids once used).
 */
export class CommandScript {
  private seq: number;
  private nextTransferId = 1;
  private readonly transferIds: number[] = [];

  constructor(firstSeq = 1) {
    this.seq = firstSeq;
  }

  /**
   * The fixed opening: accounts 1–4 (4 is the highest id the configuration allows, so the edges of
   * per-account loops see orders), deposits of every asset for each, and a few resting orders
   * around the middle of each band.
   */
  openingCommands(): EncodedCommand[] {
    const out: EncodedCommand[] = [];
    for (const accountId of [1, 2, 3, 4]) out.push(this.plain({ type: CommandType.ACCOUNT_CREATE, accountId }));
    for (const accountId of [1, 2, 3, 4]) {
      for (const [assetId, amount] of [
        [1, 300_000],
        [2, 4_000],
        [3, 400],
      ] as const) {
        out.push(this.plain({ type: CommandType.DEPOSIT, accountId, symbolId: assetId, qty: amount, targetId: this.newTransferId() }));
      }
    }
    for (const symbolId of [1, 2]) {
      const mid = MID_PRICE[symbolId] ?? 100;
      for (const [accountId, side, price] of [
        [1, Side.BUY, mid - 1],
        [2, Side.BUY, mid - 2],
        [3, Side.SELL, mid + 1],
        [4, Side.SELL, mid + 2],
      ] as const) {
        out.push(this.plain({ type: CommandType.PLACE_ORDER, accountId, symbolId, side, orderType: OrderType.LIMIT, tif: TimeInForce.GTC, price, qty: 8 }));
      }
    }
    return out;
  }

  private plain(fields: Partial<Command> & Pick<Command, 'type'>): EncodedCommand {
    return encodeWithPatches(command({ ...fields, seq: this.seq++, timestampUs: 0 }));
  }

  private newTransferId(): number {
    const id = this.nextTransferId;
    // Gaps in the ids leave room for ids that were never used yet are below the watermark.
    this.nextTransferId += 1 + (id % 3 === 0 ? 1 : 0);
    this.transferIds.push(id);
    return id;
  }

  resolve(step: Step, state: StateView): EncodedCommand {
    const seq = this.seq++;
    const patches: Array<readonly [number, Unsafe]> = [];
    let timestampUs: number;
    switch (step.clock.kind) {
      case 'same':
        timestampUs = state.nowUs;
        break;
      case 'advance':
        timestampUs = state.nowUs + step.clock.us;
        break;
      case 'back':
        timestampUs = Math.max(0, state.nowUs - step.clock.us);
        break;
      case 'negative':
        timestampUs = -1;
        if (step.clock.unsafe) patches.push([CMD_TIMESTAMP_US, 'i64max']);
        break;
    }
    // The core stamps time before it looks at the command, so due orders are judged at this time.
    const nowUs = Math.max(state.nowUs, timestampUs);
    const c = command({ type: CommandType.NOOP, seq, timestampUs });
    const op = step.op;
    switch (op.kind) {
      case 'place':
        this.resolvePlace(op, c, nowUs, patches);
        break;
      case 'cancel':
        c.type = CommandType.CANCEL_ORDER;
        c.accountId = op.account;
        c.symbolId = op.symbol;
        c.targetId = this.target(op.target, op.account, op.pick, state, seq);
        if (op.target === 'unsafe') patches.push([CMD_TARGET_ID, op.unsafe]);
        break;
      case 'amend':
        this.resolveAmend(op, c, state, seq, patches);
        break;
      case 'mass':
        c.type = CommandType.MASS_CANCEL;
        c.accountId = op.account;
        c.symbolId = op.symbol;
        c.reason = op.reason;
        break;
      case 'transfer':
        this.resolveTransfer(op, c, patches);
        break;
      case 'simple':
        c.type = op.type;
        c.accountId = op.account;
        c.symbolId = op.symbol;
        if (op.type === CommandType.API_KEY_REVOKE) c.targetId = op.symbol; // a small key number, some never given
        // Key material for most key commands, none for some (an account without a key, or INVALID_API_KEY).
        if ((op.type === CommandType.API_KEY_ADD || op.type === CommandType.ACCOUNT_CREATE) && op.symbol !== 0) c.keyMaterial = new Uint8Array(KEY_MATERIAL_BYTES).fill((seq % 251) + 1);
        break;
    }
    return encodeWithPatches(c, patches);
  }

  private resolvePlace(op: Extract<Op, { kind: 'place' }>, c: Command, nowUs: number, patches: Array<readonly [number, Unsafe]>): void {
    const mid = MID_PRICE[op.symbol] ?? 100;
    const isMarket = op.orderType === OrderType.MARKET || op.orderType === OrderType.STOP_MARKET;
    const isStop = op.orderType === OrderType.STOP_LIMIT || op.orderType === OrderType.STOP_MARKET;
    c.type = CommandType.PLACE_ORDER;
    c.accountId = op.account;
    c.symbolId = op.symbol;
    c.side = op.side;
    c.orderType = op.orderType;
    c.tif =
      op.orderType === OrderType.MARKET
        ? (MARKET_TIF_BY_CHOICE[op.tifChoice % MARKET_TIF_BY_CHOICE.length] as TimeInForce)
        : (TIF_BY_CHOICE[op.tifChoice % TIF_BY_CHOICE.length] as TimeInForce);
    c.stp = op.stp;
    c.price = isMarket && !op.explicitProtection ? 0 : mid + op.priceOffset;
    c.stopPrice = isStop ? mid + op.stopOffset : 0;
    c.qty = op.qty;
    c.expireAtUs = c.tif === TimeInForce.GTD ? nowUs + op.expireInUs : 0;
    c.clOrdId = op.clOrdId;
    const postOnlyFits = op.orderType === OrderType.LIMIT && (c.tif === TimeInForce.GTC || c.tif === TimeInForce.GTD);
    c.flags = op.postOnly && postOnlyFits ? FLAG_POST_ONLY : 0;
    switch (op.flaw) {
      case 'none':
        break;
      case 'qtyZero':
        c.qty = 0;
        break;
      case 'qtyNegative':
        c.qty = -op.qty;
        break;
      case 'qtyUnsafe':
        patches.push([CMD_QTY, op.unsafe]);
        break;
      case 'qtyAboveMax':
        c.qty = op.symbol === 2 ? 41 : 51;
        break;
      case 'qtyBelowMin':
        c.qty = 1;
        break;
      case 'priceZero':
        c.price = 0;
        break;
      case 'priceAboveMax':
        c.price = op.symbol === 2 ? 121 : 201;
        break;
      case 'priceNegative':
        c.price = -mid;
        break;
      case 'priceUnsafe':
        patches.push([CMD_PRICE, op.unsafe]);
        break;
      case 'stopOnNonStop':
        if (!isStop) c.stopPrice = mid;
        break;
      case 'stopMissing':
        c.stopPrice = isStop ? 0 : c.stopPrice;
        break;
      case 'expiryOnNonGtd':
        if (c.tif !== TimeInForce.GTD) c.expireAtUs = nowUs + 5;
        break;
      case 'gtdAlreadyDue':
        c.tif = TimeInForce.GTD;
        c.expireAtUs = nowUs;
        break;
      case 'gtdZero':
        c.tif = TimeInForce.GTD;
        c.expireAtUs = 0;
        break;
      case 'badSide':
        c.side = 2 + (op.qty % 200);
        break;
      case 'badType':
        c.orderType = op.qty % 2 === 0 ? 0 : 5;
        break;
      case 'badTif':
        c.tif = op.qty % 2 === 0 ? 0 : 5;
        break;
      case 'marketGtc':
        c.orderType = OrderType.MARKET;
        c.tif = op.qty % 2 === 0 ? TimeInForce.GTC : TimeInForce.GTD;
        c.expireAtUs = c.tif === TimeInForce.GTD ? nowUs + 5 : 0;
        break;
      case 'badStp':
        c.stp = 5 + (op.qty % 3);
        break;
      case 'badFlags':
        c.flags |= 2 << (op.qty % 7);
        break;
      case 'postOnlyMisplaced':
        c.flags = FLAG_POST_ONLY;
        break;
      case 'badClOrdId':
        c.clOrdId = op.qty % 2 === 0 ? 'has space' : 'tab\there';
        break;
    }
  }

  /** An order id for a cancel or an amend: usually one of the account's live orders. */
  private target(kind: TargetKind, account: number, pick: number, state: StateView, seq: number): number {
    switch (kind) {
      case 'own': {
        const own = state.liveOrders.filter((o) => o.account === account);
        const chosen = own[pick % Math.max(1, own.length)];
        return chosen !== undefined ? chosen.id : seq - 1 - (pick % Math.max(1, seq - 1));
      }
      case 'foreign': {
        const foreign = state.liveOrders.filter((o) => o.account !== account);
        const chosen = foreign[pick % Math.max(1, foreign.length)];
        return chosen !== undefined ? chosen.id : seq + 1000;
      }
      case 'done': {
        const live = new Set(state.liveOrders.map((o) => o.id));
        let id = 1 + (pick % Math.max(1, seq - 1));
        while (live.has(id)) id++;
        return id;
      }
      case 'negative':
        return -1 - (pick % 5);
      case 'unsafe':
        return 0; // patched
    }
  }

  private resolveAmend(op: Extract<Op, { kind: 'amend' }>, c: Command, state: StateView, seq: number, patches: Array<readonly [number, Unsafe]>): void {
    c.type = CommandType.AMEND_ORDER;
    c.accountId = op.account;
    c.targetId = this.target(op.target, op.account, op.pick, state, seq);
    if (op.target === 'unsafe') patches.push([CMD_TARGET_ID, op.unsafe]);
    const o = state.liveOrders.find((x) => x.id === c.targetId);
    c.symbolId = o?.symbol ?? 1;
    const price = o?.price ?? 100;
    const total = o === undefined ? 5 : o.leaves + o.filled;
    switch (op.price) {
      case 'keep':
        break;
      case 'explicitSame':
        c.price = price;
        break;
      case 'delta':
        c.price = Math.max(1, price + op.priceDelta);
        break;
      case 'aboveMax':
        c.price = 500;
        break;
      case 'negative':
        c.price = -price;
        break;
    }
    switch (op.qty) {
      case 'keep':
        break;
      case 'explicitSame':
        c.qty = total;
        break;
      case 'down':
        c.qty = Math.max(1, total - op.qtyDelta);
        break;
      case 'up':
        c.qty = total + op.qtyDelta;
        break;
      case 'toFilled':
        c.qty = Math.max(1, o?.filled ?? 1);
        break;
      case 'negative':
        c.qty = -op.qtyDelta;
        break;
      case 'unsafe':
        patches.push([CMD_QTY, op.unsafe]);
        break;
    }
    if (op.stop === 'delta') c.stopPrice = Math.max(1, (o?.stopPrice || price) + op.stopDelta);
  }

  private resolveTransfer(op: Extract<Op, { kind: 'transfer' }>, c: Command, patches: Array<readonly [number, Unsafe]>): void {
    c.type = op.deposit ? CommandType.DEPOSIT : CommandType.WITHDRAW;
    c.accountId = op.account;
    c.symbolId = op.asset;
    c.qty = op.amount;
    switch (op.amountFlaw) {
      case 'none':
        break;
      case 'zero':
        c.qty = 0;
        break;
      case 'negative':
        c.qty = -op.amount;
        break;
      case 'maxSafe':
        c.qty = Number.MAX_SAFE_INTEGER;
        break;
      case 'unsafe':
        patches.push([CMD_QTY, op.unsafe]);
        break;
    }
    switch (op.transfer) {
      case 'new':
        c.targetId = this.newTransferId();
        break;
      case 'repeat':
        c.targetId = this.transferIds[op.pick % this.transferIds.length] ?? 1;
        break;
      case 'below':
        c.targetId = 1 + (op.pick % Math.max(1, this.nextTransferId - 1));
        break;
      case 'zero':
        c.targetId = 0;
        break;
      case 'negative':
        c.targetId = -1 - (op.pick % 3);
        break;
      case 'unsafe':
        patches.push([CMD_TARGET_ID, op.unsafe]);
        break;
    }
  }
}
