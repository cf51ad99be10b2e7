import type { Command } from '../engine/command-codec.js';
import { CancelReason } from '../engine/event-layout.js';
import { ResultCode } from '../engine/result-code.js';
import { coreError, GatewayCode, gatewayError } from '../protocol/gateway-codes.js';
import type { WireConfig } from '../protocol/wire-config.js';
import type { MassCancelMessage, OrderMessage } from '../protocol/wire-schema.js';
import type { ReadModel } from '../replay/read-model.js';
import { amendCommand, cancelCommand, massCancelCommand, placeCommand } from './order-translation.js';
import { checkAmend, checkMassCancel, checkPlace, type MarketView, type RiskResult } from './pre-trade-risk.js';

/** What turning an order into a command reads: the symbols, the market and the read model. */
export interface OrderCommandContext {
  readonly wire: WireConfig;
  readonly market: MarketView;
  readonly readModel: Pick<ReadModel, 'tradingHalted' | 'order' | 'orderByClOrdId'>;
}

/**
 * A validated order message of a logged-in account as the core's command, or the refusal the
 * requester gets: halt, pre-trade risk (pre-trade-risk.ts) and translation (order-translation.ts),
 * with an amend's or a cancel's order looked up in the read model. Pure: no socket, no ring, no
 * clock (the caller stamps `timestampUs`), no throttle; the order intake runs it between its
 * bounds and its throttle, and the deterministic simulation runs it as the gateway's intake.
 */
export function orderCommandOf(m: OrderMessage | MassCancelMessage, account: number, timestampUs: number, ctx: OrderCommandContext): RiskResult<Command> {
  switch (m.type) {
    case 'place': {
      if (ctx.readModel.tradingHalted) return refused(gatewayError(GatewayCode.TRADING_DISABLED));
      const checked = checkPlace(m, ctx.wire, ctx.market);
      if (!checked.ok) return checked;
      return { ok: true, value: placeCommand(m, checked.value, account, timestampUs) };
    }
    case 'amend': {
      if (ctx.readModel.tradingHalted) return refused(gatewayError(GatewayCode.TRADING_DISABLED));
      // The order's own symbol, price and quantity come from the read model; another account's
      // order, or one that is gone, is answered as the core would answer it.
      const order = ctx.readModel.order(account, m.orderId);
      if (order === undefined || (order.status !== 'new' && order.status !== 'partially_filled')) return refused(coreError(ResultCode.UNKNOWN_ORDER));
      const checked = checkAmend(m, order, ctx.wire, ctx.market);
      if (!checked.ok) return checked;
      return { ok: true, value: amendCommand(m, checked.value, account, timestampUs) };
    }
    case 'cancel': {
      let orderId = m.orderId;
      if (orderId === undefined) {
        // By client order id: the newest order of the account that has it (the core refuses it when it is no longer live).
        orderId = ctx.readModel.orderByClOrdId(account, m.clOrdId ?? '')?.orderId;
        if (orderId === undefined) return refused(coreError(ResultCode.UNKNOWN_ORDER));
      }
      return { ok: true, value: cancelCommand(orderId, account, timestampUs) };
    }
    case 'mass_cancel': {
      const checked = checkMassCancel(m, ctx.wire);
      if (!checked.ok) return checked;
      return { ok: true, value: massCancelCommand(account, checked.value, CancelReason.USER, timestampUs) };
    }
    default: {
      const unknown: never = m;
      throw new Error(`unknown order message ${JSON.stringify(unknown)}`);
    }
  }
}

function refused(error: ReturnType<typeof gatewayError>): RiskResult<Command> {
  return { ok: false, error };
}
