import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { captureState } from './engine-state.js';
import type { DecodedEvent } from './event-codec.js';
import { InProcessEngine } from './in-process-engine.js';
import { checkInvariants } from './invariants.js';
import { type EncodedCommand, CommandScript, propertyTestConfig, type Step, stepsArb } from '../testkit/random-commands.js';
import { ReferenceModel } from '../testkit/reference-model.js';

/**
 * Model-based test of the matching core: random command sequences (every command type, several
 * accounts and symbols, prices in a narrow band so that orders cross, some malformed commands)
 * go to the engine and to a naive reference model (testing/reference-model.ts); every command
 * must produce identical decoded events, and the engine's invariants must hold after each one.
 *
 * Reproduce a failure with the seed (and path) fast-check prints: FC_SEED=<seed> FC_PATH=<path>.
 * FC_RUNS overrides the number of runs.
 */
const SEED = process.env.FC_SEED !== undefined ? Number(process.env.FC_SEED) : Math.floor(Math.random() * 2 ** 31);
const PATH = process.env.FC_PATH;
const RUNS = process.env.FC_RUNS !== undefined ? Number(process.env.FC_RUNS) : 1000;
const MAX_STEPS = 150;

function describeCommand(c: EncodedCommand): string {
  return JSON.stringify(c.decoded);
}

/** Applies `steps` to a fresh engine and model, asserting agreement after every command. */
function runAgainstModel(steps: readonly Step[]): void {
  const config = propertyTestConfig();
  const live = new InProcessEngine(config);
  const model = new ReferenceModel(config);
  const script = new CommandScript();
  const history: string[] = [];
  const applyBoth = (c: EncodedCommand): void => {
    history.push(describeCommand(c));
    const actual: DecodedEvent[] = live.apply(c.view, 0);
    const expected = model.apply(c.decoded);
    // Equal strings mean equal events; only when they differ (which field order alone could
    // cause) does the slow toEqual decide, and report a difference readably.
    if (JSON.stringify(actual) !== JSON.stringify(expected)) {
      expect(actual, `command ${history.length}: ${history.at(-1)}`).toEqual(expected);
    }
    checkInvariants(live.engine);
  };
  for (const c of script.openingCommands()) applyBoth(c);
  for (const step of steps) {
    applyBoth(script.resolve(step, { nowUs: model.nowUs, liveOrders: model.liveOrders().map((o) => ({ ...o, pending: o.status === 'stop' })) }));
  }
  // Events only show what a command touched; compare the whole of what is left as well.
  const state = captureState(live.engine);
  const engineOrders = state.books
    .flatMap((b) => b.orders)
    .map((o) => [o.id, o.accountId, o.price, o.stopPrice, o.leaves, o.filled, o.reserved])
    .sort((a, b) => (a[0] as number) - (b[0] as number));
  const modelOrders = model.liveOrders().map((o) => [o.id, o.account, o.price, o.stopPrice, o.leaves, o.filled, o.reserved]);
  expect(engineOrders).toEqual(modelOrders);
  for (const account of state.accounts) {
    account.available.forEach((available, i) => {
      expect([account.id, i + 1, available, account.reserved[i]]).toEqual([account.id, i + 1, model.balance(account.id, i + 1).available, model.balance(account.id, i + 1).reserved]);
    });
  }
  expect(state.nowUs).toBe(model.nowUs);
}

describe('matching core against the reference model', () => {
  it(`gives identical events for random command sequences (seed ${SEED}, ${RUNS} runs)`, () => {
    fc.assert(fc.property(stepsArb(MAX_STEPS), runAgainstModel), {
      seed: SEED,
      numRuns: RUNS,
      ...(PATH !== undefined ? { path: PATH } : {}),
    });
  });
});
