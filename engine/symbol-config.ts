import { assert } from './assert.js';
import { ORDER_POOL_CAPACITY_MAX } from './order-pool.js';

/**
 * The engine's static configuration: assets, symbols and bounds. It is part of the journal's
 * configuration fingerprint, because the same commands mean different things under another
 * configuration.
 *
 * Units (design §2): a price is an integer number of ticks, a quantity an integer number of
 * lots, a balance an integer number of an asset's minor units. For a symbol,
 *   base amount  = qty × baseLotUnits              (base minor units)
 *   notional     = price × qty × quoteTickUnits    (quote minor units)
 * and fees are charged in the quote asset:
 *   fee = floor(notional × bps / 10 000)
 * rounded down, in the payer's favour. Rounding down is what lets a buy order's reservation,
 * computed once for its whole quantity at the worst fee rate, always cover every partial fill.
 */
export interface AssetConfig {
  readonly id: number;
  readonly name: string;
  /** Minor units per whole unit, as a power of ten (display only; the core never divides). */
  readonly decimals: number;
}

export interface SymbolConfig {
  readonly id: number;
  readonly name: string;
  readonly baseAssetId: number;
  readonly quoteAssetId: number;
  /** Base minor units per lot. */
  readonly baseLotUnits: number;
  /** Quote minor units per tick per lot. */
  readonly quoteTickUnits: number;
  readonly minQty: number;
  readonly maxQty: number;
  /** Highest accepted price in ticks; together with maxQty it bounds every notional. */
  readonly maxPrice: number;
  readonly makerFeeBps: number;
  readonly takerFeeBps: number;
  /**
   * How far a market order may sweep from the best opposite price, in basis points of that
   * price, when it carries no explicit protection price. 0 means no bound (the book's edge).
   */
  readonly marketProtectionBps: number;
}

export interface EngineConfig {
  readonly assets: readonly AssetConfig[];
  readonly symbols: readonly SymbolConfig[];
  /** Account ids are 1..maxAccounts; account 0 is the fee account. */
  readonly maxAccounts: number;
  /** Live orders (resting, pending stop) across the engine. */
  readonly maxOrders: number;
  readonly maxOpenOrdersPerAccount: number;
  /** Client order ids remembered after their order is done, across all accounts. */
  readonly clientOrderIdWindow: number;
  /** Transfer ids remembered; an older id is answered TRANSFER_ID_TOO_OLD. */
  readonly transferIdWindow: number;
  /** Balance checks, reservations and settlement. Off only for the order-flow benchmark. */
  readonly riskEnabled: boolean;
}

export const FEE_ACCOUNT_ID = 0;
export const BPS_DENOMINATOR = 10_000;
export const MAX_SYMBOLS = 65_535;
export const MAX_ASSETS = 1_000;

export const DEFAULT_LIMITS = {
  maxAccounts: 100_000,
  maxOrders: 1_000_000,
  maxOpenOrdersPerAccount: 10_000,
  clientOrderIdWindow: 100_000,
  transferIdWindow: 100_000,
} as const;

/** Throws on a configuration that could make the core compute an unsafe integer. */
export function validateEngineConfig(config: EngineConfig): void {
  const assetIds = new Set<number>();
  config.assets.forEach((a, i) => {
    assert(a.id === i + 1, `asset ${a.name}: ids must be 1..n in order (got ${a.id} at ${i})`);
    assert(Number.isInteger(a.decimals) && a.decimals >= 0 && a.decimals <= 18, `asset ${a.name}: decimals`);
    assetIds.add(a.id);
  });
  assert(config.assets.length <= MAX_ASSETS, 'too many assets');
  assert(config.symbols.length <= MAX_SYMBOLS, 'too many symbols');
  config.symbols.forEach((s, i) => validateSymbol(s, i, assetIds));
  for (const [name, value, max] of [
    ['maxAccounts', config.maxAccounts, 2 ** 31 - 1],
    // Every order has a fixed-size record in one buffer, indexed in int32 arithmetic.
    ['maxOrders', config.maxOrders, ORDER_POOL_CAPACITY_MAX],
    ['maxOpenOrdersPerAccount', config.maxOpenOrdersPerAccount, config.maxOrders],
    ['clientOrderIdWindow', config.clientOrderIdWindow, 2 ** 24],
    ['transferIdWindow', config.transferIdWindow, 2 ** 24],
  ] as const) {
    assert(Number.isInteger(value) && value >= 1 && value <= max, `${name} ${value} outside [1, ${max}]`);
  }
}

function validateSymbol(s: SymbolConfig, index: number, assetIds: Set<number>): void {
  const at = `symbol ${s.name}`;
  assert(s.id === index + 1, `${at}: ids must be 1..n in order (got ${s.id} at ${index})`);
  assert(assetIds.has(s.baseAssetId) && assetIds.has(s.quoteAssetId), `${at}: unknown asset`);
  assert(s.baseAssetId !== s.quoteAssetId, `${at}: base and quote must differ`);
  for (const [name, value] of [
    ['baseLotUnits', s.baseLotUnits],
    ['quoteTickUnits', s.quoteTickUnits],
    ['minQty', s.minQty],
    ['maxQty', s.maxQty],
    ['maxPrice', s.maxPrice],
  ] as const) {
    assert(Number.isSafeInteger(value) && value >= 1, `${at}: ${name} must be a positive safe integer`);
  }
  assert(s.minQty <= s.maxQty, `${at}: minQty > maxQty`);
  for (const [name, value] of [
    ['makerFeeBps', s.makerFeeBps],
    ['takerFeeBps', s.takerFeeBps],
    ['marketProtectionBps', s.marketProtectionBps],
  ] as const) {
    assert(Number.isInteger(value) && value >= 0 && value <= BPS_DENOMINATOR, `${at}: ${name} outside [0, 10000]`);
  }
  // The largest notional, plus a fee of at most the notional itself, must stay safe; so must
  // the largest base amount. Every product the core forms is bounded by one of these.
  const maxNotional = s.maxPrice * s.maxQty * s.quoteTickUnits;
  assert(Number.isSafeInteger(2 * maxNotional), `${at}: maxPrice × maxQty × quoteTickUnits × 2 exceeds 2^53-1`);
  assert(Number.isSafeInteger(s.maxQty * s.baseLotUnits), `${at}: maxQty × baseLotUnits exceeds 2^53-1`);
}

/** A canonical string of everything that changes the meaning of a journal. */
export function configFingerprintSource(config: EngineConfig): string {
  return JSON.stringify({
    assets: config.assets.map((a) => [a.id, a.name, a.decimals]),
    symbols: config.symbols.map((s) => [
      s.id,
      s.name,
      s.baseAssetId,
      s.quoteAssetId,
      s.baseLotUnits,
      s.quoteTickUnits,
      s.minQty,
      s.maxQty,
      s.maxPrice,
      s.makerFeeBps,
      s.takerFeeBps,
      s.marketProtectionBps,
    ]),
    limits: [
      config.maxAccounts,
      config.maxOrders,
      config.maxOpenOrdersPerAccount,
      config.clientOrderIdWindow,
      config.transferIdWindow,
      config.riskEnabled,
    ],
  });
}
