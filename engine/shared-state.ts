import type { Accounts } from './accounts.js';
import type { ClientOrderIds } from './client-order-ids.js';
import type { EventSink } from './event-sink.js';
import type { ExpiryQueue } from './expiry-queue.js';
import type { OrderBook } from './order-book.js';
import type { OrderIndex } from './order-index.js';
import type { OrderPool } from './order-pool.js';
import type { LevelPool } from './price-levels.js';
import type { EngineConfig } from './symbol-config.js';
import type { AccountKeys } from './account-keys.js';
import type { TransferWindow } from './transfer-window.js';

/** The kill switch for everything, as state: while halted, every book is halted too. */
export interface TradingSwitch {
  halted: boolean;
}

/**
 * The state the matching engine owns and hands to its parts (matching-engine.ts): the pools,
 * books, accounts and windows that the state hash covers (engine-state.ts), and the sink every
 * part reports to. Each part copies what it uses into readonly fields of its own, so that the
 * hot path reads them as fields of a stable class.
 */
export interface SharedState {
  readonly config: EngineConfig;
  readonly orders: OrderPool;
  readonly levels: LevelPool;
  readonly books: OrderBook[];
  readonly accounts: Accounts;
  readonly index: OrderIndex;
  readonly clOrdIds: ClientOrderIds;
  /** Client order id keys of live orders that have one, by order handle. */
  readonly clOrdIdKeyByHandle: Map<number, string>;
  readonly expiries: ExpiryQueue;
  readonly transfers: TransferWindow;
  readonly keys: AccountKeys;
  readonly trading: TradingSwitch;
  readonly sink: EventSink;
}
