import { StpMode } from '../engine/command-layout.js';

/** Quantity to take off one order, without a trade, to prevent a self-trade. */
export interface SelfTradeCut<O> {
  order: O;
  qty: number;
}

/**
 * What self-trade prevention does when a taker meets a resting order of its own account,
 * straight from the contract (design §4, docs/protocol.md), for the reference model: the
 * taker's mode decides, and each mode is the list of cuts it makes, resting order first.
 * A cut of an order's whole remaining quantity cancels it; a smaller one reduces it and it
 * keeps its place.
 *
 *   cancel taker          the taker's remainder goes; the resting order stays
 *   cancel maker          the resting order goes; the taker matches on
 *   cancel both           both go
 *   decrement and cancel  both lose the smaller of the two remainders; one at zero goes
 */
export function selfTradeCuts<O extends { leaves: number }>(mode: StpMode, taker: O, maker: O): Array<SelfTradeCut<O>> {
  if (!(taker.leaves > 0 && maker.leaves > 0)) throw new Error(`model: self-trade between ${taker.leaves} and ${maker.leaves} lots`);
  switch (mode) {
    case StpMode.CANCEL_TAKER:
      return [{ order: taker, qty: taker.leaves }];
    case StpMode.CANCEL_MAKER:
      return [{ order: maker, qty: maker.leaves }];
    case StpMode.CANCEL_BOTH:
      return [
        { order: maker, qty: maker.leaves },
        { order: taker, qty: taker.leaves },
      ];
    case StpMode.DECREMENT_AND_CANCEL: {
      const smaller = taker.leaves < maker.leaves ? taker.leaves : maker.leaves;
      return [
        { order: maker, qty: smaller },
        { order: taker, qty: smaller },
      ];
    }
    case StpMode.NONE:
      throw new Error('model: self-trade prevention asked for with mode NONE');
    default: {
      const unknown: never = mode;
      throw new Error(`model: unknown self-trade prevention mode ${String(unknown)}`);
    }
  }
}
