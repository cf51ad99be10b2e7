import { describe, expect, it } from 'vitest';
import { COMMAND_SIZE } from '../engine/command-layout.js';
import { makeCommands } from '../testkit/journal-fixtures.js';
import {
  CommandQueueReader,
  CommandQueueWriter,
  createCommandQueue,
  QUEUE_COMMANDS_MAX,
  QUEUE_COMMANDS_MIN,
  QUEUE_DONE,
  QUEUE_FAILED,
  RUN_COMMANDS_MAX,
  type CommandRun,
} from './command-queue.js';

const STALL_MS = 1_000;

function bytesOf(run: CommandRun): Uint8Array {
  return new Uint8Array(run.view.buffer, run.view.byteOffset + run.offset, run.count * COMMAND_SIZE).slice();
}

/** Takes runs until the end state; returns their (firstSeq, count) and bytes, and the state. */
function drain(reader: CommandQueueReader): { runs: Array<[number, number]>; bytes: Uint8Array[]; state: number } {
  const runs: Array<[number, number]> = [];
  const bytes: Uint8Array[] = [];
  for (let turn = 0; turn < 100; turn++) {
    const next = reader.next(STALL_MS);
    if (typeof next === 'number') return { runs, bytes, state: next };
    runs.push([next.firstSeq, next.count]);
    bytes.push(bytesOf(next));
  }
  throw new Error('queue did not end');
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  return Buffer.concat(parts.map((part) => Buffer.from(part)));
}

describe('command queue', () => {
  it('hands over what was pushed as runs of at most RUN_COMMANDS_MAX, split where the ring wraps, in order, bytes unchanged', () => {
    const queue = createCommandQueue(4 * RUN_COMMANDS_MAX);
    const writer = new CommandQueueWriter(queue);
    const reader = new CommandQueueReader(queue);
    // 3 + 8191 + 5000 commands from 100: one run of the bound, then what is left.
    const groups: Array<[number, number]> = [
      [100, 3],
      [103, RUN_COMMANDS_MAX - 1],
      [100 + 2 + RUN_COMMANDS_MAX, 5000],
    ];
    for (const [firstSeq, count] of groups) expect(writer.push(makeCommands(firstSeq, count), firstSeq, count)).toBe(true);
    writer.end();
    const { runs, bytes, state } = drain(reader);
    expect(state).toBe(QUEUE_DONE);
    expect(runs).toEqual([
      [100, RUN_COMMANDS_MAX],
      [100 + RUN_COMMANDS_MAX, 5002],
    ]);
    expect(Buffer.from(concat(bytes)).equals(Buffer.from(makeCommands(100, RUN_COMMANDS_MAX + 5002)))).toBe(true);
  });

  it('reuses slots once given back: many more commands than slots pass through, a run never crossing the wrap', () => {
    const capacity = 2 * RUN_COMMANDS_MAX;
    const queue = createCommandQueue(capacity);
    const writer = new CommandQueueWriter(queue);
    const reader = new CommandQueueReader(queue);
    const take = (): CommandRun => {
      const run = reader.next(STALL_MS);
      if (typeof run === 'number') throw new Error(`state ${run} before the end`);
      expect(Buffer.from(bytesOf(run)).equals(Buffer.from(makeCommands(run.firstSeq, run.count)))).toBe(true);
      return run;
    };
    const pushRun = (index: number): void => {
      expect(writer.push(makeCommands(index * RUN_COMMANDS_MAX, RUN_COMMANDS_MAX), index * RUN_COMMANDS_MAX, RUN_COMMANDS_MAX)).toBe(true);
    };
    pushRun(0);
    pushRun(1); // the queue is full
    expect(writer.canPush(1)).toBe(false);
    const seen = [take().firstSeq];
    // Each take gives the previous run back, so exactly one run's room is free for the next push.
    for (let index = 2; index < 10; index++) {
      seen.push(take().firstSeq);
      pushRun(index);
    }
    writer.end();
    seen.push(take().firstSeq);
    expect(reader.next(STALL_MS)).toBe(QUEUE_DONE);
    expect(seen).toEqual(Array.from({ length: 10 }, (_, k) => k * RUN_COMMANDS_MAX));
  });

  it('a run ends where the ring wraps, and the next starts at its first slot', () => {
    const queue = createCommandQueue(QUEUE_COMMANDS_MIN);
    const writer = new CommandQueueWriter(queue);
    const reader = new CommandQueueReader(queue);
    writer.push(makeCommands(0, 12), 0, 12);
    expect(drainSome(reader, 12)).toEqual([[0, 12]]);
    writer.push(makeCommands(12, 2), 12, 2);
    expect(drainSome(reader, 2)).toEqual([[12, 2]]); // gives 0..11 back
    writer.push(makeCommands(14, 8), 14, 8); // ring sequences 14..21: slots 14..15, then 0..5
    writer.end();
    const { runs, bytes, state } = drain(reader);
    expect(runs).toEqual([[14, 2], [16, 6]]);
    expect(Buffer.from(concat(bytes)).equals(Buffer.from(makeCommands(14, 8)))).toBe(true);
    expect(state).toBe(QUEUE_DONE);
  });

  it('canPush says whether a push would wait: the free slots hold the commands', () => {
    const capacity = 2 * RUN_COMMANDS_MAX;
    const queue = createCommandQueue(capacity);
    const writer = new CommandQueueWriter(queue);
    const reader = new CommandQueueReader(queue);
    expect(writer.canPush(capacity)).toBe(true);
    expect(writer.canPush(capacity + 1)).toBe(false);
    writer.push(makeCommands(0, RUN_COMMANDS_MAX + 10), 0, RUN_COMMANDS_MAX + 10);
    expect(writer.canPush(RUN_COMMANDS_MAX - 10)).toBe(true);
    expect(writer.canPush(RUN_COMMANDS_MAX - 9)).toBe(false);
    const run = reader.next(STALL_MS);
    expect(run).toMatchObject({ firstSeq: 0, count: RUN_COMMANDS_MAX });
    expect(writer.canPush(RUN_COMMANDS_MAX - 9)).toBe(false); // the run is held until the next take
    expect(reader.next(STALL_MS)).toMatchObject({ firstSeq: RUN_COMMANDS_MAX, count: 10 });
    // Gives the second run back, then finds nothing more published.
    expect(() => reader.next(1)).toThrow(/no progress/);
    expect(writer.canPush(capacity)).toBe(true);
    expect(writer.canPush(capacity + 1)).toBe(false);
  });

  it('FAILED comes after every command published before the failure', () => {
    const queue = createCommandQueue(4 * RUN_COMMANDS_MAX);
    const writer = new CommandQueueWriter(queue);
    const reader = new CommandQueueReader(queue);
    writer.push(makeCommands(0, 10), 0, 10);
    writer.fail();
    const { runs, state } = drain(reader);
    expect(runs).toEqual([[0, 10]]);
    expect(state).toBe(QUEUE_FAILED);
  });

  it('an empty range ends at once; a cancelled queue stops the writer', () => {
    const empty = createCommandQueue(QUEUE_COMMANDS_MIN);
    const emptyWriter = new CommandQueueWriter(empty);
    emptyWriter.end();
    expect(new CommandQueueReader(empty).next(STALL_MS)).toBe(QUEUE_DONE);

    const queue = createCommandQueue(QUEUE_COMMANDS_MIN);
    const writer = new CommandQueueWriter(queue);
    new CommandQueueReader(queue).cancel();
    expect(writer.cancelled).toBe(true);
    expect(writer.push(makeCommands(0, 1), 0, 1)).toBe(false);
  });

  it('refuses a push that does not continue the last, and bounds the capacity', () => {
    const writer = new CommandQueueWriter(createCommandQueue(QUEUE_COMMANDS_MIN));
    writer.push(makeCommands(0, 5), 0, 5);
    expect(() => writer.push(makeCommands(6, 1), 6, 1)).toThrow(/does not follow 4/);
    expect(() => createCommandQueue(QUEUE_COMMANDS_MIN / 2)).toThrow(/not a power of two in/);
    expect(() => createCommandQueue(QUEUE_COMMANDS_MAX * 2)).toThrow(/not a power of two in/);
    expect(() => createCommandQueue(QUEUE_COMMANDS_MIN + 1)).toThrow(/not a power of two in/);
  });

  it('a reader with nothing published and no end gives up after its stall bound', () => {
    const queue = createCommandQueue(QUEUE_COMMANDS_MIN);
    expect(() => new CommandQueueReader(queue).next(100)).toThrow(/no progress for 1\d\d ms/);
  });
});

/** Takes runs until `count` commands were taken (the queue not ended); returns their (firstSeq, count). */
function drainSome(reader: CommandQueueReader, count: number): Array<[number, number]> {
  const runs: Array<[number, number]> = [];
  for (let taken = 0, turn = 0; taken < count; turn++) {
    expect(turn).toBeLessThan(100);
    const next = reader.next(STALL_MS);
    if (typeof next === 'number') throw new Error(`state ${next} before ${count} commands`);
    runs.push([next.firstSeq, next.count]);
    taken += next.count;
  }
  return runs;
}
