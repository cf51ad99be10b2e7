import { ResultCode } from '../engine/result-code.js';
import { type Command, command, NO_KEY_MATERIAL } from '../engine/command-codec.js';
import { CommandType, FLAG_POST_ONLY, Side, StpMode } from '../engine/command-layout.js';
import type { DecodedEvent } from '../engine/event-codec.js';
import { CancelReason, EVENT_FLAG_PRIORITY_KEPT, EventType } from '../engine/event-layout.js';
import { formatUnits } from '../protocol/decimal.js';
import { coreError, type GatewayError } from '../protocol/gateway-codes.js';
import { type CheckedAmend, type CheckedPlace, defaultTif } from './pre-trade-risk.js';
import { ORDER_TYPES, TIMES_IN_FORCE } from './wire-order-enums.js';
import type { SymbolWire, WireConfig } from '../protocol/wire-config.js';
import type {
  AckReply,
  AmendMessage,
  BalanceReport,
  ExecutionReport,
  PlaceMessage,
  RejectReply,
  WireCancelReason,
  WireSide,
  WireStpMode,
} from '../protocol/wire-schema.js';

/**
 * Translation between the wire and the core, both ways:
 *
 *   validated wire order + risk-checked units ──▶ Command (engine enums, account from the session)
 *   DecodedEvent ──▶ ack / reject for the requester, execution reports and balances for the owner
 *
 * The producer stamps `seq` when it claims a ring slot; commands leave here with seq 0.
 */

const SIDES: Readonly<Record<WireSide, Side>> = { buy: Side.BUY, sell: Side.SELL };
const STP_MODES: Readonly<Record<WireStpMode, StpMode>> = {
  none: StpMode.NONE,
  cancel_taker: StpMode.CANCEL_TAKER,
  cancel_maker: StpMode.CANCEL_MAKER,
  cancel_both: StpMode.CANCEL_BOTH,
  decrement_and_cancel: StpMode.DECREMENT_AND_CANCEL,
};

function checkAccount(accountId: number): void {
  if (!Number.isInteger(accountId) || accountId < 1) throw new Error(`order command for account ${accountId}: a session must be logged in`);
}

export function placeCommand(msg: PlaceMessage, checked: CheckedPlace, accountId: number, timestampUs: number): Command {
  checkAccount(accountId);
  if (checked.symbol.name !== msg.symbol) throw new Error(`risk result for ${checked.symbol.name}, message for ${msg.symbol}`);
  // Every field written out rather than through command(): its defaults-then-spread literal
  // copies the given fields one by one, a measurable cost once per order.
  return {
    type: CommandType.PLACE_ORDER,
    seq: 0,
    timestampUs,
    accountId,
    symbolId: checked.symbol.id,
    side: SIDES[msg.side],
    orderType: ORDER_TYPES[msg.orderType],
    tif: TIMES_IN_FORCE[msg.tif ?? defaultTif(msg.orderType)],
    flags: msg.postOnly === true ? FLAG_POST_ONLY : 0,
    stp: STP_MODES[msg.stp ?? 'none'],
    reason: 0,
    price: checked.priceTicks,
    stopPrice: checked.stopPriceTicks,
    qty: checked.qtyLots,
    targetId: 0,
    expireAtUs: msg.expireAtUs ?? 0,
    clOrdId: msg.clOrdId ?? '',
    keyMaterial: NO_KEY_MATERIAL,
  };
}

export function cancelCommand(orderId: number, accountId: number, timestampUs: number): Command {
  checkAccount(accountId);
  return command({ type: CommandType.CANCEL_ORDER, timestampUs, accountId, targetId: orderId });
}

export function amendCommand(msg: AmendMessage, checked: CheckedAmend, accountId: number, timestampUs: number): Command {
  checkAccount(accountId);
  return command({
    type: CommandType.AMEND_ORDER,
    timestampUs,
    accountId,
    symbolId: checked.symbol.id,
    targetId: msg.orderId,
    price: checked.priceTicks,
    stopPrice: checked.stopPriceTicks,
    qty: checked.qtyLots,
  });
}

/**
 * A mass cancel: an account's orders (of one symbol, or all with symbolId 0) for a user or a
 * cancel-on-disconnect; every account's (accountId 0) for the admin kill switch.
 */
export function massCancelCommand(accountId: number, symbolId: number, reason: CancelReason.USER | CancelReason.DISCONNECT | CancelReason.KILL_SWITCH, timestampUs: number): Command {
  if ((accountId === 0) !== (reason === CancelReason.KILL_SWITCH)) throw new Error(`mass cancel of account ${accountId} with reason ${reason}: only the kill switch covers every account`);
  return command({ type: CommandType.MASS_CANCEL, timestampUs, accountId, symbolId, reason });
}

// ───────────────────────────── events → wire ─────────────────────────────

/** What the replies and reports need to know of orders beyond their events (the read model). */
export interface OrderLookup {
  /** The client order id of an order of the account (live or recently finished), '' for none. */
  clOrdIdOf(accountId: number, orderId: number): string;
  /** The order of the account that has this client order id, or undefined. */
  orderIdOf(accountId: number, clOrdId: string): number | undefined;
  /** The trade id of the TRADE event just applied. */
  readonly lastTradeId: string;
}

/** The ack of an accepted command, with the order's client order id when it has one. */
export function ackReply(ev: DecodedEvent, requestId: number, orders: OrderLookup): AckReply {
  if (ev.type !== EventType.ACCEPTED) throw new Error(`ack for event type ${ev.type}`);
  const clOrdId = ev.clOrdId !== '' ? ev.clOrdId : ev.orderId === 0 ? '' : orders.clOrdIdOf(ev.accountId, ev.orderId);
  return clOrdId === '' ? { type: 'ack', id: requestId, orderId: ev.orderId, seq: ev.seq } : { type: 'ack', id: requestId, orderId: ev.orderId, seq: ev.seq, clOrdId };
}

/** The reject of a refused command; a duplicate client order id names the order that has it. */
export function rejectReply(ev: DecodedEvent, requestId: number, orders: OrderLookup | null = null): RejectReply {
  if (ev.type !== EventType.REJECTED) throw new Error(`reject for event type ${ev.type}`);
  const reply = refusalReply(coreError(ev.code), requestId);
  if (ev.code === ResultCode.DUPLICATE_CLIENT_ORDER_ID && orders !== null && ev.clOrdId !== '') {
    const existing = orders.orderIdOf(ev.accountId, ev.clOrdId);
    if (existing !== undefined) reply.orderId = existing;
  }
  return reply;
}

/** A gateway refusal (or a core one) as a reply. */
export function refusalReply(error: GatewayError, requestId: number | null): RejectReply {
  const reply: RejectReply = { type: 'reject', id: requestId, code: error.code, name: error.name, message: error.message };
  if (error.leader !== undefined) reply.leader = error.leader;
  return reply;
}

/** A message for every logged-in session of one account. */
export interface AccountMessage {
  readonly accountId: number;
  readonly message: ExecutionReport | BalanceReport;
}

const CANCEL_REASONS: Readonly<Record<CancelReason, WireCancelReason>> = {
  [CancelReason.USER]: 'user',
  [CancelReason.UNFILLED]: 'unfilled',
  [CancelReason.SELF_TRADE]: 'self_trade',
  [CancelReason.EXPIRED]: 'expired',
  [CancelReason.DISCONNECT]: 'disconnect',
  [CancelReason.KILL_SWITCH]: 'kill_switch',
};

function wireSide(side: number): WireSide {
  if (side === Side.BUY) return 'buy';
  if (side === Side.SELL) return 'sell';
  throw new Error(`event side ${side}`);
}

function symbolOf(ev: DecodedEvent, wire: WireConfig): SymbolWire {
  const symbol = wire.symbolById(ev.symbolId);
  if (symbol === undefined) throw new Error(`event for unknown symbol ${ev.symbolId}: gateway and core configurations differ`);
  return symbol;
}

/** The fields every execution report has; qty = cumQty + leavesQty by construction. */
function report(exec: ExecutionReport['exec'], ev: DecodedEvent, s: SymbolWire, orderId: number, side: number, cumLots: number, leavesLots: number): ExecutionReport {
  if (!(cumLots >= 0 && leavesLots >= 0)) throw new Error(`event ${ev.seq}: negative cum ${cumLots} or leaves ${leavesLots}`);
  return {
    type: 'execution',
    exec,
    orderId,
    symbol: s.name,
    side: wireSide(side),
    qty: formatUnits(cumLots + leavesLots, s.lot),
    cumQty: formatUnits(cumLots, s.lot),
    leavesQty: formatUnits(leavesLots, s.lot),
    seq: ev.seq,
    timestampUs: ev.timestampUs,
  };
}

function withClOrdId(r: ExecutionReport, clOrdId: string): void {
  if (clOrdId !== '') r.clOrdId = clOrdId;
}

/**
 * Appends the account messages an event causes to `out` (0, 1 or 2: a trade reports to the
 * taker and to the maker). Acks and rejects are not here: they answer a request, not an account.
 */
export function accountMessages(ev: DecodedEvent, wire: WireConfig, orders: OrderLookup, out: AccountMessage[]): void {
  switch (ev.type) {
    case EventType.ACCEPTED: {
      if (ev.commandType !== CommandType.PLACE_ORDER) return;
      const s = symbolOf(ev, wire);
      const r = report('new', ev, s, ev.orderId, ev.side, 0, ev.qty);
      if (ev.price !== 0) r.price = formatUnits(ev.price, s.tick);
      if (ev.stopPrice !== 0) r.stopPrice = formatUnits(ev.stopPrice, s.tick);
      if (ev.clOrdId !== '') r.clOrdId = ev.clOrdId;
      out.push({ accountId: ev.accountId, message: r });
      return;
    }
    case EventType.TRADE: {
      const s = symbolOf(ev, wire);
      const tradeId = orders.lastTradeId;
      const fill = (accountId: number, orderId: number, side: number, cum: number, leaves: number, fee: number, liquidity: 'maker' | 'taker'): ExecutionReport => {
        const r = report(leaves === 0 ? 'fill' : 'partial_fill', ev, s, orderId, side, cum, leaves);
        withClOrdId(r, orders.clOrdIdOf(accountId, orderId));
        r.tradeId = tradeId;
        r.lastPrice = formatUnits(ev.price, s.tick);
        r.lastQty = formatUnits(ev.qty, s.lot);
        r.fee = formatUnits(fee, s.quote.unit);
        r.feeAsset = s.quote.name;
        r.liquidity = liquidity;
        return r;
      };
      const makerSide = ev.side === Side.BUY ? Side.SELL : Side.BUY;
      out.push({ accountId: ev.accountId, message: fill(ev.accountId, ev.orderId, ev.side, ev.cumQty, ev.leavesQty, ev.takerFee, 'taker') });
      out.push({ accountId: ev.makerAccountId, message: fill(ev.makerAccountId, ev.makerOrderId, makerSide, ev.makerCumQty, ev.makerLeavesQty, ev.makerFee, 'maker') });
      return;
    }
    case EventType.CANCELLED: {
      const s = symbolOf(ev, wire);
      const reason = CANCEL_REASONS[ev.reason as CancelReason];
      if (reason === undefined) throw new Error(`event ${ev.seq}: cancel reason ${ev.reason}`);
      const r = report(reason === 'expired' ? 'expired' : 'cancelled', ev, s, ev.orderId, ev.side, ev.cumQty, ev.leavesQty);
      r.reason = reason;
      r.cancelledQty = formatUnits(ev.qty, s.lot);
      if (ev.price !== 0) r.price = formatUnits(ev.price, s.tick);
      withClOrdId(r, orders.clOrdIdOf(ev.accountId, ev.orderId));
      out.push({ accountId: ev.accountId, message: r });
      return;
    }
    case EventType.AMENDED: {
      const s = symbolOf(ev, wire);
      if (ev.qty !== ev.cumQty + ev.leavesQty) throw new Error(`event ${ev.seq}: amended qty ${ev.qty} is not cum ${ev.cumQty} + leaves ${ev.leavesQty}`);
      const r = report('amended', ev, s, ev.orderId, ev.side, ev.cumQty, ev.leavesQty);
      r.price = formatUnits(ev.price, s.tick);
      withClOrdId(r, orders.clOrdIdOf(ev.accountId, ev.orderId));
      r.priorityKept = (ev.flags & EVENT_FLAG_PRIORITY_KEPT) !== 0;
      out.push({ accountId: ev.accountId, message: r });
      return;
    }
    case EventType.STOP_TRIGGERED: {
      const s = symbolOf(ev, wire);
      const r = report('stop_triggered', ev, s, ev.orderId, ev.side, ev.cumQty, ev.leavesQty);
      r.price = formatUnits(ev.price, s.tick);
      withClOrdId(r, orders.clOrdIdOf(ev.accountId, ev.orderId));
      out.push({ accountId: ev.accountId, message: r });
      return;
    }
    case EventType.BALANCE: {
      const asset = wire.assetById(ev.symbolId);
      if (asset === undefined) throw new Error(`event ${ev.seq}: balance of unknown asset ${ev.symbolId}`);
      out.push({
        accountId: ev.accountId,
        message: { type: 'balance', asset: asset.name, available: formatUnits(ev.qty, asset.unit), reserved: formatUnits(ev.leavesQty, asset.unit), seq: ev.seq },
      });
      return;
    }
    case EventType.REJECTED:
    case EventType.BOOK_LEVEL:
      return;
    default: {
      const unknownType: never = ev.type;
      throw new Error(`unknown event type ${String(unknownType)}`);
    }
  }
}
