// Leadership (design §11): a lease in a JetStream key-value bucket that is only ever taken or kept
// by compare-and-set on the entry's revision, so two nodes can never both take it.
//
//   leader:   every RENEW ms  update(key, self, myRevision) ──ok──▶ myRevision = new; valid until sent + TTL × SAFETY
//                                                          └─wrong revision──▶ lost (another node took it)
//   standby:  every POLL ms   get(key) ──revision unchanged for TTL (own clock) or no entry──▶ take:
//                             update(key, self, seenRevision) | create(key, self) ──ok──▶ leader, term = new revision
//
// Only elapsed time on each node's own monotonic clock is compared, never two clocks: the leader
// stops counting itself leader TTL × SAFETY after it *sent* its last successful renewal, while a
// standby waits a full TTL after it *saw* that renewal, which is later. The revision taken is the
// term that the leader's stream appends carry. The lease alone does not fence: a paused leader can
// wake believing it leads, so the stream's expected-last-sequence check is what refuses its appends.

import type { KV } from '@nats-io/kv';

export const LEASE_KEY = 'leader';
export const LEASE_TTL_MS_DEFAULT = 600;
/** The leader renews this many times per TTL, so a renewal or two may be late without a change. */
export const LEASE_RENEWALS_PER_TTL = 6;
/** A leader counts itself leader for this share of the TTL after sending a renewal. */
export const LEASE_SAFETY = 0.75;

export interface LeaseHolder {
  readonly node: string;
  /** The holder's WebSocket address, for clients sent to the leader. */
  readonly address: string;
  readonly revision: number;
  /** The holder has finished its start-up (its funding commands are in the stream). */
  readonly open: boolean;
}

export interface LeaseSelf {
  readonly node: string;
  readonly address: string;
}

export type RenewResult = 'ok' | 'lost' | 'unreachable';

export class Lease {
  private heldRevision = 0;
  private validUntilMs = 0;
  private seen: { revision: number; sinceMs: number } | null = null;
  private lastHolder: LeaseHolder | null = null;
  private opened = false;

  constructor(
    private readonly kv: KV,
    private readonly self: LeaseSelf,
    readonly ttlMs: number = LEASE_TTL_MS_DEFAULT,
    private readonly nowMs: () => number = () => performance.now(),
  ) {
    if (!(Number.isInteger(ttlMs) && ttlMs >= 100 && ttlMs <= 60_000)) throw new Error(`lease TTL ${ttlMs} ms outside [100, 60000]`);
  }

  get renewEveryMs(): number {
    return Math.max(10, Math.floor(this.ttlMs / LEASE_RENEWALS_PER_TTL));
  }

  /** The term this node holds the lease in (its revision), 0 when it does not hold it. */
  get term(): number {
    return this.heldRevision;
  }

  /** True while this node holds the lease and its last renewal is recent enough to act on. */
  held(): boolean {
    return this.heldRevision > 0 && this.nowMs() < this.validUntilMs;
  }

  /** The holder last seen (or this node, while it holds the lease). */
  holder(): LeaseHolder | null {
    if (this.heldRevision > 0) return { ...this.self, revision: this.heldRevision, open: this.opened };
    return this.lastHolder;
  }

  /** Whether the holder last seen has opened (a standby starting up waits for it). */
  holderOpen(): boolean {
    return this.lastHolder?.open === true;
  }

  /** This node's start-up is done: its lease says so from the next renewal on, which is now. */
  async open(): Promise<void> {
    this.opened = true;
    if (this.heldRevision > 0) await this.renew();
  }

  private encode(): Uint8Array {
    return new TextEncoder().encode(JSON.stringify({ ...this.self, open: this.opened }));
  }

  /** Standby: reads the entry; true when it has lapsed (no holder, or unchanged for a whole TTL). */
  async observe(): Promise<boolean> {
    const entry = await this.kv.get(LEASE_KEY);
    const now = this.nowMs();
    if (entry === null || entry.operation !== 'PUT') {
      this.lastHolder = null;
      this.seen = { revision: entry?.revision ?? 0, sinceMs: now };
      return true;
    }
    if (this.seen === null || this.seen.revision !== entry.revision) this.seen = { revision: entry.revision, sinceMs: now };
    try {
      const value = JSON.parse(entry.string()) as { node?: unknown; address?: unknown; open?: unknown };
      this.lastHolder = { node: String(value.node), address: String(value.address), revision: entry.revision, open: value.open === true };
    } catch {
      this.lastHolder = null;
    }
    return now - this.seen.sinceMs >= this.ttlMs;
  }

  /** Standby: takes the lapsed lease by compare-and-set on the revision observed; the new term, or 0 when another node won. */
  async take(): Promise<number> {
    const sentMs = this.nowMs();
    const previous = this.seen?.revision ?? 0;
    try {
      const revision = previous === 0 || this.lastHolder === null ? await this.kv.create(LEASE_KEY, this.encode()).catch(() => this.kv.update(LEASE_KEY, this.encode(), previous)) : await this.kv.update(LEASE_KEY, this.encode(), previous);
      this.heldRevision = revision;
      this.validUntilMs = sentMs + this.ttlMs * LEASE_SAFETY;
      return revision;
    } catch {
      return 0;
    }
  }

  /** Leader: one renewal by compare-and-set on the revision it holds. */
  async renew(): Promise<RenewResult> {
    if (this.heldRevision === 0) return 'lost';
    const sentMs = this.nowMs();
    try {
      this.heldRevision = await this.kv.update(LEASE_KEY, this.encode(), this.heldRevision);
      this.validUntilMs = sentMs + this.ttlMs * LEASE_SAFETY;
      return 'ok';
    } catch (e) {
      // A wrong revision is an answer: somebody else holds it. Anything else (a timeout, no
      // responders while NATS elects) says nothing, and held() runs out on its own.
      if (e instanceof Error && /wrong last sequence/i.test(e.message)) {
        this.heldRevision = 0;
        return 'lost';
      }
      return 'unreachable';
    }
  }

  /** Gives the lease up (clean shutdown), so a standby takes over without waiting a TTL. */
  async release(): Promise<void> {
    if (this.heldRevision === 0) return;
    const revision = this.heldRevision;
    this.heldRevision = 0;
    await this.kv.delete(LEASE_KEY, { previousSeq: revision }).catch(() => undefined);
  }
}
