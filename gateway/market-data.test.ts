import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CommandType, OrderType, Side, TimeInForce } from '../engine/command-layout.js';
import { CancelReason } from '../engine/event-layout.js';
import { fcParameters } from '../testkit/unit-fixtures.js';
import { ClientBook } from '../client/client-book.js';
import { formatUnits } from '../protocol/decimal.js';
import { type ChannelMessage, MarketData } from './market-data.js';
import { EngineFixture } from '../testkit/engine-fixture.js';
import type { BboMessage, BookDeltaMessage, WireLevel } from '../protocol/wire-schema.js';

const BTC = 1;

function limit(t: EngineFixture, accountId: number, side: Side, priceTicks: number, qtyLots: number) {
  return t.submit({ type: CommandType.PLACE_ORDER, accountId, symbolId: BTC, side, orderType: OrderType.LIMIT, tif: TimeInForce.GTC, price: priceTicks, qty: qtyLots });
}

function feed(md: MarketData, events: ReturnType<EngineFixture['submit']>): ChannelMessage[] {
  for (const ev of events) md.apply(ev);
  const out: ChannelMessage[] = [];
  md.flush(out);
  return out;
}

/** The core's own book, as wire levels: the ground truth the view must match. */
function engineLevels(t: EngineFixture, side: Side): WireLevel[] {
  const core = t.engine.engine;
  const bookSide = core.books[BTC]!.side(side);
  const symbol = t.wire.symbolById(BTC)!;
  const out: WireLevel[] = [];
  for (let depth = 0; depth < bookSide.size; depth++) {
    const l = bookSide.at(depth);
    out.push([formatUnits(core.levels.price[l] as number, symbol.tick), formatUnits(core.levels.total[l] as number, symbol.lot), core.levels.count[l] as number]);
  }
  return out;
}

describe('MarketData', () => {
  it('publishes book deltas, trades and bbo with gap-free per-channel seqs', () => {
    const t = new EngineFixture();
    const md = new MarketData(t.wire);
    expect(md.bookSnapshot(BTC)).toEqual({ type: 'book_snapshot', symbol: 'BTC-USD', seq: 0, bids: [], asks: [] });
    const first = feed(md, limit(t, 1, Side.SELL, 5_000_000, 10_000));
    expect(first.map((m) => [m.channel, m.message.seq])).toEqual([['book', 1], ['bbo', 1]]);
    expect(first[0]?.message).toEqual({ type: 'book_delta', symbol: 'BTC-USD', seq: 1, bids: [], asks: [['50000.00', '1.0000', 1]] });
    const trade = feed(md, limit(t, 2, Side.BUY, 5_000_000, 2_500));
    expect(trade.map((m) => m.message)).toEqual([
      { type: 'book_delta', symbol: 'BTC-USD', seq: 2, bids: [], asks: [['50000.00', '0.7500', 1]] },
      { type: 'trade', symbol: 'BTC-USD', seq: 1, price: '50000.00', qty: '0.2500', takerSide: 'buy', timestampUs: expect.any(Number) },
      { type: 'bbo', symbol: 'BTC-USD', seq: 2, bidPrice: null, bidQty: null, askPrice: '50000.00', askQty: '0.7500' },
    ]);
    expect(md.referencePriceTicks(BTC)).toBe(5_000_000);
    expect(md.channelSeq('trades', BTC)).toBe(1);
    // A command that changes nothing public publishes nothing.
    expect(feed(md, t.submit({ type: CommandType.CANCEL_ORDER, accountId: 1, targetId: 99_999 }))).toEqual([]);
  });

  it('uses the mid as reference price before the first trade, and tracks halts', () => {
    const t = new EngineFixture();
    const md = new MarketData(t.wire);
    expect(md.referencePriceTicks(BTC)).toBe(0);
    feed(md, limit(t, 1, Side.BUY, 100, 1));
    expect(md.referencePriceTicks(BTC)).toBe(0);
    feed(md, limit(t, 1, Side.SELL, 201, 1));
    expect(md.referencePriceTicks(BTC)).toBe(150);
    feed(md, t.submit({ type: CommandType.SYMBOL_HALT, symbolId: BTC }));
    expect([md.isTrading(BTC), md.isTrading(2)]).toEqual([false, true]);
    feed(md, t.submit({ type: CommandType.SYMBOL_RESUME, symbolId: BTC }));
    expect(md.isTrading(BTC)).toBe(true);
  });

  it('refuses a snapshot while changes are unflushed', () => {
    const t = new EngineFixture();
    const md = new MarketData(t.wire);
    for (const ev of limit(t, 1, Side.BUY, 100, 1)) md.apply(ev);
    expect(md.hasPending).toBe(true);
    expect(() => md.bookSnapshot(BTC)).toThrow(/unflushed/);
  });

  it('a client book from any snapshot plus the deltas equals the core book (property)', () => {
    const t = new EngineFixture(3);
    const md = new MarketData(t.wire);
    const command = fc.record({
      kind: fc.constantFrom('place', 'place', 'place', 'cancel', 'amend'),
      account: fc.integer({ min: 1, max: 3 }),
      side: fc.constantFrom(Side.BUY, Side.SELL),
      price: fc.integer({ min: 4_990_000, max: 5_010_000 }).map((p) => p - (p % 1_000)),
      qty: fc.integer({ min: 1, max: 5_000 }),
      pick: fc.nat(),
    });
    fc.assert(
      fc.property(fc.array(command, { minLength: 1, maxLength: 60 }), fc.nat(), (commands, subscribeAtRaw) => {
        const subscribeAt = subscribeAtRaw % commands.length;
        const client = new ClientBook('BTC-USD');
        const placed: number[] = [];
        let lastBbo: BboMessage | undefined;
        let lastBookSeq = md.channelSeq('book', BTC);
        commands.forEach((c, i) => {
          if (i === subscribeAt) client.applySnapshot(md.bookSnapshot(BTC));
          let events;
          if (c.kind === 'place' || placed.length === 0) {
            events = limit(t, c.account, c.side, c.price, c.qty);
            placed.push(events[0]?.seq ?? -1);
          } else {
            const target = placed[c.pick % placed.length] as number;
            const owner = c.account;
            events = c.kind === 'cancel'
              ? t.submit({ type: CommandType.CANCEL_ORDER, accountId: owner, targetId: target })
              : t.submit({ type: CommandType.AMEND_ORDER, accountId: owner, symbolId: BTC, targetId: target, price: c.price });
          }
          for (const m of feed(md, events)) {
            if (m.message.type === 'book_delta') {
              expect(m.message.seq).toBe(++lastBookSeq);
              if (client.valid) expect(client.applyDelta(m.message as BookDeltaMessage)).toBe('applied');
            }
            if (m.message.type === 'bbo' && m.symbolId === BTC) lastBbo = m.message;
          }
        });
        const bids = engineLevels(t, Side.BUY);
        const asks = engineLevels(t, Side.SELL);
        expect(md.bookSnapshot(BTC)).toMatchObject({ bids, asks });
        expect([client.bids(), client.asks()]).toEqual([bids, asks]);
        if (lastBbo !== undefined) expect([lastBbo.bidPrice, lastBbo.askPrice]).toEqual([bids[0]?.[0] ?? null, asks[0]?.[0] ?? null]);
        // Leave an empty book for the next run.
        feed(md, t.submit({ type: CommandType.MASS_CANCEL, accountId: 0, reason: CancelReason.KILL_SWITCH }));
        expect(md.bookSnapshot(BTC)).toMatchObject({ bids: [], asks: [] });
      }),
      { ...fcParameters(60), verbose: true },
    );
  });
});
