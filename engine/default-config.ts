import { DEFAULT_LIMITS, type EngineConfig } from './symbol-config.js';

/**
 * The embedded configuration `make run` starts with: USD (6 decimals, micro-dollars) as the quote
 * asset, BTC and ETH (8 decimals) as bases. A configuration file overrides all of it.
 *
 *   BTC-USD: tick 0.01 USD per BTC, lot 0.0001 BTC (10 000 sat); one tick on one lot is
 *            0.000001 USD, so quoteTickUnits = 1. Up to 100 BTC per order, prices up to 1M USD.
 *   ETH-USD: tick 0.01 USD per ETH, lot 0.001 ETH (100 000 units); one tick on one lot is
 *            0.00001 USD, so quoteTickUnits = 10.
 */
export function defaultEngineConfig(): EngineConfig {
  return {
    assets: [
      { id: 1, name: 'USD', decimals: 6 },
      { id: 2, name: 'BTC', decimals: 8 },
      { id: 3, name: 'ETH', decimals: 8 },
    ],
    symbols: [
      {
        id: 1,
        name: 'BTC-USD',
        baseAssetId: 2,
        quoteAssetId: 1,
        baseLotUnits: 10_000,
        quoteTickUnits: 1,
        minQty: 1,
        maxQty: 1_000_000,
        maxPrice: 100_000_000,
        makerFeeBps: 10,
        takerFeeBps: 20,
        marketProtectionBps: 500,
      },
      {
        id: 2,
        name: 'ETH-USD',
        baseAssetId: 3,
        quoteAssetId: 1,
        baseLotUnits: 100_000,
        quoteTickUnits: 10,
        minQty: 1,
        maxQty: 1_000_000,
        maxPrice: 10_000_000,
        makerFeeBps: 10,
        takerFeeBps: 20,
        marketProtectionBps: 500,
      },
    ],
    ...DEFAULT_LIMITS,
    riskEnabled: true,
  };
}
