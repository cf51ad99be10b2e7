import { type Command, command } from '../engine/command-codec.js';
import { CommandType } from '../engine/command-layout.js';
import type { DecodedEvent } from '../engine/event-codec.js';
import { CancelReason, EventType } from '../engine/event-layout.js';
import type { Connection } from './connection.js';
import { massCancelCommand } from './order-translation.js';

/**
 * Which live orders each session placed, for cancel-on-disconnect of one session's own orders
 * (only sessions that opted in for it are tracked):
 *
 *   ACCEPTED of a place ──▶ its requester's live set (the requester comes from the pending table,
 *                           so this runs before the dispatch settles the command)
 *   TRADE leaving 0, CANCELLED leaving 0 ──▶ out of the owner's live set
 *
 * When a session ends, cancel-on-disconnect publishes a cancel for each of its live orders
 * ("session"), or one journaled mass cancel of the account ("account"). An order that becomes
 * live after its session ended (placed just before the disconnect) is cancelled when it does.
 * A session's set is bounded by the engine's open orders per account, which no session exceeds.
 */
export class SessionOrders {
  private readonly owners = new Map<number, Connection>();

  constructor(
    private readonly perSessionMax: number,
    private readonly clockUs: () => number,
    private readonly publish: (c: Command) => void,
  ) {
    if (!Number.isInteger(perSessionMax) || perSessionMax < 1) throw new RangeError(`perSessionMax ${perSessionMax}`);
  }

  /** Orders tracked in all (for tests and assertions). */
  get size(): number {
    return this.owners.size;
  }

  onEvent(ev: DecodedEvent, requester: (seq: number) => Connection | null): void {
    switch (ev.type) {
      case EventType.ACCEPTED: {
        if (ev.commandType !== CommandType.PLACE_ORDER) return;
        // Only sessions that will cancel their own orders are tracked: the others cost nothing.
        const conn = requester(ev.seq);
        if (conn === null || conn.session.cancelScope !== 'session') return;
        if (conn.closed) return this.publish(this.cancelOf(conn.session.accountId, ev.orderId));
        if (conn.liveOrders.size >= this.perSessionMax) throw new Error(`session ${conn.id}: more than ${this.perSessionMax} live orders`);
        conn.liveOrders.add(ev.orderId);
        this.owners.set(ev.orderId, conn);
        return;
      }
      case EventType.TRADE:
        if (this.owners.size === 0) return;
        if (ev.leavesQty === 0) this.finish(ev.orderId);
        if (ev.makerLeavesQty === 0) this.finish(ev.makerOrderId);
        return;
      case EventType.CANCELLED:
        if (ev.leavesQty === 0) this.finish(ev.orderId);
        return;
      default:
        return;
    }
  }

  /**
   * A session ended: its live orders are forgotten, and cancelled as its cancel-on-disconnect
   * asked (`cancelAccount` 0: it did not ask).
   */
  sessionClosed(conn: Connection, cancelAccount: number): void {
    const ids = [...conn.liveOrders];
    for (const id of ids) this.owners.delete(id);
    conn.liveOrders.clear();
    if (cancelAccount === 0) return;
    const scope = conn.session.cancelScope;
    switch (scope) {
      case 'none':
        throw new Error(`session ${conn.id}: cancel of account ${cancelAccount} without an opt-in`);
      case 'account':
        return this.publish(massCancelCommand(cancelAccount, 0, CancelReason.DISCONNECT, this.clockUs()));
      case 'session':
        for (const id of ids) this.publish(this.cancelOf(cancelAccount, id));
        return;
      default: {
        const unknown: never = scope;
        throw new Error(`unknown cancel scope ${String(unknown)}`);
      }
    }
  }

  private cancelOf(accountId: number, orderId: number): Command {
    // DISCONNECT, journaled with the cancel, so its events (and every replay of them) say why.
    return command({ type: CommandType.CANCEL_ORDER, timestampUs: this.clockUs(), accountId, targetId: orderId, reason: CancelReason.DISCONNECT });
  }

  private finish(orderId: number): void {
    const conn = this.owners.get(orderId);
    if (conn === undefined) return;
    this.owners.delete(orderId);
    conn.liveOrders.delete(orderId);
  }
}
