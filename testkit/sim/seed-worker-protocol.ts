// What runSeedsParallel (seed-workers.ts) and its threads (seed-worker.ts) pass each other.

import type { SimCounters } from './sim-counters.js';
import type { SimOptions } from './sim-options.js';

export const SHARED_NEXT = 0;
export const SHARED_STOP = 1;
export const SHARED_SLOTS = 2;

export interface SeedWorkerData {
  readonly first: number;
  readonly count: number;
  readonly options: SimOptions;
  /** Date.now() after which no seed starts. */
  readonly deadlineMs: number;
  /** Int32 [next seed index, stop flag]. */
  readonly shared: SharedArrayBuffer;
}

export type SeedWorkerMessage =
  | { readonly type: 'done'; readonly ran: number; readonly counters: SimCounters }
  | { readonly type: 'failed'; readonly seed: number; readonly step: number; readonly message: string; readonly stack: string };

