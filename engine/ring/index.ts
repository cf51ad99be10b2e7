// Public API of the ring: import from 'engine/ring/index.js'.
export * from './ring-layout.js';
export { RingBuffer } from './ring-buffer.js';
export { Sequence } from './sequence.js';
export * from './wait-strategy.js';
export * from './sequencer.js';
export * from './sequence-barrier.js';
export * from './batch-consumer.js';
export * from './main-thread-consumer.js';
