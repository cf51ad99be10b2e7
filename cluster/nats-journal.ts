// The NATS side of cluster mode, set up once per node: one connection that fails over between the
// NATS servers, the journal stream (three replicas, file storage, kept whole) and the lease bucket.
// Both are created by whichever node comes first; the others find them.

import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager, RetentionPolicy, StorageType, DiscardPolicy } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { JOURNAL_STREAM, JOURNAL_SUBJECT } from './stream-record.js';

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
  const jsm = await jetstreamManager(nc, { timeout: JS_TIMEOUT_MS });
  const replicas = options.replicas ?? REPLICAS;
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
  const kv = await new Kvm(nc).create(LEASE_BUCKET, { replicas, history: 1 });
  return { nc, js: jetstream(nc, { timeout: JS_TIMEOUT_MS }), jsm, kv };
}
