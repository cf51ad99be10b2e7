// The ring: a Disruptor-style sequenced ring buffer on one SharedArrayBuffer.
//
// Main thread (owner):
//   const ring = RingBuffer.create({ slotCount: 4096, slotBytes: 128, consumerCount: 2, producerKind: 'multi' });
//   const journalWorker = spawnWorker(url, { workerData: { ring: ring.descriptor } });
//   const gateway = createSequencer(ring);                  // main thread: tryNext only
//   const seqHi = gateway.tryNext(1);
//   if (seqHi === CLAIM_FULL) answer BUSY; else { write ring.view at ring.slotOffset(seqHi); gateway.publish(seqHi, seqHi); }
//
// Worker (consumer i, gated on consumer j, or on the producers with dependsOn = []):
//   const ring = RingBuffer.attach(workerData.ring);
//   const core = new BatchConsumer(ring, CORE, new SequenceBarrier(ring, [JOURNAL], WAIT_HYBRID_DEFAULT));
//   core.run((view, offset, seq, endOfBatch) => { ... }, BATCH_SIZE_MAX_DEFAULT);   // returns when drained
//
// Main thread consuming (output ring): new MainThreadConsumer(consumer).run(handler) → Promise.
//
// Shutdown: stop every producer (each publishes what it claimed), then ring.close() fixes
// seqEnd = the last published sequence; consumers drain to it and their run() returns.
export * from './ring-layout.js';
export { RingBuffer } from './ring-buffer.js';
export { Sequence } from './sequence.js';
export * from './wait-strategy.js';
export * from './sequencer.js';
export * from './sequence-barrier.js';
export * from './batch-consumer.js';
export * from './main-thread-consumer.js';
