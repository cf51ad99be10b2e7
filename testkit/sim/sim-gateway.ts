// The gateway's side of the simulated pipeline, without sockets: orders arrive as wire frames and
// go through the gateway's own intake (frame-intake.ts: decode and validate; order-commands.ts:
// pre-trade risk, read-model lookups, translation), and the core's events feed the gateway's own
// read model (replay/read-model.ts) and market data, as event-dispatch.ts feeds them.
//
//   client command ──wire frame (JSON)──▶ intakeFrame ──▶ orderCommandOf ──▶ command to sequence
//        │                                      └── refused: a stable code, nothing sequenced
//        └── no wire form (admin, transfers, malformed bytes) ──▶ sequenced as it is
//   events delivered ──▶ read model, market data
//
// An order the gateway takes must come out as the very command the client meant (the wire
// carries it exactly), so the translation both ways is checked on every order. A hostile frame
// (cut short, a field of the wrong type, an unknown type) must be refused with a stable code.

import { assert } from '../../engine/assert.js';
import { type Command, decodeCommand, encodeCommand, NO_KEY_MATERIAL } from '../../engine/command-codec.js';
import { COMMAND_SIZE, CommandType, FLAG_POST_ONLY, Side, StpMode } from '../../engine/command-layout.js';
import { captureState, type EngineState } from '../../engine/engine-state.js';
import type { DecodedEvent } from '../../engine/event-codec.js';
import { CancelReason } from '../../engine/event-layout.js';
import { OrderState } from '../../engine/order-pool.js';
import type { MatchingEngine } from '../../engine/matching-engine.js';
import type { EngineConfig } from '../../engine/symbol-config.js';
import { bytesEqual } from '../../journal/group-codec.js';
import { formatUnits } from '../../protocol/decimal.js';
import { wireConfigFrom, type WireConfig } from '../../protocol/wire-config.js';
import { intakeFrame } from '../../gateway/frame-intake.js';
import { type ChannelMessage, MarketData } from '../../gateway/market-data.js';
import { seedMarketData } from '../../gateway/market-seed.js';
import { orderCommandOf } from '../../gateway/order-commands.js';
import { WIRE_ORDER_TYPE_OF, WIRE_TIF_OF } from '../../gateway/wire-order-enums.js';
import { ReadModel } from '../../replay/read-model.js';
import type { Prng } from './prng.js';

const WIRE_SIDES: ReadonlyMap<number, string> = new Map([
  [Side.BUY, 'buy'],
  [Side.SELL, 'sell'],
]);
const WIRE_STP: ReadonlyMap<number, string> = new Map([
  [StpMode.NONE, 'none'],
  [StpMode.CANCEL_TAKER, 'cancel_taker'],
  [StpMode.CANCEL_MAKER, 'cancel_maker'],
  [StpMode.CANCEL_BOTH, 'cancel_both'],
  [StpMode.DECREMENT_AND_CANCEL, 'decrement_and_cancel'],
]);
/** A stable code: a positive number with an upper-case name, what a client can switch on. */
const STABLE_NAME = /^[A-Z][A-Z_]*[A-Z]$/;

function checkStable(error: { readonly code: number; readonly name: string }, what: string): void {
  assert(Number.isInteger(error.code) && error.code > 0 && STABLE_NAME.test(error.name), `${what} with code ${error.code} ${error.name}`);
}

/** What became of a client's command at the gateway. */
export type GatewayOutcome =
  | { readonly kind: 'order'; readonly bytes: Uint8Array }
  | { readonly kind: 'refused'; readonly code: number }
  | { readonly kind: 'raw'; readonly bytes: Uint8Array };

/**
 * The symbols of a configuration as the wire states them; the price band off, so that the
 * client's random prices meet the core's checks rather than only the band.
 */
export function simWireConfig(config: EngineConfig): WireConfig {
  return wireConfigFrom(config, Object.fromEntries(config.symbols.map((s) => [s.name, { priceBandBps: 0 }])));
}

/** Read model windows for a simulation: its orders and fills are few, and a model is built per recovery. */
export const SIM_READ_MODEL_LIMITS = { finalOrdersMax: 1_024, fillsMax: 1_024 } as const;

export class SimGateway {
  readonly readModel = new ReadModel(SIM_READ_MODEL_LIMITS);
  private market: MarketData;
  private readonly channelOut: ChannelMessage[] = [];
  private nextRequestId = 1;

  constructor(private readonly wire: WireConfig) {
    this.market = new MarketData(wire);
  }

  /**
   * A client's command (whole bytes, as the client built them) through the gateway: an order with
   * a wire form is sent as a JSON frame and comes back as the gateway's command (checked equal to
   * the client's) or a refusal; anything else is passed on as it is.
   */
  intake(bytes: Uint8Array): GatewayOutcome {
    const meant = decodeCommand(new DataView(bytes.buffer, bytes.byteOffset, COMMAND_SIZE), 0);
    const message = this.wireMessage(meant);
    if (message === null) return { kind: 'raw', bytes };
    const intake = intakeFrame(Buffer.from(JSON.stringify(message)), false);
    if (intake.kind === 'refused') return this.refused(intake.reply);
    assert(intake.kind === 'message', `an order frame came out as ${intake.kind}`);
    const m = intake.message;
    assert(m.type === 'place' || m.type === 'cancel' || m.type === 'amend' || m.type === 'mass_cancel', `an order frame came out as a ${m.type} message`);
    const made = orderCommandOf(m, meant.accountId, meant.timestampUs, { wire: this.wire, market: this.market, readModel: this.readModel });
    if (!made.ok) return this.refused(made.error);
    const out = encoded(made.value);
    // The wire carries no symbol for a cancel: the gateway's command has none.
    const expected = encoded(meant.type === CommandType.CANCEL_ORDER ? { ...meant, symbolId: 0, seq: 0 } : { ...meant, seq: 0 });
    assert(bytesEqual(out, expected), `the gateway made ${JSON.stringify(made.value)} of ${JSON.stringify(message)}, the client meant ${JSON.stringify(meant)}`);
    return { kind: 'order', bytes: out };
  }

  /** A frame no client should send: it must be refused with a stable code, never throw. */
  hostileFrame(prng: Prng): number {
    const place = { type: 'place', id: this.nextRequestId++, symbol: this.wire.symbols[0]?.name, side: 'buy', orderType: 'limit', price: '1', qty: '1' };
    const text = JSON.stringify(place);
    const kind = prng.below(4);
    const frame =
      kind === 0
        ? text.slice(0, prng.between(0, text.length - 1))
        : kind === 1
          ? JSON.stringify({ ...place, qty: prng.chance(0.5) ? 1 : null })
          : kind === 2
            ? JSON.stringify({ ...place, type: 'plaice' })
            : JSON.stringify({ ...place, side: 'both', clOrdId: 'x'.repeat(prng.between(65, 300)) });
    const intake = intakeFrame(Buffer.from(frame), false);
    assert(intake.kind === 'refused', `a hostile frame (${frame.slice(0, 80)}) was taken as ${intake.kind}`);
    checkStable(intake.reply, 'a hostile frame was refused');
    return intake.reply.code;
  }

  /** The events of one delivered command, in order: the read model first, then market data. */
  deliver(events: readonly DecodedEvent[]): void {
    for (const ev of events) {
      this.readModel.apply(ev);
      this.market.apply(ev);
    }
    this.channelOut.length = 0;
    this.market.flush(this.channelOut);
  }

  /** Market data after a restart, from the recovered state (the server's seedMarketData). */
  reseedMarket(state: EngineState): void {
    this.market = new MarketData(this.wire);
    seedMarketData(this.market, state);
  }

  private refused(error: { readonly code: number; readonly name: string }): GatewayOutcome {
    checkStable(error, 'the gateway refused an order');
    return { kind: 'refused', code: error.code };
  }

  /** The wire message that carries exactly `c` from a logged-in session, or null when none can. */
  private wireMessage(c: Command): object | null {
    // A session logs in to an account the gateway knows; the others' commands come another way.
    if (!(c.accountId >= 1 && this.readModel.account(c.accountId) !== undefined && c.reason <= CancelReason.USER && c.keyMaterial.length === 0 && safe(c.timestampUs) && c.timestampUs >= 0)) return null;
    const id = this.nextRequestId++;
    switch (c.type) {
      case CommandType.PLACE_ORDER: {
        const symbol = this.wire.symbolById(c.symbolId);
        const side = WIRE_SIDES.get(c.side);
        const orderType = WIRE_ORDER_TYPE_OF.get(c.orderType);
        const tif = WIRE_TIF_OF.get(c.tif);
        const stp = WIRE_STP.get(c.stp);
        if (symbol === undefined || side === undefined || orderType === undefined || tif === undefined || stp === undefined) return null;
        if (c.reason !== 0 || c.targetId !== 0 || (c.flags & ~FLAG_POST_ONLY) !== 0 || !safe(c.price, c.stopPrice, c.qty, c.expireAtUs)) return null;
        return {
          type: 'place',
          id,
          symbol: symbol.name,
          side,
          orderType,
          tif,
          ...(c.price !== 0 ? { price: formatUnits(c.price, symbol.tick) } : {}),
          ...(c.stopPrice !== 0 ? { stopPrice: formatUnits(c.stopPrice, symbol.tick) } : {}),
          qty: formatUnits(c.qty, symbol.lot),
          ...(c.clOrdId !== '' ? { clOrdId: c.clOrdId } : {}),
          ...((c.flags & FLAG_POST_ONLY) !== 0 ? { postOnly: true } : {}),
          stp,
          ...(c.expireAtUs !== 0 ? { expireAtUs: c.expireAtUs } : {}),
        };
      }
      case CommandType.CANCEL_ORDER:
        if (!isBare(c, ['targetId', 'symbolId']) || !safe(c.targetId)) return null;
        return { type: 'cancel', id, orderId: c.targetId };
      case CommandType.AMEND_ORDER: {
        const symbol = this.wire.symbolById(c.symbolId);
        if (symbol === undefined || !isBare(c, ['targetId', 'symbolId', 'price', 'qty', 'stopPrice']) || !safe(c.targetId, c.price, c.qty, c.stopPrice)) return null;
        return {
          type: 'amend',
          id,
          orderId: c.targetId,
          symbol: symbol.name,
          ...(c.price !== 0 ? { price: formatUnits(c.price, symbol.tick) } : {}),
          ...(c.qty !== 0 ? { qty: formatUnits(c.qty, symbol.lot) } : {}),
          ...(c.stopPrice !== 0 ? { stopPrice: formatUnits(c.stopPrice, symbol.tick) } : {}),
        };
      }
      case CommandType.MASS_CANCEL: {
        if (c.reason !== CancelReason.USER || !isBare(c, ['symbolId', 'reason'])) return null;
        if (c.symbolId === 0) return { type: 'mass_cancel', id };
        const symbol = this.wire.symbolById(c.symbolId);
        return symbol === undefined ? null : { type: 'mass_cancel', id, symbol: symbol.name };
      }
      default:
        return null;
    }
  }
}

/** Of the fields an order command may carry, `c` sets only those in `allowed` (the rest are zero). */
function isBare(c: Command, allowed: readonly string[]): boolean {
  const fields = { side: c.side, orderType: c.orderType, tif: c.tif, flags: c.flags, stp: c.stp, reason: c.reason, price: c.price, stopPrice: c.stopPrice, qty: c.qty, targetId: c.targetId, expireAtUs: c.expireAtUs, symbolId: c.symbolId };
  for (const [name, value] of Object.entries(fields)) if (value !== 0 && !allowed.includes(name)) return false;
  return c.clOrdId === '' && c.keyMaterial === NO_KEY_MATERIAL;
}

function safe(...values: number[]): boolean {
  return values.every((value) => Number.isSafeInteger(value));
}

function encoded(c: Command): Uint8Array {
  const view = new DataView(new ArrayBuffer(COMMAND_SIZE));
  encodeCommand(c, view, 0);
  return new Uint8Array(view.buffer);
}

// ───────────────────────────── the read model against the core ─────────────────────────────

/**
 * What the read model must agree with the core on, as one comparable string: per account, its
 * blocked flag, balances (zero ones left out) and live orders (every field both keep); the trading
 * halt. Finished orders, fills and timestamps are the read model's own history, not core state.
 */
export function readModelDigest(model: ReadModel, config: EngineConfig): string {
  const parts: string[] = [`halted ${String(model.tradingHalted)}`];
  for (let accountId = 0; accountId <= config.maxAccounts; accountId++) {
    const account = model.account(accountId);
    if (account === undefined) continue;
    const balances = model
      .balances(accountId)
      .filter((b) => b.available !== 0 || b.reserved !== 0)
      .sort((a, b) => a.assetId - b.assetId)
      .map((b) => `${b.assetId}:${b.available}/${b.reserved}`);
    const orders = model.openOrders(accountId).map((o) => orderLine(o.orderId, o.symbolId, o.side, o.orderType, o.tif, o.postOnly, o.price, o.stopPrice, o.qty, o.cumQty, o.leavesQty, o.clOrdId, o.status));
    parts.push(`account ${accountId} blocked ${String(account.blocked)} balances ${balances.join(' ')} orders ${orders.sort().join(' ')}`);
  }
  return parts.join('\n');
}

/** The same string from the core's state. */
export function engineDigest(engine: MatchingEngine, state: EngineState = captureState(engine)): string {
  const parts: string[] = [`halted ${String(state.tradingHalted)}`];
  const live = state.books.flatMap((b) => b.orders).filter((o) => o.state === OrderState.RESTING || o.state === OrderState.STOP_PENDING);
  for (const account of state.accounts) {
    const balances: string[] = [];
    account.available.forEach((available, index) => {
      const reserved = account.reserved[index] ?? 0;
      if (available !== 0 || reserved !== 0) balances.push(`${index + 1}:${available}/${reserved}`);
    });
    const orders = live
      .filter((o) => o.accountId === account.id)
      .map((o) => orderLine(o.id, o.symbolId, o.side, o.type, o.tif, (o.flags & FLAG_POST_ONLY) !== 0, isMarketType(o.type) ? 0 : o.price, o.stopPrice, o.filled + o.leaves, o.filled, o.leaves, o.clOrdId, o.filled > 0 ? 'partially_filled' : 'new'));
    parts.push(`account ${account.id} blocked ${String(account.blocked)} balances ${balances.join(' ')} orders ${orders.sort().join(' ')}`);
  }
  return parts.join('\n');
}

function orderLine(id: number, symbol: number, side: number, type: number, tif: number, postOnly: boolean, price: number, stopPrice: number, qty: number, cum: number, leaves: number, clOrdId: string, status: string): string {
  return `${id}/${symbol}/${side}/${type}/${tif}/${String(postOnly)}/${price}/${stopPrice}/${qty}/${cum}/${leaves}/${clOrdId}/${status}`;
}

function isMarketType(type: number): boolean {
  return WIRE_ORDER_TYPE_OF.get(type) === 'market' || WIRE_ORDER_TYPE_OF.get(type) === 'stop_market';
}
