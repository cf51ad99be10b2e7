import { encode } from '@msgpack/msgpack';
import { Fnv64 } from './fnv64.js';
import type { EngineState } from './state-records.js';

/**
 * The engine's state hashed part by part, as exchange-core hashes its risk engine and each order
 * book on its own: when a replay or a restore does not reach a snapshot's state hash, the parts
 * that differ say where to look (one book, the balances, a window) instead of one opaque hash.
 *
 * A part is a slice of the captured state (engine-state.ts), so it is as canonical as the whole:
 *
 *   configuration     the configuration fingerprint and the state format
 *   clock             the engine's time (the newest command timestamp)
 *   accounts          every account's balances and block, and each asset's supply
 *   book <symbol id>  one symbol's resting orders (queue order), stops, halt and last price
 *   transfers         the transfer id window and its watermark
 *   client order ids  the client order id window
 *   trading halt      the kill switch for everything
 *   api keys          the accounts' key hashes
 *
 * Equal states have equal part hashes, and two states whose parts are all equal are equal: every
 * field of EngineState is in exactly one part (the test in state-parts.test.ts holds this).
 */
export interface StatePartHash {
  readonly part: string;
  readonly hash: string;
}

export function statePartHashes(state: EngineState): StatePartHash[] {
  const parts: StatePartHash[] = [
    partHash('configuration', [state.format, state.configFingerprint]),
    partHash('clock', state.nowUs),
    partHash('accounts', [state.supply, state.accounts]),
  ];
  for (const book of state.books) parts.push(partHash(`book ${book.symbolId}`, book));
  parts.push(
    partHash('transfers', [state.transferWatermark, state.transferIds]),
    partHash('client order ids', state.clientOrderIds),
    partHash('trading halt', state.tradingHalted),
    partHash('api keys', state.apiKeys),
  );
  return parts;
}

/**
 * The parts in which `a` and `b` differ, in statePartHashes' order; a part present in one state
 * only (a book of a symbol the other's configuration lacks) differs too. Empty when the states
 * are equal.
 */
export function differingStateParts(a: EngineState, b: EngineState): string[] {
  const theirs = new Map(statePartHashes(b).map((p) => [p.part, p.hash]));
  const differing: string[] = [];
  for (const { part, hash } of statePartHashes(a)) {
    if (theirs.get(part) !== hash) differing.push(part);
    theirs.delete(part);
  }
  for (const part of theirs.keys()) differing.push(part);
  return differing;
}

function partHash(part: string, value: unknown): StatePartHash {
  const h = new Fnv64();
  h.bytes(encode(value));
  return { part, hash: h.hex() };
}
