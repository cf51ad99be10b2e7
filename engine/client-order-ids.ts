import { assert, fail } from './assert.js';

/**
 * Idempotency of client order ids: an id is taken, per account, while an order that carries it
 * is live, and for as long as it stays in a bounded FIFO window of the most recently accepted
 * ids across all accounts. The window is a function of the command sequence only, so a replay
 * answers every duplicate exactly as the live run did.
 *
 * Keys are `account:id` strings; a Map is used for lookup only and is never iterated (the window
 * array defines the only order that is observed, in snapshots).
 */
export class ClientOrderIds {
  private readonly refs = new Map<string, number>();
  private readonly window: string[];
  private head = 0;
  private count = 0;

  constructor(readonly windowSize: number) {
    assert(windowSize >= 1, 'client order id window must hold at least one id');
    this.window = new Array<string>(windowSize).fill('');
  }

  static key(accountId: number, clOrdId: string): string {
    return `${accountId}:${clOrdId}`;
  }

  taken(key: string): boolean {
    return this.refs.has(key);
  }

  /** An order with this key was accepted: it is live (one reference) and enters the window (another). */
  accept(key: string): void {
    if (!(!this.refs.has(key))) fail(`client order id ${key} accepted twice`);
    this.refs.set(key, 1);
    this.pushWindow(key);
  }

  private pushWindow(key: string): void {
    if (this.count === this.windowSize) {
      this.unref(this.window[this.head] as string);
      this.head = (this.head + 1) % this.windowSize;
      this.count--;
    }
    this.window[(this.head + this.count) % this.windowSize] = key;
    this.count++;
    this.refs.set(key, (this.refs.get(key) ?? 0) + 1);
  }

  /** Rebuilds the state from a snapshot: the window oldest first, then the live orders' keys. */
  restore(windowKeys: readonly string[], liveKeys: readonly string[]): void {
    assert(this.count === 0 && this.refs.size === 0, 'restore into a fresh table only');
    assert(windowKeys.length <= this.windowSize, 'snapshot window larger than configured');
    for (const key of windowKeys) this.pushWindow(key);
    for (const key of liveKeys) this.refs.set(key, (this.refs.get(key) ?? 0) + 1);
  }

  /** The order carrying this key is done (filled, cancelled, expired). */
  done(key: string): void {
    this.unref(key);
  }

  private unref(key: string): void {
    const refs = this.refs.get(key);
    if (!(refs !== undefined && refs > 0)) fail(`client order id ${key} released more often than taken`);
    if (refs === 1) this.refs.delete(key);
    else this.refs.set(key, refs - 1);
  }

  /** Window contents, oldest first (for snapshots and the state hash). */
  windowKeys(): string[] {
    const keys: string[] = [];
    for (let i = 0; i < this.count; i++) keys.push(this.window[(this.head + i) % this.windowSize] as string);
    return keys;
  }
}
