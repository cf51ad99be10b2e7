// A journal opened over a store (design §5): the store (journal-store.ts) checked against the
// caller's configuration, with the genesis hash its chain starts from. The writer, reader,
// snapshot store and verify take this; how the bytes are kept is the store's business.

import { createHash } from 'node:crypto';
import { assert } from '../engine/assert.js';
import { JournalCorruptError, JournalMetaMismatchError } from './journal-error.js';
import type { Durability, JournalStore, MetaConfig } from './journal-store.js';
import { openJournalStore, type JournalStoreDescriptor } from './journal-store-factory.js';
import { COMMAND_SIZE_BYTES, HASH_BYTES, JOURNAL_FORMAT_VERSION, SEQ_FIRST, SEQ_NONE } from './record-layout.js';

export type { Durability, MetaConfig, MetaHead } from './journal-store.js';
export { MAP_SIZE_BYTES_DEFAULT } from './lmdb-journal-store.js';

/** Bound on the caller's configuration fingerprint: it is stored in meta and printed in errors. */
export const FINGERPRINT_LENGTH_MAX = 512;

/** An LMDB journal at `path`: the descriptor's fields and the configuration fingerprint. */
export interface JournalEnvOptions {
  readonly path: string;
  readonly durability: Durability;
  /** Identifies the symbol configuration (a hash of it, say); a journal opens only under the same one. */
  readonly fingerprint: string;
  readonly mapSizeBytes?: number;
}

export interface JournalEnv {
  /** Where the journal lives, for messages ('memory' for a memory store). */
  readonly path: string;
  readonly durability: Durability;
  readonly fingerprint: string;
  /** The prevGroupHash of the first group: binds the chain to the format and the configuration. */
  readonly genesisHash: Buffer;
  readonly store: JournalStore;
  /** How another thread opens this same journal; null for a store only this thread holds (memory). */
  readonly descriptor: JournalStoreDescriptor | null;
  close(): Promise<void>;
}

export function genesisHashOf(fingerprint: string): Buffer {
  return createHash('sha256')
    .update(`ordo journal genesis\0format ${JOURNAL_FORMAT_VERSION}\0command size ${COMMAND_SIZE_BYTES}\0${fingerprint}`)
    .digest();
}

/** The LMDB store descriptor of these options (for a worker that opens the journal itself). */
export function lmdbDescriptorOf(options: JournalEnvOptions): JournalStoreDescriptor {
  return { kind: 'lmdb', path: options.path, durability: options.durability, ...(options.mapSizeBytes === undefined ? {} : { mapSizeBytes: options.mapSizeBytes }) };
}

/** Opens (creating if absent) the LMDB journal at options.path and checks meta against the caller's configuration. */
export function openJournalEnv(options: JournalEnvOptions): JournalEnv {
  return openJournalEnvFrom(lmdbDescriptorOf(options), options.fingerprint);
}

/** Opens the journal a descriptor names (a worker thread's way in) and checks its meta. */
export function openJournalEnvFrom(descriptor: JournalStoreDescriptor, fingerprint: string): JournalEnv {
  checkFingerprint(fingerprint);
  return openJournalEnvOn(openJournalStore(descriptor), fingerprint, descriptor);
}

/**
 * Opens a journal over a store already open (a memory store, say) and checks or initialises its
 * meta; on a mismatch the store is closed and the error thrown.
 */
export function openJournalEnvOn(store: JournalStore, fingerprint: string, descriptor: JournalStoreDescriptor | null = null): JournalEnv {
  checkFingerprint(fingerprint);
  const env: JournalEnv = {
    path: descriptor === null ? 'memory' : descriptor.path,
    descriptor,
    durability: store.durability,
    fingerprint,
    genesisHash: genesisHashOf(fingerprint),
    store,
    close: () => store.close(),
  };
  try {
    checkOrInitMeta(env);
  } catch (error) {
    void store.close();
    throw error;
  }
  return env;
}

function checkFingerprint(fingerprint: string): void {
  assert(fingerprint.length > 0 && fingerprint.length <= FINGERPRINT_LENGTH_MAX, `fingerprint must be 1..${FINGERPRINT_LENGTH_MAX} characters`);
}

function checkOrInitMeta(env: JournalEnv): void {
  const expected: MetaConfig = { formatVersion: JOURNAL_FORMAT_VERSION, commandSize: COMMAND_SIZE_BYTES, fingerprint: env.fingerprint };
  const stored = env.store.metaConfig();
  if (stored === undefined) {
    const firstKey = env.store.firstGroupKey();
    if (firstKey !== null) throw new JournalCorruptError('format', firstKey, 'the journal has groups but meta has no configuration');
    // A fresh journal: record what it is written under, durably (per the mode) before any group.
    env.store.putMetaConfig(expected);
    const readBack = env.store.metaConfig();
    assert(readBack?.fingerprint === expected.fingerprint, 'meta config did not read back');
    return;
  }
  const fields: ReadonlyArray<readonly [name: string, stored: unknown, expected: string | number]> = [
    ['format version', stored.formatVersion, expected.formatVersion],
    ['command size', stored.commandSize, expected.commandSize],
    ['configuration fingerprint', stored.fingerprint, expected.fingerprint],
  ];
  for (const [name, storedValue, expectedValue] of fields) {
    if (storedValue !== expectedValue) throw new JournalMetaMismatchError(env.path, name, String(storedValue), String(expectedValue));
  }
}

export interface JournalHead {
  readonly lastSeq: number;
  readonly hash: Buffer;
}

/** The head recorded in meta; for an empty journal, SEQ_NONE and the genesis hash. */
export function readHead(env: JournalEnv): JournalHead {
  const head = env.store.metaHead();
  if (head === undefined) return { lastSeq: SEQ_NONE, hash: env.genesisHash };
  const hash = Buffer.from(head.hashHex, 'hex');
  if (!Number.isSafeInteger(head.lastSeq) || head.lastSeq < SEQ_FIRST || hash.byteLength !== HASH_BYTES) {
    throw new JournalCorruptError('format', SEQ_FIRST, `meta head is malformed: ${JSON.stringify(head)}`);
  }
  return { lastSeq: head.lastSeq, hash };
}
