import { needsExpiry, orderTypeRule } from '../engine/order-rules.js';
import { BPS_DENOMINATOR } from '../engine/symbol-config.js';
import { type DecimalUnit, parseUnits } from '../protocol/decimal.js';
import { type GatewayError, GatewayCode, gatewayError } from '../protocol/gateway-codes.js';
import { type ClockNs, KeyedTokenBuckets, type TokenBucket, type TokenBucketOptions } from './rate-limiter.js';
import type { SymbolWire, WireConfig } from '../protocol/wire-config.js';
import type { AmendMessage, MassCancelMessage, PlaceMessage } from '../protocol/wire-schema.js';
import { ORDER_TYPES, TIMES_IN_FORCE } from './wire-order-enums.js';

/**
 * Pre-trade risk at the gateway (design §7): the checks that need no replayable state, done
 * before a command is given a sequence, so that a refused order costs the ring and the journal
 * nothing. Stateful risk (balances, open orders, client order id idempotency) stays in the core.
 *
 *   validated message ──▶ symbol exists, trading ──▶ field combination ──▶ decimals → units
 *     (tick and lot multiples) ──▶ min/max quantity, max price ──▶ max notional ──▶ price band
 *
 * The first failing check decides the code, in that order, so every input has one answer. The
 * order-rate throttle is separate (OrderRateThrottle) because it consumes tokens: it runs last,
 * only for orders that passed every other check.
 */

/** What the core publishes that risk needs: kept by the market-data view (market-data.ts). */
export interface MarketView {
  /** Last trade price, else the mid of the best bid and ask, in ticks; 0 when there is neither. */
  referencePriceTicks(symbolId: number): number;
  /** False while the symbol is halted. */
  isTrading(symbolId: number): boolean;
}

export type RiskResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: GatewayError };

/** A place order in the core's units. A market order without protection has priceTicks 0. */
export interface CheckedPlace {
  readonly symbol: SymbolWire;
  readonly priceTicks: number;
  readonly stopPriceTicks: number;
  readonly qtyLots: number;
}

/** An amend in the core's units; 0 means "unchanged", as the command record has it. */
export interface CheckedAmend {
  readonly symbol: SymbolWire;
  readonly priceTicks: number;
  readonly stopPriceTicks: number;
  readonly qtyLots: number;
}

function refuse<T>(code: GatewayCode, detail?: string): RiskResult<T> {
  return { ok: false, error: gatewayError(code, detail) };
}

function tradingSymbol(name: string, wire: WireConfig, market: MarketView): RiskResult<SymbolWire> {
  const symbol = wire.symbolByName(name);
  if (symbol === undefined) return refuse(GatewayCode.UNKNOWN_SYMBOL, name);
  if (!market.isTrading(symbol.id)) return refuse(GatewayCode.SYMBOL_NOT_TRADING, name);
  return { ok: true, value: symbol };
}

/**
 * Which fields each order type takes, by the table the core checks too (engine/order-rules.ts);
 * the core checks them again after the ring, with a result code per field.
 */
function placeCombinationError(msg: PlaceMessage): string | null {
  const rule = orderTypeRule(ORDER_TYPES[msg.orderType]);
  if (rule === undefined) throw new Error(`unknown order type ${String(msg.orderType)}`);
  const tif = msg.tif ?? defaultTif(msg.orderType);
  const tifCode = TIMES_IN_FORCE[tif];
  if (rule.needsPrice && msg.price === undefined) return `${msg.orderType} needs price`;
  if (rule.stop !== (msg.stopPrice !== undefined)) return rule.stop ? `${msg.orderType} needs stopPrice` : `${msg.orderType} takes no stopPrice`;
  if (!rule.tifs.includes(tifCode)) return `${msg.orderType} takes no tif ${tif}`;
  if (msg.postOnly === true && !rule.postOnlyTifs.includes(tifCode)) return 'postOnly needs a limit gtc or gtd order';
  if (needsExpiry(tifCode) !== (msg.expireAtUs !== undefined)) return 'expireAtUs goes with tif gtd, and only with it';
  return null;
}

/** The time in force an order gets when it names none. */
export function defaultTif(orderType: PlaceMessage['orderType']): NonNullable<PlaceMessage['tif']> {
  return orderType === 'market' || orderType === 'stop_market' ? 'ioc' : 'gtc';
}

/** A decimal as a positive whole number of `unit`s no larger than `max`. */
function positiveUnits(text: string, unit: DecimalUnit, max: number, field: string, notMultiple: GatewayCode): RiskResult<number> {
  const parsed = parseUnits(text, unit);
  if (!parsed.ok) {
    switch (parsed.why) {
      case 'syntax':
        return refuse(GatewayCode.INVALID_DECIMAL, field);
      case 'not-multiple':
        return refuse(notMultiple, `${field} ${text} (unit ${unit.text})`);
      case 'range':
        return refuse(GatewayCode.DECIMAL_OUT_OF_RANGE, field);
      default: {
        const unknownWhy: never = parsed.why;
        throw new Error(`unknown parse failure ${String(unknownWhy)}`);
      }
    }
  }
  if (parsed.units === 0) return refuse(GatewayCode.DECIMAL_OUT_OF_RANGE, `${field} is zero`);
  if (parsed.units > max) return refuse(max === Number.MAX_SAFE_INTEGER ? GatewayCode.DECIMAL_OUT_OF_RANGE : GatewayCode.PRICE_ABOVE_MAX, field);
  return { ok: true, value: parsed.units };
}

function priceTicks(text: string | undefined, symbol: SymbolWire, field: string): RiskResult<number> {
  if (text === undefined) return { ok: true, value: 0 };
  return positiveUnits(text, symbol.tick, symbol.maxPrice, field, GatewayCode.PRICE_NOT_TICK_MULTIPLE);
}

function qtyLots(text: string, symbol: SymbolWire): RiskResult<number> {
  const lots = positiveUnits(text, symbol.lot, Number.MAX_SAFE_INTEGER, 'qty', GatewayCode.QTY_NOT_LOT_MULTIPLE);
  if (!lots.ok) return lots;
  if (lots.value < symbol.minQty) return refuse(GatewayCode.QTY_BELOW_MIN, `minimum ${symbol.minQty} lots`);
  if (lots.value > symbol.maxQty) return refuse(GatewayCode.QTY_ABOVE_MAX, `maximum ${symbol.maxQty} lots`);
  return lots;
}

/** floor(a / b) for non-negative safe integers, exact where float division would round up. */
function floorDiv(a: number, b: number): number {
  let q = Math.floor(a / b);
  while (q * b > a) q--;
  while ((q + 1) * b <= a) q++;
  return q;
}

/** Refuses `priceTicks` outside reference ± reference × bandBps / 10 000 (no band without a reference). */
function bandError(price: number, symbol: SymbolWire, market: MarketView): GatewayError | null {
  const reference = market.referencePriceTicks(symbol.id);
  if (symbol.priceBandBps === 0 || reference === 0 || price === 0) return null;
  if (!Number.isSafeInteger(reference) || reference < 0) throw new Error(`reference price ${reference}`);
  // reference ≤ maxPrice and bps ≤ 10 000 keep the product safe for any maxPrice below 9e11.
  const product = reference * symbol.priceBandBps;
  if (!Number.isSafeInteger(product)) throw new Error(`price band product ${product} unsafe`);
  const widthTicks = floorDiv(product, BPS_DENOMINATOR);
  if (price >= reference - widthTicks && price <= reference + widthTicks) return null;
  return gatewayError(GatewayCode.PRICE_OUTSIDE_BAND, `reference ${reference} ticks ± ${symbol.priceBandBps} bps`);
}

/** price × qty × quoteTickUnits against the symbol's limit; safe because each factor is bounded. */
function notionalError(price: number, qty: number, symbol: SymbolWire): GatewayError | null {
  if (price === 0) return null;
  const notional = price * qty * symbol.quoteTickUnits;
  if (!Number.isSafeInteger(notional)) throw new Error(`notional ${notional} unsafe: configuration validation missed it`);
  return notional > symbol.maxNotionalQuoteUnits ? gatewayError(GatewayCode.NOTIONAL_ABOVE_MAX, `${notional} > ${symbol.maxNotionalQuoteUnits} quote units`) : null;
}

export function checkPlace(msg: PlaceMessage, wire: WireConfig, market: MarketView): RiskResult<CheckedPlace> {
  const symbol = tradingSymbol(msg.symbol, wire, market);
  if (!symbol.ok) return symbol;
  const s = symbol.value;
  const combination = placeCombinationError(msg);
  if (combination !== null) return refuse(GatewayCode.INVALID_ORDER_COMBINATION, combination);
  const qty = qtyLots(msg.qty, s);
  if (!qty.ok) return qty;
  const price = priceTicks(msg.price, s, 'price');
  if (!price.ok) return price;
  const stop = priceTicks(msg.stopPrice, s, 'stopPrice');
  if (!stop.ok) return stop;
  // A market order without a protection price is valued at the reference price (its sweep is
  // bounded by the core's protection band); a stop-market one at its stop price.
  const valuation = price.value !== 0 ? price.value : msg.orderType === 'stop_market' ? stop.value : market.referencePriceTicks(s.id);
  const notional = notionalError(valuation, qty.value, s);
  if (notional !== null) return { ok: false, error: notional };
  const band = bandError(price.value, s, market);
  if (band !== null) return { ok: false, error: band };
  return { ok: true, value: { symbol: s, priceTicks: price.value, stopPriceTicks: stop.value, qtyLots: qty.value } };
}

/** What an amend's checks need of the order it changes (from the read model). */
export interface AmendedOrder {
  readonly symbolId: number;
  /** Limit price in ticks; 0 for market and stop-market orders. */
  readonly price: number;
  readonly stopPrice: number;
  /** The quantity in force (filled + leaves). */
  readonly qty: number;
}

/**
 * An amend is checked as a place would be, on the order as it will be: its own symbol (a
 * `symbol` that names another is refused, never used), the new quantity's lot, minimum and
 * maximum, the notional of the new price and total (the old one where a field is unchanged),
 * and the price band for a new price. A price left as it is is not checked against the band
 * again, so a client can always reduce an order the market has moved away from.
 */
export function checkAmend(msg: AmendMessage, order: AmendedOrder, wire: WireConfig, market: MarketView): RiskResult<CheckedAmend> {
  const own = wire.symbolById(order.symbolId);
  if (own === undefined) throw new Error(`amended order names unknown symbol ${order.symbolId}`);
  if (msg.symbol !== undefined && msg.symbol !== own.name) return refuse(GatewayCode.INVALID_FIELD_VALUE, `symbol: the order is on ${own.name}, not ${msg.symbol.slice(0, 32)}`);
  const symbol = tradingSymbol(own.name, wire, market);
  if (!symbol.ok) return symbol;
  const s = symbol.value;
  if (msg.price === undefined && msg.qty === undefined && msg.stopPrice === undefined) {
    return refuse(GatewayCode.INVALID_ORDER_COMBINATION, 'amend needs price, qty or stopPrice');
  }
  let qty = 0;
  if (msg.qty !== undefined) {
    const lots = qtyLots(msg.qty, s);
    if (!lots.ok) return lots;
    qty = lots.value;
  }
  const price = priceTicks(msg.price, s, 'price');
  if (!price.ok) return price;
  const stop = priceTicks(msg.stopPrice, s, 'stopPrice');
  if (!stop.ok) return stop;
  // Valued as a place is: a stop-market order (no limit price) at its stop price.
  const newPrice = price.value !== 0 ? price.value : order.price !== 0 ? order.price : stop.value !== 0 ? stop.value : order.stopPrice;
  const notional = notionalError(newPrice, qty !== 0 ? qty : order.qty, s);
  if (notional !== null) return { ok: false, error: notional };
  const band = bandError(price.value, s, market);
  if (band !== null) return { ok: false, error: band };
  return { ok: true, value: { symbol: s, priceTicks: price.value, stopPriceTicks: stop.value, qtyLots: qty } };
}

/** The symbol id a mass cancel names, 0 for every symbol. Halted symbols may be cancelled. */
export function checkMassCancel(msg: MassCancelMessage, wire: WireConfig): RiskResult<number> {
  if (msg.symbol === undefined) return { ok: true, value: 0 };
  const symbol = wire.symbolByName(msg.symbol);
  return symbol === undefined ? refuse(GatewayCode.UNKNOWN_SYMBOL, msg.symbol) : { ok: true, value: symbol.id };
}

export interface OrderRateOptions {
  perSession: TokenBucketOptions;
  perAccount: TokenBucketOptions;
  /** Accounts with a live bucket at once (bounds memory). */
  accountsMax: number;
}

export const ORDER_RATE_OPTIONS_DEFAULT: OrderRateOptions = {
  perSession: { ratePerSecond: 10_000, burst: 1_000 },
  perAccount: { ratePerSecond: 20_000, burst: 2_000 },
  accountsMax: 100_000,
};

/**
 * The order-rate throttles: one token bucket per session (owned by the session) and one per
 * account (shared by its sessions, kept here). Every order message costs one token of each;
 * when the account refuses, the session's token is given back so the two stay independent.
 */
export class OrderRateThrottle {
  private readonly accounts: KeyedTokenBuckets;

  constructor(options: OrderRateOptions, clock: ClockNs) {
    this.accounts = new KeyedTokenBuckets(options.perAccount, clock, options.accountsMax);
  }

  admit(sessionBucket: TokenBucket, accountId: number): GatewayError | null {
    if (!sessionBucket.tryTake()) return gatewayError(GatewayCode.SESSION_RATE_LIMITED);
    if (this.accounts.tryTake(accountId)) return null;
    sessionBucket.giveBack();
    return gatewayError(GatewayCode.ACCOUNT_RATE_LIMITED);
  }
}
