/**
 * Which node a client tries next, and when, while it looks for the leader (failover-client.ts):
 *
 *   addresses [a, b, c]   tried in order, round and round; the first attempt of a search at once,
 *                         each later one after a backoff that doubles from backoffMsMin up to
 *                         backoffMsMax (with jitter, so clients cut off together do not come back
 *                         together)
 *   leader named          a node that refused (NOT_LEADER) or a standby's login named the
 *                         leader: that address is tried next, in the list or not
 *   attemptsMax           attempts in one search; when they are spent the search gives up
 *
 * A search ends when a leader takes the client (`connected()`): the next one starts afresh, at
 * the address after the one that was lost. Pure: no sockets, no timers, randomness injected.
 */
export interface RotationPolicy {
  /** Connection attempts in one search for the leader before giving up. */
  readonly attemptsMax: number;
  /** The wait before the second attempt of a search; it doubles with each attempt after. */
  readonly backoffMsMin: number;
  /** The longest wait between two attempts. */
  readonly backoffMsMax: number;
}

export const ROTATION_POLICY_DEFAULT: RotationPolicy = { attemptsMax: 20, backoffMsMin: 50, backoffMsMax: 2_000 };

/** Addresses a client may be given: a cluster is a few nodes, not a directory. */
export const ADDRESSES_MAX = 64;
export const ATTEMPTS_MAX_LIMIT = 10_000;
export const BACKOFF_MS_LIMIT = 600_000;
/** Longest address accepted, from the caller or named by a server. */
export const ADDRESS_LENGTH_MAX = 2_048;

export interface Attempt {
  readonly address: string;
  /** How long to wait before connecting. */
  readonly delayMs: number;
  /** 1 for the first attempt of a search. */
  readonly attempt: number;
}

/** A WebSocket address a client may connect to: ws:// or wss://, with a host. */
export function isWsAddress(text: unknown): text is string {
  if (typeof text !== 'string' || text.length > ADDRESS_LENGTH_MAX) return false;
  try {
    const url = new URL(text);
    return (url.protocol === 'ws:' || url.protocol === 'wss:') && url.hostname !== '';
  } catch {
    return false;
  }
}

export function checkRotation(addresses: readonly string[], policy: RotationPolicy): void {
  if (addresses.length === 0 || addresses.length > ADDRESSES_MAX) throw new Error(`addresses: 1 to ${ADDRESSES_MAX}, got ${addresses.length}`);
  for (const a of addresses) if (!isWsAddress(a)) throw new Error(`address ${JSON.stringify(String(a).slice(0, 200))}: a ws:// or wss:// URL`);
  const { attemptsMax, backoffMsMin, backoffMsMax } = policy;
  if (!Number.isInteger(attemptsMax) || attemptsMax < 1 || attemptsMax > ATTEMPTS_MAX_LIMIT) throw new Error(`attemptsMax ${attemptsMax}: 1..${ATTEMPTS_MAX_LIMIT}`);
  if (!Number.isInteger(backoffMsMin) || backoffMsMin < 0 || backoffMsMin > BACKOFF_MS_LIMIT) throw new Error(`backoffMsMin ${backoffMsMin}: 0..${BACKOFF_MS_LIMIT}`);
  if (!Number.isInteger(backoffMsMax) || backoffMsMax < backoffMsMin || backoffMsMax > BACKOFF_MS_LIMIT) throw new Error(`backoffMsMax ${backoffMsMax}: backoffMsMin..${BACKOFF_MS_LIMIT}`);
}

export class AddressRotation {
  /** The index of the address tried last; -1 before the first. */
  private at = -1;
  private attempts = 0;

  constructor(
    private readonly addresses: readonly string[],
    private readonly policy: RotationPolicy,
    /** In [0, 1): the share of each backoff's upper half that is waited. */
    private readonly random: () => number = Math.random,
  ) {
    checkRotation(addresses, policy);
  }

  /** Attempts made in the current search. */
  get attemptsMade(): number {
    return this.attempts;
  }

  /**
   * The next attempt of the search, or null when its attempts are spent. `leader`: the address
   * the last node named as the leader; one that is not a ws:// URL is not followed.
   */
  next(leader?: string | null): Attempt | null {
    if (this.attempts >= this.policy.attemptsMax) return null;
    this.attempts++;
    let address: string;
    if (isWsAddress(leader)) {
      address = leader;
      const i = this.addresses.indexOf(leader);
      // A leader outside the list leaves the round where it was.
      if (i >= 0) this.at = i;
    } else {
      this.at = (this.at + 1) % this.addresses.length;
      address = this.addresses[this.at] as string;
    }
    return { address, delayMs: this.delayMs(this.attempts), attempt: this.attempts };
  }

  /** A leader took the client: the next search starts with all its attempts. */
  connected(): void {
    this.attempts = 0;
  }

  /** 0 for the first attempt; then backoffMsMin × 2^(n−2), at most backoffMsMax, its upper half jittered. */
  private delayMs(attempt: number): number {
    if (attempt <= 1) return 0;
    const { backoffMsMin, backoffMsMax } = this.policy;
    // The exponent is capped so the power stays finite whatever attemptsMax is.
    const base = Math.min(backoffMsMax, backoffMsMin * 2 ** Math.min(attempt - 2, 30));
    const r = Math.min(Math.max(this.random(), 0), 1);
    return Math.floor(base / 2 + (base / 2) * r);
  }
}
