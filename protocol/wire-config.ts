import { defaultEngineConfig } from '../engine/default-config.js';
import { BPS_DENOMINATOR, type EngineConfig, type SymbolConfig } from '../engine/symbol-config.js';
import { type DecimalUnit, decimalUnit, formatUnits, minorUnit, parseUnits, UNIT_SCALE_MAX } from './decimal.js';

/**
 * What the gateway needs to speak decimals for each symbol and asset, derived from the engine's
 * configuration so the two can never disagree:
 *
 *   lot size  = baseLotUnits / 10^baseDecimals                       (base per lot)
 *   tick size = quoteTickUnits · 10^baseDecimals
 *               / (baseLotUnits · 10^quoteDecimals)                  (quote per base per tick)
 *
 * so that one tick on one lot is quoteTickUnits quote minor units, as the core computes notional.
 * BTC-USD in the demo configuration: lot 10 000 sat = "0.0001", tick 1 µUSD / 0.0001 = "0.01".
 * A configuration whose tick size is not a finite decimal is refused at start.
 *
 * It also holds the gateway's own per-symbol risk limits (max notional, price band), which are
 * not part of the journal's configuration fingerprint: they never change what a command means.
 */
export interface AssetWire {
  readonly id: number;
  readonly name: string;
  readonly decimals: number;
  /** One minor unit, for balances and fees. */
  readonly unit: DecimalUnit;
}

export interface SymbolWire {
  readonly id: number;
  readonly name: string;
  readonly base: AssetWire;
  readonly quote: AssetWire;
  readonly tick: DecimalUnit;
  readonly lot: DecimalUnit;
  readonly quoteTickUnits: number;
  readonly minQty: number;
  readonly maxQty: number;
  readonly maxPrice: number;
  /** Largest price × qty × quoteTickUnits of one order, in quote minor units. */
  readonly maxNotionalQuoteUnits: number;
  /** Half-width of the accepted price band around the reference price, in basis points; 0 = off. */
  readonly priceBandBps: number;
  readonly makerFeeBps: number;
  readonly takerFeeBps: number;
}

export interface WireConfig {
  readonly assets: readonly AssetWire[];
  readonly symbols: readonly SymbolWire[];
  symbolByName(name: string): SymbolWire | undefined;
  symbolById(id: number): SymbolWire | undefined;
  assetById(id: number): AssetWire | undefined;
}

/** Gateway risk limits of one symbol, as an operator writes them. */
export interface SymbolRiskOptions {
  /** Max notional of one order, a decimal string in the quote asset ("1000000" USD). */
  maxNotional?: string;
  priceBandBps?: number;
}

/** Default band: ±10 % around the reference price. */
export const PRICE_BAND_BPS_DEFAULT = 1_000;

export function wireConfigFrom(engine: EngineConfig, risk: Readonly<Record<string, SymbolRiskOptions>> = {}): WireConfig {
  const assets = engine.assets.map((a): AssetWire => ({ id: a.id, name: a.name, decimals: a.decimals, unit: minorUnit(a.decimals) }));
  const assetById = (id: number): AssetWire | undefined => assets[id - 1];
  for (const name of Object.keys(risk)) {
    if (!engine.symbols.some((s) => s.name === name)) throw new Error(`risk options for unknown symbol ${name}`);
  }
  const symbols = engine.symbols.map((s) => symbolWire(s, assetById, risk[s.name] ?? {}));
  const byName = new Map(symbols.map((s) => [s.name, s]));
  if (byName.size !== symbols.length) throw new Error('symbol names must be unique');
  return {
    assets,
    symbols,
    symbolByName: (name) => byName.get(name),
    symbolById: (id) => symbols[id - 1],
    assetById,
  };
}

function symbolWire(s: SymbolConfig, assetById: (id: number) => AssetWire | undefined, risk: SymbolRiskOptions): SymbolWire {
  const base = assetById(s.baseAssetId);
  const quote = assetById(s.quoteAssetId);
  if (base === undefined || quote === undefined) throw new Error(`symbol ${s.name}: unknown asset`);
  const lot = exactDecimalUnit(BigInt(s.baseLotUnits), 10n ** BigInt(base.decimals), s.name);
  const tick = exactDecimalUnit(BigInt(s.quoteTickUnits) * 10n ** BigInt(base.decimals), BigInt(s.baseLotUnits) * 10n ** BigInt(quote.decimals), s.name);
  const engineMaxNotional = s.maxPrice * s.maxQty * s.quoteTickUnits;
  let maxNotionalQuoteUnits = engineMaxNotional;
  if (risk.maxNotional !== undefined) {
    const parsed = parseUnits(risk.maxNotional, quote.unit, engineMaxNotional);
    if (!parsed.ok || parsed.units === 0) throw new Error(`symbol ${s.name}: maxNotional "${risk.maxNotional}" (${parsed.ok ? 'zero' : parsed.why})`);
    maxNotionalQuoteUnits = parsed.units;
  }
  const priceBandBps = risk.priceBandBps ?? PRICE_BAND_BPS_DEFAULT;
  if (!Number.isInteger(priceBandBps) || priceBandBps < 0 || priceBandBps > BPS_DENOMINATOR) throw new Error(`symbol ${s.name}: priceBandBps ${priceBandBps}`);
  return {
    id: s.id,
    name: s.name,
    base,
    quote,
    tick,
    lot,
    quoteTickUnits: s.quoteTickUnits,
    minQty: s.minQty,
    maxQty: s.maxQty,
    maxPrice: s.maxPrice,
    maxNotionalQuoteUnits,
    priceBandBps,
    makerFeeBps: s.makerFeeBps,
    takerFeeBps: s.takerFeeBps,
  };
}

/**
 * numerator / denominator as a decimal unit with the fewest fraction digits ("0.0001", not
 * "0.00010000"), or a thrown error when it has no finite decimal form.
 */
function exactDecimalUnit(numerator: bigint, denominator: bigint, symbol: string): DecimalUnit {
  for (let scale = 0; scale <= UNIT_SCALE_MAX; scale++) {
    const scaled = numerator * 10n ** BigInt(scale);
    if (scaled % denominator === 0n) {
      const mantissa = scaled / denominator;
      if (mantissa > BigInt(Number.MAX_SAFE_INTEGER)) break;
      return decimalUnit(formatUnits(Number(mantissa), { text: '', mantissa: 1n, scale }));
    }
  }
  throw new Error(`symbol ${symbol}: tick size ${numerator}/${denominator} has no decimal form within ${UNIT_SCALE_MAX} digits`);
}

/** The demo configuration's wire view, with demo limits: 5M USD per BTC order, 1M USD per ETH order. */
export function defaultWireConfig(): WireConfig {
  return wireConfigFrom(defaultEngineConfig(), {
    'BTC-USD': { maxNotional: '5000000', priceBandBps: PRICE_BAND_BPS_DEFAULT },
    'ETH-USD': { maxNotional: '1000000', priceBandBps: PRICE_BAND_BPS_DEFAULT },
  });
}
