import { OrderType, TimeInForce } from '../engine/command-layout.js';
import type { WireOrderType, WireTimeInForce } from '../protocol/wire-schema.js';

// The wire's order types and times in force as the core's codes: for the translation of a place
// order (order-translation.ts) and for the field-combination rules the gateway shares with the
// core (pre-trade-risk.ts, engine/order-rules.ts).
export const ORDER_TYPES: Readonly<Record<WireOrderType, OrderType>> = {
  limit: OrderType.LIMIT,
  market: OrderType.MARKET,
  stop_limit: OrderType.STOP_LIMIT,
  stop_market: OrderType.STOP_MARKET,
};
export const TIMES_IN_FORCE: Readonly<Record<WireTimeInForce, TimeInForce>> = {
  gtc: TimeInForce.GTC,
  ioc: TimeInForce.IOC,
  fok: TimeInForce.FOK,
  gtd: TimeInForce.GTD,
};

/** The same tables read the other way, core code to wire word: for the queries' order views. */
export const WIRE_ORDER_TYPE_OF: ReadonlyMap<number, WireOrderType> = reverse(ORDER_TYPES);
export const WIRE_TIF_OF: ReadonlyMap<number, WireTimeInForce> = reverse(TIMES_IN_FORCE);

function reverse<W extends string>(table: Readonly<Record<W, number>>): ReadonlyMap<number, W> {
  const out = new Map<number, W>();
  for (const [word, code] of Object.entries(table) as Array<[W, number]>) {
    if (out.has(code)) throw new Error(`wire table: code ${code} named twice`);
    out.set(code, word);
  }
  return out;
}
