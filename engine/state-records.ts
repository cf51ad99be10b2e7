import type { AccountKeysRecord } from './account-keys.js';

/**
 * The engine's state as plain records (engine-state.ts captures, encodes and restores them).
 * A file of their own: the engine restores orders from them and engine-state builds engines, so
 * neither has to import the other both ways.
 */
export interface OrderRecord {
  id: number;
  accountId: number;
  symbolId: number;
  side: number;
  type: number;
  tif: number;
  flags: number;
  stp: number;
  state: number;
  price: number;
  stopPrice: number;
  leaves: number;
  filled: number;
  reserved: number;
  expireAtUs: number;
  clOrdId: string;
}

export interface AccountRecord {
  id: number;
  blocked: boolean;
  /** Per asset id 1..n. */
  available: number[];
  reserved: number[];
}

export interface BookRecord {
  symbolId: number;
  /** Halted for this symbol alone (SYMBOL_HALT); the kill switch for everything is tradingHalted. */
  halted: boolean;
  lastPrice: number;
  orders: OrderRecord[];
}

export interface EngineState {
  format: number;
  configFingerprint: string;
  nowUs: number;
  supply: number[];
  accounts: AccountRecord[];
  books: BookRecord[];
  transferWatermark: number;
  transferIds: number[];
  clientOrderIds: string[];
  /** The kill switch for everything (TRADING_HALT). */
  tradingHalted: boolean;
  /** API keys as salted hashes, by account id. */
  apiKeys: AccountKeysRecord[];
}
