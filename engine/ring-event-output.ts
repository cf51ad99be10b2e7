import { fail } from './assert.js';
import type { EventOutput } from './event-codec.js';
import { EVENT_SIZE } from './event-layout.js';
import { isClaimCode, type RingBuffer, type Sequencer } from './ring/index.js';

/**
 * The core's EventOutput on the output ring (single producer: the core thread). Events are
 * published at the end of every command, so a consumer normally sees a command's events
 * together. A command may cause more events than the ring holds (a mass cancel of thousands of
 * orders), and claiming past what is unpublished would wait forever for a consumer that cannot
 * see them; so once a quarter of the ring is claimed but unpublished, it is published early.
 * Consumers therefore never assume that one publication is one whole command.
 */
export class RingEventOutput implements EventOutput {
  readonly view: DataView;
  private seqClaimed: number;
  private seqPublished: number;
  private readonly unpublishedMax: number;

  constructor(
    private readonly ring: RingBuffer,
    private readonly sequencer: Sequencer,
  ) {
    if (ring.slotBytes < EVENT_SIZE) fail(`output ring slots of ${ring.slotBytes} bytes cannot hold ${EVENT_SIZE}-byte events`);
    this.view = ring.view;
    this.seqClaimed = ring.cursor.get();
    this.seqPublished = this.seqClaimed;
    this.unpublishedMax = Math.max(1, ring.slotCount >> 2);
  }

  claim(): number {
    if (this.seqClaimed - this.seqPublished >= this.unpublishedMax) this.publish();
    const seq = this.sequencer.next(1);
    if (isClaimCode(seq)) fail(`output ring refused a claim (${seq}): it was closed while the core ran`);
    if (seq !== this.seqClaimed + 1) fail(`output ring claim ${seq} after ${this.seqClaimed}`);
    this.seqClaimed = seq;
    const offset = this.ring.slotOffset(seq);
    this.ring.bytes.fill(0, offset, offset + EVENT_SIZE);
    return offset;
  }

  commandDone(): void {
    if (this.seqClaimed > this.seqPublished) this.publish();
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
