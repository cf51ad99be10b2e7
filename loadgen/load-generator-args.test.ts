import { describe, expect, it } from 'vitest';
import { LOAD_OPTIONS_DEFAULT, parseLoadArgs } from './load-generator.js';

describe('load generator command line', () => {
  it('keeps its defaults and reads every option', () => {
    expect(parseLoadArgs([])).toEqual({
      url: 'ws://127.0.0.1:8080/',
      connections: LOAD_OPTIONS_DEFAULT.connections,
      ratePerSecond: LOAD_OPTIONS_DEFAULT.ratePerSecond,
      durationMs: LOAD_OPTIONS_DEFAULT.durationMs,
      format: 'json',
      batchSize: 1,
    });
    const parsed = parseLoadArgs(['--url', 'ws://h:1/', '--connections', '2', '--rate', '500', '--duration-ms', '1000', '--format', 'msgpack', '--batch-size', '8', '--account', '3', '--api-key', 'k']);
    expect(parsed).toMatchObject({ url: 'ws://h:1/', connections: 2, ratePerSecond: 500, durationMs: 1000, format: 'msgpack', batchSize: 8 });
    expect(parsed.credentials?.(0)).toEqual({ account: 3, apiKey: 'k' });
  });

  it('refuses an unknown option and bad values, naming them', () => {
    expect(() => parseLoadArgs(['--conections', '2'])).toThrow(/Unknown option '--conections'[^]*usage: load-generator/);
    expect(() => parseLoadArgs(['--rate', 'fast'])).toThrow(/--rate: "fast" is not a number above zero/);
    expect(() => parseLoadArgs(['--connections', '0'])).toThrow(/--connections: "0" is not a whole number/);
    expect(() => parseLoadArgs(['--duration-ms', '-1'])).toThrow(/--duration-ms: "-1"/);
    expect(() => parseLoadArgs(['--format', 'xml'])).toThrow(/--format: "xml" is not json or msgpack/);
    expect(() => parseLoadArgs(['--account', '1'])).toThrow(/go together/);
  });
});
