import { assert } from '../engine/assert.js';
import { command, type Command } from '../engine/command-codec.js';
import { CommandType, OrderType, Side, TimeInForce } from '../engine/command-layout.js';
import { defaultEngineConfig } from '../engine/default-config.js';
import { CancelReason } from '../engine/event-layout.js';
import type { EngineConfig } from '../engine/symbol-config.js';

/**
 * The crash test's load, shared by the child that publishes it and the parent that
 * checks the journal against it. Every command is a pure function of (run, counter), so the
 * parent can recognise each journaled command by its key and knows exactly which commands a
 * run was going to send, in which order:
 *
 *   plan of a run = ACCOUNT_CREATE of each account (ACCOUNT_EXISTS after the first run)
 *                 · retries: the idempotent commands an earlier run sent without getting an ack
 *                 · new commands, counter 0, 1, 2, ...
 *
 * Idempotent commands carry an id the core deduplicates: deposits a transfer id, orders a client
 * order id. A retry of one the journal already holds must be answered as a duplicate, never
 * applied twice; one the crash lost (published, not committed) is applied by the retry.
 */
export const CRASH_ACCOUNTS: readonly number[] = [1, 2];
/** Bound on commands a child has published without their ack: how far past the last ack a crash can reach. */
export const CRASH_INFLIGHT_MAX = 256;
/** Transfer ids are run × this + counter + 1: unique across runs, safe integers for 9e6 runs. */
const TRANSFER_ID_RUN_STRIDE = 1_000_000_000;
const SYMBOL_BTC_USD = 1;
const ASSET_USD = 1;
const ASSET_BTC = 2;
/** Centre of the price band, in ticks (10.00 USD): buys and sells overlap, so most orders trade. */
const PRICE_CENTRE_TICKS = 1000;

/** One command of a plan: which run and counter made it (retries keep their origin), and its key. */
export interface PlanItem {
  readonly run: number;
  /** -1 for a run's opening ACCOUNT_CREATE. */
  readonly counter: number;
  readonly key: string;
  readonly idempotent: boolean;
  readonly command: Command;
}

export function crashConfig(): EngineConfig {
  return defaultEngineConfig();
}

/** The opening commands of every run: each account is created (answered ACCOUNT_EXISTS once it is). */
export function openingItems(run: number): PlanItem[] {
  return CRASH_ACCOUNTS.map((accountId) => ({ run, counter: -1, key: `A${accountId}`, idempotent: false, command: command({ type: CommandType.ACCOUNT_CREATE, accountId }) }));
}

/**
 * The command with this counter in this run. One in four is a deposit (USD to account 1, BTC to
 * account 2, in turn), one in 64 a mass cancel of an account (keeps the book bounded), the rest
 * GTC limit orders, account 1 buying and account 2 selling around the same price, as many
 * buys as sells.
 */
export function planItem(run: number, counter: number): PlanItem {
  assert(Number.isSafeInteger(run) && run >= 0 && run < 9_000_000, `run ${run} out of range`);
  assert(Number.isSafeInteger(counter) && counter >= 0 && counter < TRANSFER_ID_RUN_STRIDE - 1, `counter ${counter} out of range`);
  if (counter % 64 === 63) {
    const accountId = CRASH_ACCOUNTS[(counter >> 6) % CRASH_ACCOUNTS.length] as number;
    const c = command({ type: CommandType.MASS_CANCEL, accountId, reason: CancelReason.USER });
    return { run, counter, key: `M${run}:${counter}`, idempotent: false, command: c };
  }
  if (counter % 4 === 0) {
    const toBtc = (counter >> 2) % 2 === 1;
    const transferId = run * TRANSFER_ID_RUN_STRIDE + counter + 1;
    const c = command({
      type: CommandType.DEPOSIT,
      accountId: toBtc ? 2 : 1,
      symbolId: toBtc ? ASSET_BTC : ASSET_USD,
      qty: depositAmount(transferId, toBtc),
      targetId: transferId,
    });
    return { run, counter, key: `D${transferId}`, idempotent: true, command: c };
  }
  // Counters 1 and 2 of each four buy and sell; counter 3 alternates: as many buys as sells.
  const buy = counter % 4 === 1 || (counter % 4 === 3 && (counter >> 2) % 2 === 0);
  const accountId = buy ? 1 : 2;
  const clOrdId = `r${run}c${counter}`;
  const c = command({
    type: CommandType.PLACE_ORDER,
    accountId,
    symbolId: SYMBOL_BTC_USD,
    side: buy ? Side.BUY : Side.SELL,
    orderType: OrderType.LIMIT,
    tif: TimeInForce.GTC,
    price: PRICE_CENTRE_TICKS + (buy ? (counter % 7) - 2 : 2 - (counter % 5)),
    qty: 1 + (counter % 3),
    clOrdId,
  });
  return { run, counter, key: `O${accountId}:${clOrdId}`, idempotent: true, command: c };
}

/** Deposits vary in size so that a double-counted one cannot hide behind another's amount. */
function depositAmount(transferId: number, btc: boolean): number {
  return (btc ? 10_000 : 1_000_000) * (1 + (transferId % 97));
}

/**
 * The deduplication key of a journaled command, from its fields alone: the id the core must
 * accept at most once (account, transfer, client order id); '' for commands without one.
 */
export function keyOf(c: Command): string {
  switch (c.type) {
    case CommandType.ACCOUNT_CREATE:
      return `A${c.accountId}`;
    case CommandType.DEPOSIT:
      return `D${c.targetId}`;
    case CommandType.PLACE_ORDER:
      return `O${c.accountId}:${c.clOrdId}`;
    default:
      return '';
  }
}

/** Whether a journaled command is this plan item: every field the load sets (not seq or timestamp). */
export function sameCommand(journaled: Command, item: PlanItem): boolean {
  const a = journaled;
  const b = item.command;
  return (
    a.type === b.type &&
    a.accountId === b.accountId &&
    a.symbolId === b.symbolId &&
    a.side === b.side &&
    a.orderType === b.orderType &&
    a.tif === b.tif &&
    a.flags === b.flags &&
    a.price === b.price &&
    a.qty === b.qty &&
    a.targetId === b.targetId &&
    a.clOrdId === b.clOrdId
  );
}

/** A retry list as one command-line argument: `run:counter,run:counter,...`. */
export function encodeRetries(items: readonly PlanItem[]): string {
  return items.map((i) => `${i.run}:${i.counter}`).join(',');
}

export function decodeRetries(text: string): PlanItem[] {
  if (text === '') return [];
  return text.split(',').map((pair) => {
    const [run, counter] = pair.split(':').map(Number);
    assert(run !== undefined && counter !== undefined, `bad retry ${pair}`);
    const item = planItem(run, counter);
    assert(item.idempotent, `retry ${pair} is not an idempotent command`);
    return item;
  });
}

/**
 * The run's plan, generated lazily: openings, retries, then new commands. `at(i)` is the i-th
 * command the run publishes, so the command with sequence readySeq + 1 + i.
 */
export class RunPlan {
  private readonly head: PlanItem[];
  /** Index of the first retry (after the openings). */
  readonly retryFrom: number;

  constructor(
    readonly run: number,
    readonly retries: readonly PlanItem[],
  ) {
    const openings = openingItems(run);
    this.retryFrom = openings.length;
    this.head = [...openings, ...retries];
  }

  /** Index of the first new (never retried) command. */
  get newFrom(): number {
    return this.head.length;
  }

  at(index: number): PlanItem {
    assert(Number.isSafeInteger(index) && index >= 0, `plan index ${index}`);
    return this.head[index] ?? planItem(this.run, index - this.head.length);
  }

  /**
   * What a client retries after this run was killed with `acked` commands acknowledged: every
   * unacknowledged idempotent command it may have published (the next CRASH_INFLIGHT_MAX from
   * the first unacknowledged) and every retry it had not reached, so no command is ever dropped.
   */
  unacknowledged(acked: number): PlanItem[] {
    const out: PlanItem[] = [];
    const end = Math.max(this.head.length, acked + CRASH_INFLIGHT_MAX);
    for (let i = acked; i < end; i++) {
      const item = this.at(i);
      if (item.idempotent) out.push(item);
    }
    return out;
  }
}
