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
