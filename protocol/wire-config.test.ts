import { describe, expect, it } from 'vitest';
import { defaultEngineConfig } from '../engine/default-config.js';
import { defaultWireConfig, wireConfigFrom } from './wire-config.js';

describe('wire config', () => {
  it('derives tick and lot sizes of the demo symbols from the engine units', () => {
    const wire = defaultWireConfig();
    const btc = wire.symbolByName('BTC-USD');
    const eth = wire.symbolByName('ETH-USD');
    expect(btc?.tick.text).toBe('0.01');
    expect(btc?.lot.text).toBe('0.0001');
    expect(eth?.tick.text).toBe('0.01');
    expect(eth?.lot.text).toBe('0.001');
    expect(btc?.maxNotionalQuoteUnits).toBe(5_000_000 * 1_000_000);
    expect(wire.symbolById(2)).toBe(eth);
    expect(wire.symbolById(3)).toBeUndefined();
    expect(wire.symbolByName('DOGE-USD')).toBeUndefined();
    expect(wire.assetById(1)?.unit.text).toBe('0.000001');
  });

  it('refuses a tick size with no finite decimal form, unknown symbols and bad limits', () => {
    const engine = defaultEngineConfig();
    const thirds = { ...engine, symbols: [{ ...(engine.symbols[0] as (typeof engine.symbols)[0]), baseLotUnits: 30_000 }] };
    expect(() => wireConfigFrom(thirds)).toThrow(/no decimal form/);
    expect(() => wireConfigFrom(engine, { 'X-Y': {} })).toThrow(/unknown symbol/);
    expect(() => wireConfigFrom(engine, { 'BTC-USD': { maxNotional: '0.0000001' } })).toThrow(/maxNotional/);
    expect(() => wireConfigFrom(engine, { 'BTC-USD': { priceBandBps: 10_001 } })).toThrow(/priceBandBps/);
  });
});
