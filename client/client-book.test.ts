import { describe, expect, it } from 'vitest';
import { ClientBook } from './client-book.js';
import type { BookDeltaMessage, BookSnapshotMessage, WireLevel } from '../protocol/wire-schema.js';

const snapshot = (seq: number, bids: WireLevel[], asks: WireLevel[]): BookSnapshotMessage => ({ type: 'book_snapshot', symbol: 'BTC-USD', seq, bids, asks });
const delta = (seq: number, bids: WireLevel[], asks: WireLevel[] = []): BookDeltaMessage => ({ type: 'book_delta', symbol: 'BTC-USD', seq, bids, asks });

describe('ClientBook', () => {
  it('applies a snapshot, then deltas in seq order, best levels first by decimal value', () => {
    const book = new ClientBook('BTC-USD');
    expect(book.applyDelta(delta(1, []))).toBe('no_snapshot');
    book.applySnapshot(snapshot(4, [['9.50', '1.0', 1], ['10.00', '2.0', 2]], [['10.50', '1.0', 1]]));
    expect(book.bestBid()).toEqual(['10.00', '2.0', 2]);
    expect(book.applyDelta(delta(5, [['100.00', '1.0', 1], ['10.00', '0.0', 0]]))).toBe('applied');
    expect(book.bids()).toEqual([['100.00', '1.0', 1], ['9.50', '1.0', 1]]);
    expect(book.applyDelta(delta(6, [], [['10.25', '3.0', 1]]))).toBe('applied');
    expect(book.bestAsk()).toEqual(['10.25', '3.0', 1]);
    expect(book.seq).toBe(6);
  });

  it('ignores stale deltas and invalidates itself on a gap until the next snapshot', () => {
    const book = new ClientBook('BTC-USD');
    book.applySnapshot(snapshot(10, [['1.00', '1', 1]], []));
    expect(book.applyDelta(delta(10, [['1.00', '5', 1]]))).toBe('stale');
    expect(book.bestBid()).toEqual(['1.00', '1', 1]);
    expect(book.applyDelta(delta(12, []))).toBe('gap');
    expect([book.valid, book.seq, book.bids().length]).toEqual([false, null, 0]);
    expect(book.applyDelta(delta(13, []))).toBe('no_snapshot');
    book.applySnapshot(snapshot(13, [], [['2.00', '1', 1]]));
    expect(book.valid).toBe(true);
  });

  it('refuses messages of another symbol', () => {
    const book = new ClientBook('ETH-USD');
    expect(() => book.applySnapshot(snapshot(1, [], []))).toThrow();
  });
});
