import { assert } from './assert.js';
import { Side } from './command-layout.js';
import type { MatchingEngine } from './matching-engine.js';
import type { OrderBook } from './order-book.js';
import {
  B_SIDE,
  B_STATE,
  B_STRIDE,
  F_FILLED,
  F_ID,
  F_LEAVES,
  F_PRICE,
  F_RESERVED,
  F_STOP_PRICE,
  F_STRIDE,
  I_ACCOUNT,
  I_ACCT_NEXT,
  I_LEVEL,
  I_NEXT,
  I_PREV,
  I_STRIDE,
  I_SYMBOL,
  NIL,
  OrderState,
} from './order-pool.js';
import { BPS_DENOMINATOR, FEE_ACCOUNT_ID } from './symbol-config.js';
import { mulDivFloor } from './int64.js';

/**
 * A full walk of the engine's state that asserts every invariant the design promises. It costs
 * O(state), so tests call it after every command and the engine never does on the hot path:
 *
 *   - no book is crossed; levels are strictly sorted; a level's total and count equal the sum
 *     and number of its orders; every order is on the level it points to, with leaves > 0;
 *   - no order is filled beyond its quantity (leaves, filled >= 0 and integers);
 *   - every live order is indexed, linked in its account's list in order id order, and counted;
 *   - each order's reservation equals what its leaves need (risk on) and an account's reserved
 *     balance per asset equals the sum over its orders;
 *   - no balance is negative, and per asset the sum of available + reserved over all accounts,
 *     the fee account included, equals deposits minus withdrawals.
 */
export function checkInvariants(engine: MatchingEngine): void {
  const reservedByAccountAsset = new Map<number, number>();
  let live = 0;
  for (const cfg of engine.config.symbols) {
    const book = engine.books[cfg.id] as OrderBook;
    live += checkSide(engine, book, Side.BUY, reservedByAccountAsset);
    live += checkSide(engine, book, Side.SELL, reservedByAccountAsset);
    live += checkStops(engine, book, reservedByAccountAsset);
    const bid = book.bids.best();
    const ask = book.asks.best();
    if (bid !== NIL && ask !== NIL) {
      assert((engine.levels.price[bid] as number) < (engine.levels.price[ask] as number), `symbol ${cfg.id}: book crossed`);
    }
  }
  assert(live === engine.liveOrders && live === engine.orders.live, `live orders: books ${live}, index ${engine.liveOrders}, pool ${engine.orders.live}`);
  checkAccounts(engine, reservedByAccountAsset);
}

function checkOrder(engine: MatchingEngine, h: number, book: OrderBook, reserved: Map<number, number>): void {
  const { F, I, B } = engine.orders;
  const f = h * F_STRIDE;
  const id = F[f + F_ID] as number;
  const leaves = F[f + F_LEAVES] as number;
  const filled = F[f + F_FILLED] as number;
  assert(Number.isSafeInteger(leaves) && leaves > 0, `order ${id}: leaves ${leaves}`);
  assert(Number.isSafeInteger(filled) && filled >= 0, `order ${id}: filled ${filled}`);
  assert(leaves + filled <= book.config.maxQty, `order ${id}: filled beyond its quantity`);
  assert(engine.handleOf(id) === h, `order ${id}: not indexed at its handle`);
  assert(I[h * I_STRIDE + I_SYMBOL] === book.config.id, `order ${id}: symbol`);
  const side = B[h * B_STRIDE + B_SIDE] as number;
  const r = F[f + F_RESERVED] as number;
  if (engine.config.riskEnabled) {
    const cfg = book.config;
    let needed: number;
    if (side === Side.SELL) needed = leaves * cfg.baseLotUnits;
    else {
      const notional = (F[f + F_PRICE] as number) * leaves * cfg.quoteTickUnits;
      needed = notional + mulDivFloor(notional, Math.max(cfg.makerFeeBps, cfg.takerFeeBps), BPS_DENOMINATOR);
    }
    assert(r === needed, `order ${id}: reserves ${r}, its leaves need ${needed}`);
  } else {
    assert(r === 0, `order ${id}: reserves ${r} with risk off`);
  }
  const asset = side === Side.BUY ? book.config.quoteAssetId : book.config.baseAssetId;
  const key = engine.accounts.slot(I[h * I_STRIDE + I_ACCOUNT] as number, asset);
  reserved.set(key, (reserved.get(key) ?? 0) + r);
}

function checkSide(engine: MatchingEngine, book: OrderBook, side: Side, reserved: Map<number, number>): number {
  const bookSide = book.side(side);
  const levels = engine.levels;
  const o = engine.orders;
  const { F, I, B } = o;
  let count = 0;
  let previous = side === Side.BUY ? Infinity : -Infinity;
  for (let depth = 0; depth < bookSide.size; depth++) {
    const level = bookSide.at(depth);
    const price = levels.price[level] as number;
    assert(side === Side.BUY ? price < previous : price > previous, `symbol ${book.config.id}: levels out of order at ${price}`);
    previous = price;
    let total = 0;
    let n = 0;
    let prev = NIL;
    for (let h = levels.head[level] as number; h !== NIL; h = I[h * I_STRIDE + I_NEXT] as number) {
      assert(n <= o.capacity, 'level queue bound');
      const f = h * F_STRIDE;
      const i = h * I_STRIDE;
      const id = F[f + F_ID] as number;
      assert(B[h * B_STRIDE + B_STATE] === OrderState.RESTING && I[i + I_LEVEL] === level && I[i + I_PREV] === prev, `order ${id}: queue links`);
      assert(F[f + F_PRICE] === price && B[h * B_STRIDE + B_SIDE] === side, `order ${id}: on the wrong level`);
      checkOrder(engine, h, book, reserved);
      total += F[f + F_LEAVES] as number;
      n++;
      prev = h;
    }
    assert(levels.tail[level] === prev, `level ${price}: tail`);
    assert(n > 0 && levels.count[level] === n, `level ${price}: count ${levels.count[level]} != ${n}`);
    assert(levels.total[level] === total, `level ${price}: total ${levels.total[level]} != ${total}`);
    count += n;
  }
  return count;
}

function checkStops(engine: MatchingEngine, book: OrderBook, reserved: Map<number, number>): number {
  const { F, B } = engine.orders;
  for (const h of [...book.buyStops, ...book.sellStops]) {
    const id = F[h * F_STRIDE + F_ID] as number;
    const state = B[h * B_STRIDE + B_STATE] as number;
    assert(state === OrderState.STOP_PENDING, `stop ${id}: state ${state}`);
    assert(!book.triggers(B[h * B_STRIDE + B_SIDE] as number, F[h * F_STRIDE + F_STOP_PRICE] as number) || book.halted, `stop ${id}: triggered but pending`);
    checkOrder(engine, h, book, reserved);
  }
  return book.buyStops.length + book.sellStops.length;
}

function checkAccounts(engine: MatchingEngine, reserved: Map<number, number>): void {
  const a = engine.accounts;
  const assetCount = engine.config.assets.length;
  const totals = new Array<number>(assetCount + 1).fill(0);
  for (let id = 0; id <= engine.config.maxAccounts; id++) {
    if (a.exists[id] !== 1) {
      assert(a.openOrders[id] === 0 && a.orderHead[id] === NIL, `unknown account ${id} has orders`);
      continue;
    }
    let n = 0;
    let lastId = -1;
    const { F, I } = engine.orders;
    for (let h = a.orderHead[id] as number; h !== NIL; h = I[h * I_STRIDE + I_ACCT_NEXT] as number) {
      assert(n < engine.orders.capacity, 'account order list bound');
      assert(I[h * I_STRIDE + I_ACCOUNT] === id, `account ${id}: foreign order in its list`);
      const orderId = F[h * F_STRIDE + F_ID] as number;
      assert(orderId > lastId, `account ${id}: orders out of id order`);
      lastId = orderId;
      n++;
    }
    assert(a.openOrders[id] === n, `account ${id}: open orders ${a.openOrders[id]} != ${n}`);
    assert(id !== FEE_ACCOUNT_ID || n === 0, 'the fee account has orders');
    for (let asset = 1; asset <= assetCount; asset++) {
      const slot = a.slot(id, asset);
      const available = a.available[slot] as number;
      const held = a.reserved[slot] as number;
      assert(Number.isSafeInteger(available) && available >= 0, `account ${id} asset ${asset}: available ${available}`);
      assert(held === (reserved.get(slot) ?? 0), `account ${id} asset ${asset}: reserved ${held} != orders' ${reserved.get(slot) ?? 0}`);
      totals[asset] = (totals[asset] as number) + available + held;
    }
  }
  for (let asset = 1; asset <= assetCount; asset++) {
    assert(totals[asset] === a.supply[asset], `asset ${asset}: balances sum to ${totals[asset]}, supply is ${a.supply[asset]}`);
  }
}
