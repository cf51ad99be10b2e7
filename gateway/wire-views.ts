import { Side } from '../engine/command-layout.js';
import { formatUnits } from '../protocol/decimal.js';
import type { SymbolWire, WireConfig } from '../protocol/wire-config.js';
import type { WireBalance, WireFill, WireOrder, WireSymbol } from '../protocol/wire-schema.js';
import type { BalanceView, FillView, OrderView } from '../replay/read-model.js';
import type { MarketData } from './market-data.js';
import { WIRE_ORDER_TYPE_OF, WIRE_TIF_OF } from './wire-order-enums.js';

/**
 * The read model's views (integers: ticks, lots, minor units) as wire messages (decimal strings
 * in the symbol's or asset's units). A view that names a symbol, asset, order type or time in
 * force the configuration does not know is a bug upstream, and throws.
 */


function symbolOf(wire: WireConfig, symbolId: number): SymbolWire {
  const s = wire.symbolById(symbolId);
  if (s === undefined) throw new Error(`read model names unknown symbol ${symbolId}`);
  return s;
}

export function wireOrder(o: OrderView, wire: WireConfig): WireOrder {
  const s = symbolOf(wire, o.symbolId);
  const orderType = WIRE_ORDER_TYPE_OF.get(o.orderType);
  const tif = WIRE_TIF_OF.get(o.tif);
  if (orderType === undefined || tif === undefined) throw new Error(`order ${o.orderId}: order type ${o.orderType}, time in force ${o.tif}`);
  return {
    orderId: o.orderId,
    ...(o.clOrdId === '' ? {} : { clOrdId: o.clOrdId }),
    symbol: s.name,
    side: o.side === Side.BUY ? 'buy' : 'sell',
    orderType,
    tif,
    ...(o.price === 0 ? {} : { price: formatUnits(o.price, s.tick) }),
    ...(o.stopPrice === 0 ? {} : { stopPrice: formatUnits(o.stopPrice, s.tick) }),
    ...(o.postOnly ? { postOnly: true as const } : {}),
    qty: formatUnits(o.qty, s.lot),
    cumQty: formatUnits(o.cumQty, s.lot),
    leavesQty: formatUnits(o.leavesQty, s.lot),
    status: o.status,
    seq: o.seq,
    timestampUs: o.timestampUs,
  };
}

export function wireFill(f: FillView, wire: WireConfig): WireFill {
  const s = symbolOf(wire, f.symbolId);
  return {
    tradeId: f.tradeId,
    orderId: f.orderId,
    ...(f.clOrdId === '' ? {} : { clOrdId: f.clOrdId }),
    symbol: s.name,
    side: f.side === Side.BUY ? 'buy' : 'sell',
    price: formatUnits(f.price, s.tick),
    qty: formatUnits(f.qty, s.lot),
    fee: formatUnits(f.fee, s.quote.unit),
    feeAsset: s.quote.name,
    liquidity: f.liquidity,
    seq: f.seq,
    timestampUs: f.timestampUs,
  };
}

export function wireBalance(b: BalanceView, wire: WireConfig): WireBalance {
  const asset = wire.assetById(b.assetId);
  if (asset === undefined) throw new Error(`read model names unknown asset ${b.assetId}`);
  return { asset: asset.name, available: formatUnits(b.available, asset.unit), reserved: formatUnits(b.reserved, asset.unit) };
}

/** Every symbol's configuration, with its status and reference price from the market-data view. */
export function wireSymbols(wire: WireConfig, market: MarketData): WireSymbol[] {
  return wire.symbols.map((s) => {
    const reference = market.referencePriceTicks(s.id);
    return {
      symbol: s.name,
      base: s.base.name,
      quote: s.quote.name,
      tickSize: s.tick.text,
      lotSize: s.lot.text,
      minQty: formatUnits(s.minQty, s.lot),
      maxQty: formatUnits(s.maxQty, s.lot),
      maxPrice: formatUnits(s.maxPrice, s.tick),
      maxNotional: formatUnits(s.maxNotionalQuoteUnits, s.quote.unit),
      makerFeeBps: s.makerFeeBps,
      takerFeeBps: s.takerFeeBps,
      status: market.isTrading(s.id) ? 'trading' : 'halted',
      ...(reference === 0 ? {} : { referencePrice: formatUnits(reference, s.tick) }),
    };
  });
}
