/**
 * The wire messages: every message a client sends and the server answers, as TypeScript types
 * (one schema for JSON and msgpack frames). Validation of a decoded frame into one of these is
 * wire-schema.ts; docs/protocol.md describes the same messages for people, and the three change
 * together.
 */

export type WireSide = 'buy' | 'sell';
export type WireOrderType = 'limit' | 'market' | 'stop_limit' | 'stop_market';
export type WireTimeInForce = 'gtc' | 'ioc' | 'fok' | 'gtd';
export type WireStpMode = 'none' | 'cancel_taker' | 'cancel_maker' | 'cancel_both' | 'decrement_and_cancel';
export type WireChannel = 'book' | 'trades' | 'bbo';

export const WIRE_SIDES: readonly WireSide[] = ['buy', 'sell'];
export const WIRE_ORDER_TYPES: readonly WireOrderType[] = ['limit', 'market', 'stop_limit', 'stop_market'];
export const WIRE_TIMES_IN_FORCE: readonly WireTimeInForce[] = ['gtc', 'ioc', 'fok', 'gtd'];
export const WIRE_STP_MODES: readonly WireStpMode[] = ['none', 'cancel_taker', 'cancel_maker', 'cancel_both', 'decrement_and_cancel'];
export const WIRE_CHANNELS: readonly WireChannel[] = ['book', 'trades', 'bbo'];

// ───────────────────────────── client → server ─────────────────────────────

export type CancelOnDisconnect = boolean | 'session' | 'account';

export interface LoginMessage {
  type: 'login';
  id: number;
  account: number;
  apiKey: string;
  /**
   * Opt in to cancel-on-disconnect when this session ends: true or "session" cancels the orders
   * this session placed; "account" cancels every order of the account (a journaled mass cancel).
   */
  cancelOnDisconnect?: CancelOnDisconnect;
  /** Opt in to bundles: the messages of one server turn may come in one `bundle` frame. */
  bundle?: boolean;
}

export interface PlaceMessage {
  type: 'place';
  id: number;
  symbol: string;
  side: WireSide;
  orderType: WireOrderType;
  /** Default gtc for limit and stop_limit, ioc for market and stop_market. */
  tif?: WireTimeInForce;
  price?: string;
  stopPrice?: string;
  qty: string;
  clOrdId?: string;
  postOnly?: boolean;
  stp?: WireStpMode;
  /** gtd only: expiry time, µs since the Unix epoch. */
  expireAtUs?: number;
}

/** Exactly one of orderId and clOrdId names the order. */
export interface CancelMessage {
  type: 'cancel';
  id: number;
  orderId?: number;
  clOrdId?: string;
}

export interface AmendMessage {
  type: 'amend';
  id: number;
  orderId: number;
  /**
   * Optional: the gateway uses the order's own symbol (new price and quantity are converted with
   * its tick and lot sizes). A symbol that differs from the order's is refused.
   */
  symbol?: string;
  price?: string;
  /** New total quantity (filled + leaves). */
  qty?: string;
  stopPrice?: string;
}

export interface MassCancelMessage {
  type: 'mass_cancel';
  id: number;
  /** Omitted: every symbol. */
  symbol?: string;
}

export interface SubscribeMessage {
  type: 'subscribe';
  id: number;
  channel: WireChannel;
  symbol: string;
}

export interface UnsubscribeMessage {
  type: 'unsubscribe';
  id: number;
  channel: WireChannel;
  symbol: string;
}

/**
 * A page of the session's account's live orders in order id order, of one symbol when given: those
 * with an id above afterOrderId, at most limit (default and maximum 1000).
 */
export interface OpenOrdersQuery {
  type: 'open_orders';
  id: number;
  symbol?: string;
  afterOrderId?: number;
  limit?: number;
}

/** One order of the session's account, live or recently finished; exactly one of orderId and clOrdId. */
export interface OrderStatusQuery {
  type: 'order_status';
  id: number;
  orderId?: number;
  clOrdId?: string;
}

export interface BalancesQuery {
  type: 'balances';
  id: number;
}

/** The account's recent fills, oldest first: from fromSeq on when given, else the latest; at most limit (default and maximum 1000). */
export interface FillsQuery {
  type: 'fills';
  id: number;
  symbol?: string;
  fromSeq?: number;
  limit?: number;
}

/** Every symbol's configuration and status; public (no login needed). */
export interface SymbolsQuery {
  type: 'symbols';
  id: number;
}

export type QueryMessage = OpenOrdersQuery | OrderStatusQuery | BalancesQuery | FillsQuery | SymbolsQuery;

export interface PingMessage {
  type: 'ping';
  id: number;
}

/** Orders in one frame, each validated and answered on its own (by its own id). */
export interface BatchMessage {
  type: 'batch';
  id: number;
  orders: unknown[];
}

export type OrderMessage = PlaceMessage | CancelMessage | AmendMessage;
export type ClientMessage = LoginMessage | OrderMessage | MassCancelMessage | SubscribeMessage | UnsubscribeMessage | PingMessage | BatchMessage | QueryMessage;
export type ClientMessageType = ClientMessage['type'];

// ───────────────────────────── server → client ─────────────────────────────

/** [price, quantity, order count]; quantity "0" in a delta removes the level. */
export type WireLevel = [price: string, qty: string, count: number];

export interface LoggedInReply {
  type: 'logged_in';
  id: number;
  account: number;
  cancelOnDisconnect: CancelOnDisconnect;
}

/** The core accepted the command; for a place, orderId is the command's sequence. */
export interface AckReply {
  type: 'ack';
  id: number;
  orderId: number;
  seq: number;
  /** The order's client order id, when it has one. */
  clOrdId?: string;
}

export interface RejectReply {
  type: 'reject';
  /** The request's id, or null when the frame was too broken to carry one. */
  id: number | null;
  code: number;
  name: string;
  message: string;
  /** DUPLICATE_CLIENT_ORDER_ID: the order that already has the client order id. */
  orderId?: number;
}

export interface PongReply {
  type: 'pong';
  id: number;
}

export interface SubscribedReply {
  type: 'subscribed';
  id: number;
  channel: WireChannel;
  symbol: string;
  /** The channel's seq now: the next message of the channel is seq + 1 (book and bbo send a snapshot at seq). */
  seq: number;
}

export interface UnsubscribedReply {
  type: 'unsubscribed';
  id: number;
  channel: WireChannel;
  symbol: string;
}

export type ExecType = 'new' | 'partial_fill' | 'fill' | 'cancelled' | 'amended' | 'expired' | 'stop_triggered';
export type WireCancelReason = 'user' | 'unfilled' | 'self_trade' | 'expired' | 'disconnect' | 'kill_switch';

/**
 * An order's state change, sent to every logged-in session of the owning account. Always
 * qty = cumQty + leavesQty: qty is the quantity still in force, so a cancel reports the
 * cancelled quantity separately (cancelledQty) and leaves qty = cumQty.
 */
export interface ExecutionReport {
  type: 'execution';
  exec: ExecType;
  orderId: number;
  symbol: string;
  side: WireSide;
  qty: string;
  cumQty: string;
  leavesQty: string;
  /** new and amended: the order's limit price; stop_triggered: the trade price that triggered it. */
  price?: string;
  stopPrice?: string;
  clOrdId?: string;
  /** partial_fill and fill. */
  tradeId?: string;
  lastPrice?: string;
  lastQty?: string;
  fee?: string;
  feeAsset?: string;
  liquidity?: 'maker' | 'taker';
  /** cancelled and expired. */
  reason?: WireCancelReason;
  cancelledQty?: string;
  /** amended: whether the order kept its time priority. */
  priorityKept?: boolean;
  /** The sequence of the command that caused it, and that command's timestamp. */
  seq: number;
  timestampUs: number;
}

export type WireOrderStatus = 'new' | 'partially_filled' | 'filled' | 'cancelled' | 'expired';

/** An order as the queries show it; seq and timestampUs are those of the command that placed it. */
export interface WireOrder {
  orderId: number;
  clOrdId?: string;
  symbol: string;
  side: WireSide;
  orderType: WireOrderType;
  tif: WireTimeInForce;
  /** Limit price; absent for market and stop-market orders. */
  price?: string;
  stopPrice?: string;
  postOnly?: true;
  qty: string;
  cumQty: string;
  leavesQty: string;
  status: WireOrderStatus;
  seq: number;
  timestampUs: number;
}

export interface WireBalance {
  asset: string;
  available: string;
  reserved: string;
}

export interface WireFill {
  /** `seq-k`: the k-th trade of the command at seq; the same on both sides of the trade. */
  tradeId: string;
  orderId: number;
  clOrdId?: string;
  symbol: string;
  side: WireSide;
  price: string;
  qty: string;
  fee: string;
  feeAsset: string;
  liquidity: 'maker' | 'taker';
  seq: number;
  timestampUs: number;
}

export type WireSymbolStatus = 'trading' | 'halted';

export interface WireSymbol {
  symbol: string;
  base: string;
  quote: string;
  tickSize: string;
  lotSize: string;
  minQty: string;
  maxQty: string;
  maxPrice: string;
  maxNotional: string;
  makerFeeBps: number;
  takerFeeBps: number;
  status: WireSymbolStatus;
  /** The price the band is measured from (the last trade price), once there is one. */
  referencePrice?: string;
}

export interface OpenOrdersReply {
  type: 'open_orders';
  id: number;
  orders: WireOrder[];
  /** More live orders follow the last one of this page: ask again with its orderId as afterOrderId. */
  more: boolean;
}

export interface OrderStatusReply {
  type: 'order_status';
  id: number;
  order: WireOrder;
}

export interface BalancesReply {
  type: 'balances';
  id: number;
  balances: WireBalance[];
}

export interface FillsReply {
  type: 'fills';
  id: number;
  fills: WireFill[];
}

export interface SymbolsReply {
  type: 'symbols';
  id: number;
  symbols: WireSymbol[];
}

export type QueryReply = OpenOrdersReply | OrderStatusReply | BalancesReply | FillsReply | SymbolsReply;

export interface BalanceReport {
  type: 'balance';
  asset: string;
  available: string;
  reserved: string;
  seq: number;
}

/** Market data: `seq` counts the messages of one channel of one symbol, without gaps. */
export interface BookSnapshotMessage {
  type: 'book_snapshot';
  symbol: string;
  seq: number;
  bids: WireLevel[];
  asks: WireLevel[];
}

export interface BookDeltaMessage {
  type: 'book_delta';
  symbol: string;
  seq: number;
  bids: WireLevel[];
  asks: WireLevel[];
}

export interface TradeMessage {
  type: 'trade';
  symbol: string;
  seq: number;
  price: string;
  qty: string;
  takerSide: WireSide;
  timestampUs: number;
}

export interface BboMessage {
  type: 'bbo';
  symbol: string;
  seq: number;
  bidPrice: string | null;
  bidQty: string | null;
  askPrice: string | null;
  askQty: string | null;
}

/** The session was cut off from market data (slow consumer); it may subscribe again. */
export interface MarketDataDroppedMessage {
  type: 'md_dropped';
  code: number;
  name: string;
  message: string;
}

export type MarketDataMessage = BookSnapshotMessage | BookDeltaMessage | TradeMessage | BboMessage;
/**
 * Several messages to one session in one frame, in the order they would have come one by one;
 * sent only to a session whose login asked for it (`bundle: true`). Never nested.
 */
export interface BundleMessage {
  type: 'bundle';
  messages: BundledMessage[];
}

export type ServerMessage = BundledMessage | BundleMessage;

/** Every server message that travels alone or inside a bundle. */
export type BundledMessage =
  | LoggedInReply
  | AckReply
  | RejectReply
  | PongReply
  | SubscribedReply
  | UnsubscribedReply
  | ExecutionReport
  | BalanceReport
  | QueryReply
  | MarketDataMessage
  | MarketDataDroppedMessage;
