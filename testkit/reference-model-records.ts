import { OrderType, type Side, type StpMode, type TimeInForce } from '../engine/command-layout.js';
import type { DecodedEvent } from '../engine/event-codec.js';

// The reference model's records and its exact arithmetic (reference-model.ts).

export type OrderStatus = 'active' | 'resting' | 'stop';

export interface ModelOrder {
  id: number;
  account: number;
  symbol: number;
  side: Side;
  type: OrderType;
  tif: TimeInForce;
  flags: number;
  stp: StpMode;
  /** Limit price; for a market order its protection price (0 = no liquidity, cannot trade). */
  price: number;
  stopPrice: number;
  leaves: number;
  filled: number;
  reserved: number;
  expireAtUs: number;
  clOrdId: string;
  status: OrderStatus;
  /** Time priority: a fresh number each time the order joins a price level's queue. */
  priority: number;
}

export interface Balance {
  available: number;
  reserved: number;
}

/** Everything matching can change, saved so that a trial match can be undone. */
export interface SavedState {
  orders: Array<{ ref: ModelOrder; copy: ModelOrder }>;
  balances: Map<string, Balance>;
  lastPrice: Map<number, number>;
  priorityCounter: number;
  events: DecodedEvent[];
  touchedBalances: string[];
  touchedLevels: string[];
}

export const MAX_SAFE = Number.MAX_SAFE_INTEGER;
export const FEE_ACCOUNT = 0;

export function intIn(value: number, min: number, max: number): boolean {
  return Number.isSafeInteger(value) && value >= min && value <= max;
}

/** floor(amount × bps / 10 000), exactly. */
export function feeOf(amount: number, bps: number): number {
  return Number((BigInt(amount) * BigInt(bps)) / 10_000n);
}

export function isMarketType(type: number): boolean {
  return type === OrderType.MARKET || type === OrderType.STOP_MARKET;
}

export function isStopType(type: number): boolean {
  return type === OrderType.STOP_LIMIT || type === OrderType.STOP_MARKET;
}
