/**
 * A bounded history of items kept per key (the read model's finished orders and fills, keyed by
 * account), oldest first, with two caps:
 *
 *   perKeyMax   items one key keeps: a key that holds perKeyMax and gets another loses ITS oldest
 *   totalMax    items kept over all keys: when a push finds the window full and its key below
 *               its own cap, the oldest item still kept, of whatever key, goes
 *
 * A push evicts at most one item, and the key's own cap goes first. So an item goes only when
 * its key has perKeyMax newer ones, or when it is the oldest kept of all and a push of a key
 * below its cap finds the window full. The window is full only when at least
 * ceil(totalMax / perKeyMax) keys hold items, so fewer keys than that, however busy, never take
 * another key's items; with totalMax >= N × perKeyMax, every one of N keys keeps its newest
 * perKeyMax items whatever the others do.
 *
 * Layout (every structure bounded, every operation amortised O(1)):
 *
 *   order    ring of keys, one entry per push, oldest first, at most 2 × totalMax entries
 *            [ k1 k2 k1 k3 k1 ... ]   an entry is stale once its item went by its key's cap
 *   byKey    key → { items, head, stale }: items[head..] are the key's kept items, oldest first;
 *            the key's `stale` entries in `order` are its first ones there (a key's cap takes
 *            its oldest item, whose entry is its first live one in `order`)
 *
 * Global eviction pops `order`, dropping stale entries (each is popped once). When `order` is
 * full, at most totalMax of its entries are live, so compacting it (dropping every stale entry)
 * frees at least totalMax entries for O(2 × totalMax) work. A key's `items` drop their evicted
 * references at once and are compacted when the evicted slots outnumber the kept ones, so they
 * hold at most twice what they keep. Nothing depends on a clock or on the order of a Map's
 * iteration: the window is a function of its caps and its pushes.
 */
export interface KeyedItems<T> {
  /** The key's kept items are items[head..], oldest first (slots before head are empty). */
  readonly items: readonly T[];
  readonly head: number;
}

interface KeyQueue<T> {
  items: Array<T | undefined>;
  head: number;
  /** This key's entries in `order` whose item its own cap already took: its first ones there. */
  stale: number;
}

export class HistoryWindow<T> {
  private readonly byKey = new Map<number, KeyQueue<T>>();
  private readonly order: Float64Array;
  private orderHead = 0;
  private orderLength = 0;
  private count = 0;
  /** Items taken by their key's cap, and by the total cap, since construction (for metrics and tests). */
  evictedByKeyCap = 0;
  evictedByTotalCap = 0;

  /** `onEvict` hears of every item that goes, whichever cap took it. */
  constructor(
    readonly perKeyMax: number,
    readonly totalMax: number,
    private readonly onEvict: (item: T) => void = () => {},
  ) {
    if (!(Number.isSafeInteger(totalMax) && totalMax >= 1)) throw new Error(`history window totalMax ${totalMax}`);
    if (!(Number.isSafeInteger(perKeyMax) && perKeyMax >= 1 && perKeyMax <= totalMax)) throw new Error(`history window perKeyMax ${perKeyMax}: 1..${totalMax}`);
    this.order = new Float64Array(2 * totalMax);
  }

  /** Items kept over all keys. */
  get size(): number {
    return this.count;
  }

  /** Entries of the order ring, stale ones included: at most 2 × totalMax. */
  get orderEntries(): number {
    return this.orderLength;
  }

  /** Adds the newest item of `key`, first evicting one when a cap says so. */
  push(key: number, item: T): void {
    const queue = this.byKey.get(key);
    if (queue !== undefined && queue.items.length - queue.head === this.perKeyMax) {
      queue.stale++;
      this.evictedByKeyCap++;
      this.evictHead(key, queue);
    } else if (this.count === this.totalMax) {
      this.evictOldest();
    }
    const capacity = this.order.length;
    if (this.orderLength === capacity) this.compactOrder();
    this.order[(this.orderHead + this.orderLength) % capacity] = key;
    this.orderLength++;
    let target = this.byKey.get(key);
    if (target === undefined) this.byKey.set(key, (target = { items: [], head: 0, stale: 0 }));
    target.items.push(item);
    this.count++;
  }

  /** The key's kept items, oldest first; undefined when it keeps none. */
  keyed(key: number): KeyedItems<T> | undefined {
    return this.byKey.get(key) as KeyedItems<T> | undefined;
  }

  /** How many items the key keeps. */
  countOf(key: number): number {
    const queue = this.byKey.get(key);
    return queue === undefined ? 0 : queue.items.length - queue.head;
  }

  /** Every kept item, oldest pushed first over all keys. */
  toArray(): T[] {
    const out: T[] = [];
    const capacity = this.order.length;
    /** Per key, the index in its items of its next entry's item (negative while stale). */
    const next = new Map<number, number>();
    for (let i = 0; i < this.orderLength; i++) {
      const key = this.order[(this.orderHead + i) % capacity] as number;
      const queue = this.queueOf(key);
      const k = next.get(key) ?? queue.head - queue.stale;
      next.set(key, k + 1);
      if (k >= queue.head) out.push(queue.items[k] as T);
    }
    if (out.length !== this.count) throw new Error(`history window: ${out.length} items in order, ${this.count} kept`);
    return out;
  }

  private queueOf(key: number): KeyQueue<T> {
    const queue = this.byKey.get(key);
    if (queue === undefined) throw new Error(`history window: order names key ${key}, which keeps nothing`);
    return queue;
  }

  /** Takes the globally oldest kept item: pops `order`, dropping stale entries on the way. */
  private evictOldest(): void {
    const capacity = this.order.length;
    while (this.orderLength > 0) {
      const key = this.order[this.orderHead] as number;
      this.orderHead = (this.orderHead + 1) % capacity;
      this.orderLength--;
      const queue = this.queueOf(key);
      if (queue.stale > 0) {
        queue.stale--;
        if (queue.stale === 0 && queue.head === queue.items.length) this.byKey.delete(key);
        continue;
      }
      this.evictedByTotalCap++;
      this.evictHead(key, queue);
      return;
    }
    throw new Error(`history window: full with ${this.count} items but no order entry`);
  }

  private evictHead(key: number, queue: KeyQueue<T>): void {
    const item = queue.items[queue.head] as T;
    queue.items[queue.head] = undefined;
    queue.head++;
    this.count--;
    if (queue.head === queue.items.length) {
      queue.items.length = 0;
      queue.head = 0;
      if (queue.stale === 0) this.byKey.delete(key);
    } else if (queue.head * 2 > queue.items.length) {
      // More evicted slots than kept items: move the kept ones down (as many as were evicted since the last time).
      queue.items.copyWithin(0, queue.head);
      queue.items.length -= queue.head;
      queue.head = 0;
    }
    this.onEvict(item);
  }

  /** Drops every stale entry of a full `order`: at least totalMax of its 2 × totalMax. */
  private compactOrder(): void {
    const capacity = this.order.length;
    let kept = 0;
    for (let i = 0; i < this.orderLength; i++) {
      const key = this.order[(this.orderHead + i) % capacity] as number;
      const queue = this.queueOf(key);
      if (queue.stale > 0) queue.stale--;
      else this.order[(this.orderHead + kept++) % capacity] = key;
    }
    if (kept !== this.count) throw new Error(`history window: ${kept} live order entries, ${this.count} kept`);
    this.orderLength = kept;
  }
}
