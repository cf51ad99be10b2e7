import type { Command } from '../engine/command-codec.js';
import type { DecodedEvent } from '../engine/event-codec.js';
import { EventType } from '../engine/event-layout.js';
import type { Logger } from './log.js';
import type { OrderIntake } from './order-intake.js';

const RETRY_QUEUE_MAX = 100_000;
const RETRY_DELAY_MS = 10;
const PUBLISH_RETRIES_MAX = 5_000;

/**
 * Commands the gateway publishes on its own behalf, which a full ring must not lose:
 *
 *   publishAndAwait  start-up funding and admin requests: waits out a full ring (bounded) and
 *                    resolves with the command's result event
 *   publishRetried   cancel-on-disconnect: a full ring queues the command (bounded) and a timer
 *                    publishes the queue again until it goes through
 */
export class InternalCommands {
  private readonly retries: Command[] = [];
  private retryTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly intake: OrderIntake,
    private readonly log: Logger,
  ) {}

  /** Commands waiting for room in the ring. */
  get queued(): number {
    return this.retries.length;
  }

  /** Publishes an internal command (waiting out a full ring, bounded) and resolves with its result event. */
  async publishAndAwait(c: Command): Promise<DecodedEvent> {
    for (let attempt = 0; attempt < PUBLISH_RETRIES_MAX; attempt++) {
      const result = this.intake.publishInternal(c);
      if (result !== null) return result;
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    throw new Error(`command type ${c.type}: the input ring stayed full`);
  }

  /** Publishes an internal command that must not be lost: a full ring queues it for a retry. */
  publishRetried(c: Command, what: string): void {
    const settled = this.intake.publishInternal(c);
    if (settled !== null) {
      settled.then((ev) => this.log.info(what, { seq: ev.seq, account: c.accountId, accepted: ev.type === EventType.ACCEPTED, code: ev.code }), () => undefined);
      return;
    }
    if (this.retries.length >= RETRY_QUEUE_MAX) {
      this.log.error(`${what} lost: retry queue full`, { account: c.accountId });
      return;
    }
    this.retries.push(c);
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    if (this.retryTimer !== null) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      const queued = this.retries.splice(0, this.retries.length);
      for (const c of queued) this.publishRetried(c, 'cancel on disconnect (retried)');
    }, RETRY_DELAY_MS);
  }

  /** Shutdown: no more retries (what is still queued is reported by the caller). */
  stopRetrying(): void {
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
  }
}
