import { CommandType, Side } from '../engine/command-layout.js';
import { decodedEvent } from '../engine/event-codec.js';
import { EventType } from '../engine/event-layout.js';
import type { EngineState } from '../engine/engine-state.js';
import { OrderState } from '../engine/order-pool.js';
import type { ChannelMessage, MarketData } from './market-data.js';

/**
 * Brings a fresh market-data view up to a recovered engine state, so that the first subscriber
 * after a restart gets the real book and the price band has its reference price. The view is
 * built from events only, so the state is replayed into it as the events that would have built
 * it: one BOOK_LEVEL per resting level (summed from the resting orders), a halt for each halted
 * symbol, and one TRADE at the last trade price. The messages this produces are flushed and
 * discarded (nobody is subscribed before the server is ready); channel sequences then start
 * after them, which a client cannot tell from any other point in a channel's life.
 */
export function seedMarketData(market: MarketData, state: EngineState): void {
  for (const book of state.books) {
    const levels = new Map<string, { side: number; price: number; qty: number; count: number }>();
    for (const o of book.orders) {
      if (o.state !== OrderState.RESTING) continue;
      if (!(o.leaves > 0 && o.price > 0)) throw new Error(`recovered order ${o.id}: resting with leaves ${o.leaves} at ${o.price}`);
      const key = `${o.side}:${o.price}`;
      const level = levels.get(key) ?? { side: o.side, price: o.price, qty: 0, count: 0 };
      level.qty += o.leaves;
      level.count += 1;
      levels.set(key, level);
    }
    for (const l of levels.values()) {
      market.apply(decodedEvent({ type: EventType.BOOK_LEVEL, symbolId: book.symbolId, side: l.side === Side.BUY ? Side.BUY : Side.SELL, price: l.price, qty: l.qty, leavesQty: l.count }));
    }
    if (book.lastPrice > 0) market.apply(decodedEvent({ type: EventType.TRADE, symbolId: book.symbolId, price: book.lastPrice, qty: 1 }));
    if (book.halted) market.apply(decodedEvent({ type: EventType.ACCEPTED, commandType: CommandType.SYMBOL_HALT, symbolId: book.symbolId }));
  }
  const discarded: ChannelMessage[] = [];
  market.flush(discarded);
  if (market.hasPending) throw new Error('market data still pending after the seed flush');
}

