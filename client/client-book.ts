import { compareDecimals } from '../protocol/decimal.js';
import type { BookDeltaMessage, BookSnapshotMessage, WireLevel } from '../protocol/wire-schema.js';

/**
 * A client's local L2 book of one symbol, kept from a snapshot and the deltas that follow it.
 * Deltas carry absolute level values (quantity "0" removes a level) and a per-channel seq:
 *
 *   snapshot seq S ──▶ delta S+1 ──▶ delta S+2 ──▶ ...      applied in order
 *   delta seq ≤ current                                     stale (from before the snapshot): ignored
 *   delta seq > current + 1                                 gap: the book is invalid until the next
 *                                                           snapshot; the caller resubscribes
 *
 * Prices are the server's decimal strings, compared by value (decimal.ts), never as floats.
 */
export type DeltaResult = 'applied' | 'stale' | 'gap' | 'no_snapshot';

/** Levels kept per side; a larger book means the stream is not what this client expects. */
export const CLIENT_BOOK_LEVELS_MAX = 1_000_000;

export class ClientBook {
  private seqNow: number | null = null;
  private readonly bidLevels = new Map<string, WireLevel>();
  private readonly askLevels = new Map<string, WireLevel>();
  private sortedBids: WireLevel[] | null = null;
  private sortedAsks: WireLevel[] | null = null;

  constructor(readonly symbol: string) {}

  /** The seq of the last message applied; null before a snapshot and after a gap. */
  get seq(): number | null {
    return this.seqNow;
  }

  get valid(): boolean {
    return this.seqNow !== null;
  }

  applySnapshot(msg: BookSnapshotMessage): void {
    if (msg.symbol !== this.symbol) throw new Error(`snapshot of ${msg.symbol} applied to the book of ${this.symbol}`);
    this.bidLevels.clear();
    this.askLevels.clear();
    for (const level of msg.bids) this.setLevel(this.bidLevels, level);
    for (const level of msg.asks) this.setLevel(this.askLevels, level);
    this.seqNow = msg.seq;
    this.sortedBids = null;
    this.sortedAsks = null;
  }

  applyDelta(msg: BookDeltaMessage): DeltaResult {
    if (msg.symbol !== this.symbol) throw new Error(`delta of ${msg.symbol} applied to the book of ${this.symbol}`);
    if (this.seqNow === null) return 'no_snapshot';
    if (msg.seq <= this.seqNow) return 'stale';
    if (msg.seq !== this.seqNow + 1) {
      // Levels changed in the missed deltas are unknown: nothing here can be trusted any more.
      this.seqNow = null;
      this.bidLevels.clear();
      this.askLevels.clear();
      this.sortedBids = null;
      this.sortedAsks = null;
      return 'gap';
    }
    for (const level of msg.bids) this.setLevel(this.bidLevels, level);
    for (const level of msg.asks) this.setLevel(this.askLevels, level);
    if (msg.bids.length > 0) this.sortedBids = null;
    if (msg.asks.length > 0) this.sortedAsks = null;
    this.seqNow = msg.seq;
    return 'applied';
  }

  /** Bids, best (highest) first. */
  bids(): readonly WireLevel[] {
    this.sortedBids ??= [...this.bidLevels.values()].sort((a, b) => compareDecimals(b[0], a[0]));
    return this.sortedBids;
  }

  /** Asks, best (lowest) first. */
  asks(): readonly WireLevel[] {
    this.sortedAsks ??= [...this.askLevels.values()].sort((a, b) => compareDecimals(a[0], b[0]));
    return this.sortedAsks;
  }

  bestBid(): WireLevel | undefined {
    return this.bids()[0];
  }

  bestAsk(): WireLevel | undefined {
    return this.asks()[0];
  }

  private setLevel(levels: Map<string, WireLevel>, level: WireLevel): void {
    const [price, qty, count] = level;
    if (compareDecimals(qty, '0') === 0) {
      levels.delete(price);
      return;
    }
    if (!levels.has(price) && levels.size >= CLIENT_BOOK_LEVELS_MAX) throw new Error(`book of ${this.symbol} above ${CLIENT_BOOK_LEVELS_MAX} levels`);
    levels.set(price, [price, qty, count]);
  }
}
