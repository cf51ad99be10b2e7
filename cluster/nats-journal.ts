// The NATS side of cluster mode, set up once per node: one connection that fails over between the
// NATS servers, the journal stream (three replicas, file storage, kept whole) and the lease bucket.
// Both are created by whichever node comes first; the others find them.

import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager, RetentionPolicy, StorageType, DiscardPolicy } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { JOURNAL_STREAM, JOURNAL_SUBJECT } from './stream-record.js';
import { setTimeout as sleep } from 'node:timers/promises';

export const LEASE_BUCKET = 'ordo_lease';
export const REPLICAS = 3;
/** A retried append is recognised as a duplicate for this long (nanoseconds: NATS's unit). */
const DUPLICATE_WINDOW_NS = 120e9;
/** The JetStream API's answer time: generous, since a stream leader election takes seconds. */
export const JS_TIMEOUT_MS = 5_000;

export interface NatsJournal {
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  readonly kv: KV;
}

export interface NatsJournalOptions {
  servers: readonly string[];
  /** The connection's name, seen in the servers' monitoring: the node's name. */
  name: string;
  replicas?: number;
}

export async function openNatsJournal(options: NatsJournalOptions): Promise<NatsJournal> {
  const nc = await connect({
    servers: [...options.servers],
    name: options.name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 100,
    pingInterval: 2_000,
    timeout: JS_TIMEOUT_MS,
  });
  const replicas = options.replicas ?? REPLICAS;
  try {
    // A NATS cluster that is still forming (a server restarting, the meta leader not yet elected,
    // too few JetStream peers to place three replicas) answers these with errors for a while: a
    // node started meanwhile waits for it rather than exit.
    const jsm = await untilSetUp('JetStream', () => jetstreamManager(nc, { timeout: JS_TIMEOUT_MS }));
    await untilSetUp(`stream ${JOURNAL_STREAM}`, async () => {
      try {
        await jsm.streams.info(JOURNAL_STREAM);
      } catch {
        await jsm.streams.add({
          name: JOURNAL_STREAM,
          subjects: [JOURNAL_SUBJECT],
          num_replicas: replicas,
          storage: StorageType.File,
          retention: RetentionPolicy.Limits,
          discard: DiscardPolicy.New,
          duplicate_window: DUPLICATE_WINDOW_NS,
          allow_direct: true,
        });
      }
    });
    const kv = await untilSetUp(`bucket ${LEASE_BUCKET}`, () => new Kvm(nc).create(LEASE_BUCKET, { replicas, history: 1 }));
    return { nc, js: jetstream(nc, { timeout: JS_TIMEOUT_MS }), jsm, kv };
  } catch (error) {
    await nc.close();
    throw error;
  }
}

/** How long a node waits for the NATS cluster to let it set up, and between tries. */
const SET_UP_WAIT_MS = 60_000;
const SET_UP_RETRY_MS = 250;

/**
 * Tries `step` until it succeeds, for at most SET_UP_WAIT_MS; then fails with its last error.
 * For what a node sets up on the NATS cluster (the stream, the bucket, a consumer): while the
 * cluster forms or heals after losing a server, requests time out or find no leader for a while.
 */
export async function untilSetUp<T>(what: string, step: () => Promise<T>): Promise<T> {
  const deadline = performance.now() + SET_UP_WAIT_MS;
  // Bounded by the deadline.
  for (;;) {
    try {
      return await step();
    } catch (error) {
      if (performance.now() + SET_UP_RETRY_MS > deadline) throw new Error(`NATS: ${what} not set up in ${SET_UP_WAIT_MS} ms: ${(error as Error).message}`);
      await sleep(SET_UP_RETRY_MS);
    }
  }
}
