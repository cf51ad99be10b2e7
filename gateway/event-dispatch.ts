import type { DecodedEvent } from '../engine/event-codec.js';
import { EventType } from '../engine/event-layout.js';
import type { WireConfig } from '../protocol/wire-config.js';
import type { Connections } from './connections.js';
import type { MarketData } from './market-data.js';
import type { MarketDataFanout } from './market-data-fanout.js';
import type { ReadModel } from '../replay/read-model.js';
import { type AccountMessage, accountMessages } from './order-translation.js';
import type { OrderIntake } from './order-intake.js';
import type { ServerMetrics } from './server-metrics.js';

/**
 * Every event from the output ring, in command order, on the server's thread:
 *
 *   any event ──▶ the read model first, so that every reply below is already reflected in what
 *                 a query sent after it reads (read-your-writes)
 *   ACCEPTED / REJECTED ──▶ the requester's answer (order-intake.ts settle)
 *   any event ──▶ account messages to the owning account's sessions
 *             ──▶ the market-data view; at the end of each drained batch, the fan-out
 */
export class EventDispatch {
  private readonly accountOut: AccountMessage[] = [];
  private lastEventSeq = -1;
  private eventsInBatch = 0;

  constructor(
    private readonly wire: WireConfig,
    private readonly market: MarketData,
    private readonly readModel: ReadModel,
    private readonly intake: OrderIntake,
    private readonly connections: Connections,
    private readonly fanout: MarketDataFanout,
    private readonly metrics: ServerMetrics,
  ) {}

  /** Events before `seqNext` belong to an earlier run: none may come in this one. */
  startAt(seqNext: number): void {
    this.lastEventSeq = seqNext - 1;
  }

  onEvent(ev: DecodedEvent, endOfBatch: boolean): void {
    // Events come in command order; a step back would mean the output ring is corrupt.
    if (ev.seq < this.lastEventSeq) throw new Error(`event of command ${ev.seq} after one of ${this.lastEventSeq}`);
    this.lastEventSeq = ev.seq;
    this.metrics.events.inc();
    this.eventsInBatch++;
    this.readModel.apply(ev);
    if (ev.type === EventType.ACCEPTED) this.connections.onKeyEvent(ev);
    if (ev.type === EventType.ACCEPTED || ev.type === EventType.REJECTED) this.intake.settle(ev);
    const out = this.accountOut;
    out.length = 0;
    accountMessages(ev, this.wire, this.readModel, out);
    for (const m of out) this.connections.sendToAccount(m.accountId, m.message);
    this.market.apply(ev);
    if (endOfBatch) {
      this.metrics.eventBatch.observe(this.eventsInBatch);
      this.eventsInBatch = 0;
      this.fanout.flushIfPending();
    }
  }
}
