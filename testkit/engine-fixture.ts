import type { Command } from '../engine/command-codec.js';
import { CommandType } from '../engine/command-layout.js';
import { defaultEngineConfig } from '../engine/default-config.js';
import type { DecodedEvent } from '../engine/event-codec.js';
import { InProcessEngine } from '../engine/in-process-engine.js';
import { EventType } from '../engine/event-layout.js';
import { defaultWireConfig, type WireConfig } from '../protocol/wire-config.js';
import { ReadModel } from '../replay/read-model.js';
import type { OrderLookup } from '../gateway/order-translation.js';

/**
 * The demo configuration's core, in process, with funded accounts: for gateway tests that need
 * real events (translation, market data) without the ring. Accounts 1..accounts each get
 * 10 000 000 USD, 1 000 BTC and 1 000 ETH.
 */
export class EngineFixture {
  readonly engine = new InProcessEngine(defaultEngineConfig(), 1);
  readonly wire: WireConfig = defaultWireConfig();
  /** Every event of every command applied, as the gateway's read model would hold them. */
  readonly model = new ReadModel();
  private transferId = 1;
  private timestampUs = 1_000_000;

  constructor(accounts = 2) {
    for (let a = 1; a <= accounts; a++) {
      this.submit({ type: CommandType.ACCOUNT_CREATE, accountId: a });
      this.deposit(a, 1, 10_000_000 * 1_000_000);
      this.deposit(a, 2, 1_000 * 100_000_000);
      this.deposit(a, 3, 1_000 * 100_000_000);
    }
  }

  private deposit(accountId: number, assetId: number, amount: number): void {
    this.submit({ type: CommandType.DEPOSIT, accountId, symbolId: assetId, qty: amount, targetId: this.transferId++ });
  }

  /** Applies one command (timestamped 1 ms after the previous one) and returns its events. */
  submit(fields: Partial<Command> & Pick<Command, 'type'>): DecodedEvent[] {
    this.timestampUs += 1_000;
    const events = this.engine.submit({ timestampUs: this.timestampUs, ...fields });
    for (const ev of events) this.model.apply(ev);
    return events;
  }

  /**
   * The read model as the gateway's replies see it while they go through one command's events
   * in order (the fixture applied them all already): trade ids count the command's trades.
   */
  lookupFor(events: readonly DecodedEvent[]): OrderLookup & { next(ev: DecodedEvent): void } {
    const model = this.model;
    let tradeIndex = -1;
    let tradeSeq = -1;
    return {
      clOrdIdOf: (accountId, orderId) => model.clOrdIdOf(accountId, orderId),
      orderIdOf: (accountId, clOrdId) => model.orderIdOf(accountId, clOrdId),
      get lastTradeId() {
        return `${tradeSeq}-${tradeIndex}`;
      },
      next(ev) {
        if (!events.includes(ev)) throw new Error('event of another command');
        if (ev.type !== EventType.TRADE) return;
        if (ev.seq !== tradeSeq) [tradeSeq, tradeIndex] = [ev.seq, -1];
        tradeIndex++;
      },
    };
  }

  /** Applies an already built command, keeping its timestamp unless it has none. */
  apply(c: Command): DecodedEvent[] {
    return this.submit({ ...c, timestampUs: c.timestampUs === 0 ? this.timestampUs + 1_000 : c.timestampUs, seq: 0 });
  }
}
