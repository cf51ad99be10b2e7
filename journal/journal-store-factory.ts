// Opening a journal store from a descriptor: plain data (a kind, a path, options) that crosses a
// worker boundary, so a thread that must open the store itself (the journal worker, the replay's
// reader thread, the snapshot follower) is told which store, not handed one.

import { unreachable } from '../engine/assert.js';
import type { Durability, JournalStore } from './journal-store.js';
import { openLmdbJournalStore } from './lmdb-journal-store.js';

/** Which store to open; serialisable (structured clone) so that a worker can be given it. */
export type JournalStoreDescriptor = {
  readonly kind: 'lmdb';
  readonly path: string;
  readonly durability: Durability;
  readonly mapSizeBytes?: number;
};

export function openJournalStore(descriptor: JournalStoreDescriptor): JournalStore {
  switch (descriptor.kind) {
    case 'lmdb':
      return openLmdbJournalStore(descriptor);
    default:
      return unreachable(descriptor.kind, 'journal store kind');
  }
}
