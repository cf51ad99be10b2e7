import { describe, expect, it } from 'vitest';
import { type DecodedEvent, decodedEvent } from '../engine/event-codec.js';
import { EventType } from '../engine/event-layout.js';
import { BUY, CommandType, type Fields, funded, type Harness, OrderType, QUOTE, SELL, TimeInForce } from '../testkit/unit-fixtures.js';
import { FILLS_PAGE_MAX, ReadModel, type ReadModelLimits } from './read-model.js';

/** A funded engine whose every event also goes into a read model. */
class Projected {
  readonly t: Harness = funded(3);
  readonly model: ReadModel;

  constructor(limits?: ReadModelLimits) {
    this.model = new ReadModel(limits);
    // The opening funding went through the harness before the model existed: replay its balances.
    for (const account of [1, 2, 3]) {
      for (const asset of [1, 2, 3]) {
        const b = this.t.balance(account, asset);
        this.model.apply({ ...event(CommandType.DEPOSIT), type: 7, accountId: account, symbolId: asset, qty: b.available, leavesQty: b.reserved });
      }
    }
  }

  submit(fields: Fields): DecodedEvent[] {
    const events = this.t.submit(fields);
    for (const ev of events) this.model.apply(ev);
    return events;
  }

  limit(accountId: number, side: number, price: number, qty: number, extra: Partial<Fields> = {}): number {
    const events = this.submit({ type: CommandType.PLACE_ORDER, symbolId: 1, orderType: OrderType.LIMIT, tif: TimeInForce.GTC, accountId, side, price, qty, ...extra });
    return events[0]!.orderId;
  }
}

function event(commandType: number): DecodedEvent {
  return decodedEvent({ type: EventType.ACCEPTED, commandType });
}

describe('read model', () => {
  it('pages open orders in order id order, by symbol, telling whether more follow', () => {
    const p = new Projected();
    const ids = [0, 1, 2, 3, 4].map((i) => p.limit(1, BUY, 100 - i, 1));
    const other = p.submit({ type: CommandType.PLACE_ORDER, symbolId: 2, orderType: OrderType.LIMIT, tif: TimeInForce.GTC, accountId: 1, side: BUY, price: 10, qty: 1 })[0]!.orderId;
    p.limit(2, BUY, 90, 1);
    const page = (afterOrderId: number, limit: number, symbolId?: number): [number[], boolean] => {
      const r = p.model.openOrdersPage(1, { afterOrderId, limit, ...(symbolId === undefined ? {} : { symbolId }) });
      return [r.orders.map((o) => o.orderId), r.more];
    };
    expect(page(-1, 2)).toEqual([ids.slice(0, 2), true]);
    expect(page(ids[1]!, 2)).toEqual([ids.slice(2, 4), true]);
    expect(page(ids[3]!, 2)).toEqual([[ids[4], other], false]);
    expect(page(other, 2)).toEqual([[], false]);
    expect(page(-1, 6)).toEqual([[...ids, other], false]);
    // A full page with nothing after it says so; the symbol filter counts only its own orders.
    expect(page(-1, 5, 1)).toEqual([ids, false]);
    expect(page(-1, 4, 1)).toEqual([ids.slice(0, 4), true]);
    expect(page(ids[0]!, 1, 2)).toEqual([[other], false]);
    expect(p.model.openOrdersPage(3, { afterOrderId: -1, limit: 10 })).toEqual({ orders: [], more: false });
    expect(() => p.model.openOrdersPage(1, { afterOrderId: -1, limit: 0 })).toThrow(/limit/);
  });

  it('follows an order from new through partial fill to filled, with one trade id on both sides', () => {
    const p = new Projected();
    const maker = p.limit(1, SELL, 100, 5, { clOrdId: 'm-1', timestampUs: 7 });
    expect(p.model.order(1, maker)).toMatchObject({ status: 'new', qty: 5, cumQty: 0, leavesQty: 5, clOrdId: 'm-1', seq: maker, timestampUs: 7, price: 100 });
    const takerEvents = p.submit({ type: CommandType.PLACE_ORDER, symbolId: 1, orderType: OrderType.LIMIT, tif: TimeInForce.GTC, accountId: 2, side: BUY, price: 100, qty: 3 });
    const taker = takerEvents[0]!.orderId;
    const trade = takerEvents.find((e) => e.type === 3)!;
    expect(p.model.order(1, maker)).toMatchObject({ status: 'partially_filled', cumQty: 3, leavesQty: 2 });
    expect(p.model.order(2, taker)).toMatchObject({ status: 'filled', cumQty: 3, leavesQty: 0 });
    expect(p.model.openOrders(2)).toEqual([]);
    const [makerFill] = p.model.fills(1, { limit: 10 });
    const [takerFill] = p.model.fills(2, { limit: 10 });
    expect(makerFill).toMatchObject({ tradeId: `${taker}-0`, orderId: maker, clOrdId: 'm-1', side: SELL, price: 100, qty: 3, liquidity: 'maker', seq: taker });
    expect(takerFill).toMatchObject({ tradeId: `${taker}-0`, orderId: taker, side: BUY, price: 100, qty: 3, liquidity: 'taker', seq: taker });
    expect([takerFill!.fee, makerFill!.fee]).toEqual([trade.takerFee, trade.makerFee]);
  });

  it('numbers the trades of one command 0, 1, 2 and answers a foreign order as unknown', () => {
    const p = new Projected();
    const a = p.limit(1, SELL, 100, 1);
    const b = p.limit(1, SELL, 101, 1);
    const sweep = p.limit(2, BUY, 101, 2);
    expect(p.model.fills(2, { limit: 10 }).map((f) => [f.tradeId, f.price])).toEqual([
      [`${sweep}-0`, 100],
      [`${sweep}-1`, 101],
    ]);
    expect(p.model.order(2, a)).toBeUndefined();
    expect(p.model.order(1, a)?.status).toBe('filled');
    expect(p.model.order(1, b)?.status).toBe('filled');
  });

  it('keeps cancelled and expired orders findable by id and client order id, within its window', () => {
    const p = new Projected({ finalOrdersMax: 2, fillsMax: 16 });
    const ids = ['x', 'y', 'z'].map((clOrdId) => p.limit(1, BUY, 90, 1, { clOrdId }));
    for (const id of ids) p.submit({ type: CommandType.CANCEL_ORDER, accountId: 1, targetId: id, symbolId: 1 });
    expect(p.model.order(1, ids[0]!)).toBeUndefined();
    expect(p.model.orderByClOrdId(1, 'x')).toBeUndefined();
    expect(p.model.orderByClOrdId(1, 'y')).toMatchObject({ orderId: ids[1], status: 'cancelled', leavesQty: 0, qty: 1 });
    expect(p.model.order(1, ids[2]!)?.status).toBe('cancelled');
    expect(p.model.sizes.finalOrders).toBe(2);
    // Many more: the window keeps exactly the newest two, in the order they finished.
    const more = Array.from({ length: 9 }, (_, i) => p.limit(1, BUY, 90, 1, { clOrdId: `m${i}` }));
    for (const id of more) p.submit({ type: CommandType.CANCEL_ORDER, accountId: 1, targetId: id, symbolId: 1 });
    expect(p.model.sizes.finalOrders).toBe(2);
    expect([...ids, ...more].filter((id) => p.model.order(1, id) !== undefined)).toEqual(more.slice(-2));
    expect(p.model.orderByClOrdId(1, 'm6')).toBeUndefined();
    const gtd = p.limit(1, BUY, 90, 1, { tif: TimeInForce.GTD, expireAtUs: 1_000, timestampUs: 500 });
    p.submit({ type: CommandType.TIMER_TICK, timestampUs: 2_000 });
    expect(p.model.order(1, gtd)?.status).toBe('expired');
  });

  it('pages fills from a sequence, by symbol, and bounds the window over all accounts', () => {
    const p = new Projected({ finalOrdersMax: 100, fillsMax: 6 });
    const seqs: number[] = [];
    for (let i = 0; i < 5; i++) {
      p.limit(1, SELL, 100, 1);
      seqs.push(p.limit(2, BUY, 100, 1));
    }
    // 5 trades, 2 fills each: only the newest 6 fills are kept, 3 per account.
    expect(p.model.sizes.fills).toBe(6);
    expect(p.model.fills(2, { limit: 10 }).map((f) => f.seq)).toEqual(seqs.slice(2));
    expect(p.model.fills(2, { limit: 2 }).map((f) => f.seq)).toEqual(seqs.slice(3));
    expect(p.model.fills(2, { fromSeq: seqs[3]!, limit: 10 }).map((f) => f.seq)).toEqual(seqs.slice(3));
    expect(p.model.fills(2, { fromSeq: seqs[2]!, limit: 1 }).map((f) => f.seq)).toEqual([seqs[2]]);
    expect(p.model.fills(2, { symbolId: 2, limit: 10 })).toEqual([]);
    expect(p.model.fills(3, { limit: 10 })).toEqual([]);
    expect(() => p.model.fills(2, { limit: FILLS_PAGE_MAX + 1 })).toThrow();
    expect(() => p.model.fills(2, { limit: 0 })).toThrow();
  });

  it("keeps a quiet account's history while busy accounts trade more than the whole window", () => {
    const limits = { finalOrdersMax: 20, fillsMax: 20, finalOrdersPerAccountMax: 5, fillsPerAccountMax: 5 };
    const busyTrading = (p: Projected): void => {
      for (let i = 0; i < 40; i++) {
        p.limit(1, SELL, 100, 1, { clOrdId: `mm-${i}` });
        p.limit(2, BUY, 100, 1);
      }
    };
    const quietHistory = (p: Projected): { filled: number; cancelled: number } => {
      const filled = p.limit(3, BUY, 100, 1, { clOrdId: 'quiet-filled' });
      p.limit(1, SELL, 100, 1);
      const cancelled = p.limit(3, BUY, 90, 1, { clOrdId: 'quiet-cancelled' });
      p.submit({ type: CommandType.CANCEL_ORDER, accountId: 3, targetId: cancelled, symbolId: 1 });
      return { filled, cancelled };
    };

    const p = new Projected(limits);
    const quiet = quietHistory(p);
    busyTrading(p);
    // 80 finished orders and 80 fills of accounts 1 and 2, far over the windows (20 each): each keeps its own 5.
    expect(p.model.order(3, quiet.filled)?.status).toBe('filled');
    expect(p.model.orderByClOrdId(3, 'quiet-cancelled')).toMatchObject({ orderId: quiet.cancelled, status: 'cancelled' });
    expect(p.model.fills(3, { limit: 10 }).map((f) => [f.orderId, f.liquidity])).toEqual([[quiet.filled, 'maker']]);
    expect(p.model.fills(1, { limit: 100 })).toHaveLength(5);
    expect(p.model.fills(2, { limit: 100 })).toHaveLength(5);
    expect(p.model.sizes).toMatchObject({ finalOrders: 12, fills: 11 });
    // The busy account's own old orders went, and their client order ids with them.
    expect(p.model.orderByClOrdId(1, 'mm-0')).toBeUndefined();
    expect(p.model.orderByClOrdId(1, 'mm-39')?.status).toBe('filled');
    expect(p.model.evictions).toEqual({ finalOrdersPerAccount: 80 + 1 - 10, finalOrdersTotal: 0, fillsPerAccount: 80 + 1 - 10, fillsTotal: 0 });
    // Saved and restored, the windows go on the same way.
    const restored = new ReadModel(limits);
    restored.restore(p.model.exportState());
    expect(restored.exportState()).toEqual(p.model.exportState());

    // One window over all accounts (the per-account caps at the total): the same trading pushes the quiet account out.
    const shared = new Projected({ finalOrdersMax: 20, fillsMax: 20, finalOrdersPerAccountMax: 20, fillsPerAccountMax: 20 });
    const gone = quietHistory(shared);
    busyTrading(shared);
    expect(shared.model.order(3, gone.filled)).toBeUndefined();
    expect(shared.model.orderByClOrdId(3, 'quiet-cancelled')).toBeUndefined();
    expect(shared.model.fills(3, { limit: 10 })).toEqual([]);
    expect(shared.model.evictions.fillsTotal).toBeGreaterThan(0);
  });

  it('refuses per-account limits outside 1..the total', () => {
    expect(() => new ReadModel({ finalOrdersMax: 10, fillsMax: 10, finalOrdersPerAccountMax: 11 })).toThrow(/finalOrdersPerAccountMax 11/);
    expect(() => new ReadModel({ finalOrdersMax: 10, fillsMax: 10, fillsPerAccountMax: 0 })).toThrow(/fillsPerAccountMax 0/);
    // Not given: the default, or the total when that is smaller.
    expect(() => new ReadModel({ finalOrdersMax: 10, fillsMax: 10 })).not.toThrow();
  });

  it('reports balances by asset and follows reservations', () => {
    const p = new Projected();
    const before = p.model.balance(1, QUOTE);
    p.limit(1, BUY, 100, 2);
    const after = p.model.balance(1, QUOTE);
    expect(after.reserved).toBeGreaterThan(before.reserved);
    expect(after.available + after.reserved).toBe(before.available + before.reserved);
    expect(p.model.balances(1).map((b) => b.assetId)).toEqual([1, 2, 3]);
    expect(p.model.balances(99)).toEqual([]);
  });

  it('pages accounts in id order whatever order they were created in, and follows blocks', () => {
    const model = new ReadModel();
    let seq = 1;
    for (const accountId of [10, 5, 7, 1]) model.apply({ ...event(CommandType.ACCOUNT_CREATE), seq: seq++, accountId });
    model.apply({ ...event(CommandType.ACCOUNT_BLOCK), seq: seq++, accountId: 7 });
    expect(model.accountPage(-1, 100)).toEqual([0, 1, 5, 7, 10]);
    expect(model.accountPage(1, 2)).toEqual([5, 7]);
    expect(model.accountPage(10, 2)).toEqual([]);
    expect(model.account(7)?.blocked).toBe(true);
    model.apply({ ...event(CommandType.ACCOUNT_UNBLOCK), seq: seq++, accountId: 7 });
    expect(model.account(7)?.blocked).toBe(false);
    expect(model.account(8)).toBeUndefined();
    expect(() => model.accountPage(0, 1_001)).toThrow();
  });

  it('refuses events that go back in sequence or name an order it does not hold', () => {
    const model = new ReadModel();
    model.apply({ ...event(CommandType.PLACE_ORDER), seq: 5, orderId: 5, qty: 1, accountId: 1, symbolId: 1, orderType: OrderType.LIMIT });
    expect(() => model.apply({ ...event(CommandType.PLACE_ORDER), seq: 4 })).toThrow(/after 5/);
    expect(() => model.apply({ ...event(CommandType.CANCEL_ORDER), type: 4, seq: 6, orderId: 99 })).toThrow(/not live/);
  });
});
