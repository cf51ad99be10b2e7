import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { captureState, stateHash } from './engine-state.js';
import { InProcessEngine } from './in-process-engine.js';
import { differingStateParts, statePartHashes } from './state-parts.js';
import type { EngineState } from './state-records.js';
import { CommandScript, engineView, propertyTestConfig, stepsArb } from '../testkit/random-commands.js';
import { BUY, FC_SEED, fcParameters, funded, SELL, SYM, SYM2 } from '../testkit/unit-fixtures.js';

/**
 * The state hashed part by part: a command changes the parts it should and no other, every field
 * of the state is in exactly one part, and the whole hash changes exactly when some part does.
 */
describe(`state part hashes (seed ${FC_SEED})`, () => {
  it('names the parts a command changed, and nothing for an equal state', () => {
    const t = funded(3);
    const before = captureState(t.engine);
    expect(differingStateParts(before, captureState(t.engine))).toEqual([]);
    expect(statePartHashes(before).map((p) => p.part)).toEqual(['configuration', 'clock', 'accounts', 'book 1', 'book 2', 'transfers', 'client order ids', 'trading halt', 'api keys']);

    t.limit(1, BUY, 100, 10, { symbolId: SYM2, timestampUs: 5_000_000 });
    const rested = captureState(t.engine);
    // The order reserves quote money (accounts), rests on symbol 2's book, and its timestamp
    // moves the clock; book 1 and every window are untouched.
    expect(differingStateParts(before, rested)).toEqual(['clock', 'accounts', 'book 2']);

    t.limit(2, SELL, 100, 10, { symbolId: SYM, clOrdId: 'a-1' });
    // Same timestamp: the clock stays.
    expect(differingStateParts(rested, captureState(t.engine))).toEqual(['accounts', 'book 1', 'client order ids']);

    const funds = captureState(t.engine);
    t.deposit(3, 1, 5);
    expect(differingStateParts(funds, captureState(t.engine))).toEqual(['accounts', 'transfers']);
  });

  it('holds every field of the state in exactly one part', () => {
    const t = funded(2);
    t.limit(1, BUY, 100, 10, { symbolId: SYM, clOrdId: 'b-1' });
    const state = captureState(t.engine);
    const fields = Object.keys(state).sort();
    expect(fields).toEqual(['accounts', 'apiKeys', 'books', 'clientOrderIds', 'configFingerprint', 'format', 'nowUs', 'supply', 'tradingHalted', 'transferIds', 'transferWatermark']);
    for (const field of fields.filter((f) => f !== 'books')) {
      const changed = { ...state, [field]: ['changed'] } as unknown as EngineState;
      expect(differingStateParts(state, changed), field).toHaveLength(1);
    }
    const book = state.books[0]!;
    for (const field of Object.keys(book).filter((f) => f !== 'symbolId')) {
      const changed = { ...state, books: [{ ...book, [field]: ['changed'] }, ...state.books.slice(1)] } as unknown as EngineState;
      expect(differingStateParts(state, changed), `book ${field}`).toEqual([`book ${book.symbolId}`]);
    }
    const renumbered = { ...state, books: [{ ...book, symbolId: 99 }, ...state.books.slice(1)] };
    expect(differingStateParts(state, renumbered)).toEqual([`book ${book.symbolId}`, 'book 99']);
  });

  it('changes some part exactly when a command changes the whole state hash', () => {
    const config = propertyTestConfig();
    let commands = 0;
    let changed = 0;
    fc.assert(
      fc.property(stepsArb(60), (steps) => {
        const live = new InProcessEngine(config);
        const script = new CommandScript();
        let state = captureState(live.engine);
        let hash = stateHash(live.engine);
        const apply = (c: { view: DataView }): void => {
          live.apply(c.view, 0);
          const nextState = captureState(live.engine);
          const nextHash = stateHash(live.engine);
          const parts = differingStateParts(state, nextState);
          expect(parts.length > 0).toBe(nextHash !== hash);
          commands++;
          if (parts.length > 0) changed++;
          state = nextState;
          hash = nextHash;
        };
        for (const c of script.openingCommands()) apply(c);
        for (const step of steps) apply(script.resolve(step, engineView(live.engine)));
      }),
      fcParameters(100),
    );
    // Both sides of the equivalence happened: commands that changed the state and ones that did not.
    expect(changed).toBeGreaterThan(0);
    expect(changed).toBeLessThan(commands);
  });
});
