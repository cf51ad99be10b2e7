import type { EngineConfig } from '../engine/symbol-config.js';
import type { MainThreadWait } from '../ring/index.js';
import type { Durability, EngineHost, OnCommand } from './engine-host.js';
import { JournalHost } from './journal-host.js';

export interface EngineHostOptions {
  config: EngineConfig;
  /** Where the journal and snapshots live. */
  dataDir: string;
  durability: Durability;
  onCommand?: OnCommand;
  /** How the server's thread waits for output-ring events; default GATEWAY_EVENT_WAIT. */
  eventWait?: MainThreadWait;
}

/**
 * The server's wait for events: a few idle event-loop turns, then Atomics.waitAsync. The ring's
 * main-thread default polls 256 idle turns (~130 µs or more) before it parks, which a steady
 * flow never reaches: at 10K orders/s an order's events come every 100 µs, so the server's
 * thread polled without pause, a whole core on a 2-core machine that also runs the journal,
 * the core, the snapshot follower and (in ws-end-to-end) the client. Parked, it sleeps in its
 * event loop, which also wakes for the client's frames, and an event costs it one wake (2.7-20
 * µs, bench/ring-hop-latency.ts) instead of a core. The few turns catch events that follow a
 * batch closely (a burst in progress) without parking.
 */
export const GATEWAY_EVENT_WAIT: MainThreadWait = { pollTurns: 4 };

/**
 * The one place the server's engine host is chosen: the journal-backed host (recovery from
 * `dataDir`, then the pipeline with the journal consumer gating the core), in the durability the
 * configuration asks for. PipelineHost (no journal) remains for tests that want none.
 */
export function createEngineHost(options: EngineHostOptions): EngineHost {
  return new JournalHost({
    config: options.config,
    dataDir: options.dataDir,
    durability: options.durability,
    pipeline: { mainThreadWait: options.eventWait ?? GATEWAY_EVENT_WAIT },
    ...(options.onCommand === undefined ? {} : { onCommand: options.onCommand }),
  });
}
