import { fail } from '../engine/assert.js';
import type { EventOutput } from '../engine/event-codec.js';
import { EVENT_SIZE } from '../engine/event-layout.js';
import { isClaimCode, type RingBuffer, type Sequencer } from '../ring/index.js';

/**
 * Output-ring slots claimed from the sequencer at once. A claim per event cost a sequencer
 * call (size assertion, `closed` load, capacity check) for every one of the 2-3 events a
 * command makes; a chunk pays it once per 64 events. Unused claimed slots at shutdown are
 * never published, which a single-producer ring allows (close() fixes seqEnd at the cursor).
 */
export const EVENT_CLAIM_CHUNK_MAX = 64;

/**
 * What a claimed slot is cleared with. `bytes.set(ZERO_EVENT, offset)` is a memcpy, while
 * `bytes.fill(0, offset, offset + EVENT_SIZE)` on a SharedArrayBuffer-backed array takes V8's
 * slow path: ~55-65 ns against ~21 ns per event measured on the 2-core machine, for the 2-3
 * events of every command.
 */
const ZERO_EVENT = new Uint8Array(EVENT_SIZE);

/**
 * The core's EventOutput on the output ring (single producer: the core thread).
 *
 * Publication: with `publishEventsMin` = 1 (the default) every command's events are published
 * at its end. A larger value publishes at a command's end only once that many events are
 * waiting, and the owner must call flush() before it waits for input (the core worker does at
 * the end of every input batch), so a burst of commands pays one cursor store (a BigInt, a
 * release fence and a wake check) per group rather than per command, while a quiet command is
 * still published at once. A command may also cause more events than the ring holds (a mass
 * cancel of thousands of orders), and claiming past what is unpublished would wait forever for
 * a consumer that cannot see them; so once a quarter of the ring is claimed but unpublished, it
 * is published early. Consumers therefore never assume that one publication is one command.
 */
export class RingEventOutput implements EventOutput {
  readonly view: DataView;
  private readonly bytes: Uint8Array;
  /** The last slot handed out by claim(). */
  private seqClaimed: number;
  /** The last slot claimed from the sequencer: (seqClaimed, seqClaimedHi] are ours, unused. */
  private seqClaimedHi: number;
  private seqPublished: number;
  private readonly unpublishedMax: number;
  private readonly claimChunk: number;

  constructor(
    private readonly ring: RingBuffer,
    private readonly sequencer: Sequencer,
    private readonly publishEventsMin = 1,
  ) {
    if (ring.slotBytes < EVENT_SIZE) fail(`output ring slots of ${ring.slotBytes} bytes cannot hold ${EVENT_SIZE}-byte events`);
    if (!(Number.isInteger(publishEventsMin) && publishEventsMin >= 1)) fail(`publishEventsMin ${publishEventsMin} is at least 1`);
    this.view = ring.view;
    this.bytes = ring.bytes;
    this.seqClaimed = ring.cursor.get();
    this.seqClaimedHi = this.seqClaimed;
    this.seqPublished = this.seqClaimed;
    this.unpublishedMax = Math.max(1, ring.slotCount >> 2);
    // No deadlock: a chunk is claimed only with fewer than unpublishedMax slots unpublished,
    // so the consumer can always free room for it (unpublished + chunk ≤ slotCount / 2).
    this.claimChunk = Math.min(EVENT_CLAIM_CHUNK_MAX, this.unpublishedMax);
  }

  claim(): number {
    if (this.seqClaimed === this.seqClaimedHi) this.claimMore();
    const seq = ++this.seqClaimed;
    const offset = this.ring.slotOffset(seq);
    // Zeroed, so that fields an event type does not write are identical live and replayed.
    this.bytes.set(ZERO_EVENT, offset);
    return offset;
  }

  commandDone(): void {
    if (this.seqClaimed - this.seqPublished >= this.publishEventsMin) this.publish();
  }

  /** Publishes whatever is claimed and unpublished: before the owner waits. */
  flush(): void {
    if (this.seqClaimed > this.seqPublished) this.publish();
  }

  private claimMore(): void {
    if (this.seqClaimed - this.seqPublished >= this.unpublishedMax) this.publish();
    const seqHi = this.sequencer.next(this.claimChunk);
    if (isClaimCode(seqHi)) fail(`output ring refused a claim (${seqHi}): it was closed while the core ran`);
    if (seqHi !== this.seqClaimedHi + this.claimChunk) fail(`output ring claim up to ${seqHi} after ${this.seqClaimedHi}`);
    this.seqClaimedHi = seqHi;
  }

  private publish(): void {
    this.sequencer.publish(this.seqPublished + 1, this.seqClaimed);
    this.seqPublished = this.seqClaimed;
  }

  /** The last event sequence published. */
  get published(): number {
    return this.seqPublished;
  }
}
