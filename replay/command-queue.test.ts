import { describe, expect, it } from 'vitest';
import { COMMAND_SIZE } from '../engine/command-layout.js';
import { makeCommands } from '../testkit/journal-fixtures.js';
import {
  commandQueueBytes,
  CommandQueueReader,
  CommandQueueWriter,
  createCommandQueue,
  QUEUE_DONE,
  QUEUE_FAILED,
  QUEUE_SLOTS_MAX,
  SLOT_COMMANDS,
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
  it('packs groups into full slots and splits a group across a slot boundary, in order, bytes unchanged', () => {
    const buffer = createCommandQueue(4);
    const writer = new CommandQueueWriter(buffer);
    const reader = new CommandQueueReader(buffer);
    // 3 + 8190 fills the first slot and carries 1 into the second; 5000 more stay below capacity.
    const groups: Array<[number, number]> = [
      [100, 3],
      [103, SLOT_COMMANDS - 1],
      [100 + 2 + SLOT_COMMANDS, 5000],
    ];
    for (const [firstSeq, count] of groups) expect(writer.push(makeCommands(firstSeq, count), firstSeq, count)).toBe(true);
    writer.end();
    const { runs, bytes, state } = drain(reader);
    expect(state).toBe(QUEUE_DONE);
    expect(runs).toEqual([
      [100, SLOT_COMMANDS],
      [100 + SLOT_COMMANDS, 5002],
    ]);
    expect(Buffer.from(concat(bytes)).equals(Buffer.from(makeCommands(100, SLOT_COMMANDS + 5002)))).toBe(true);
  });

  it('reuses a slot once given back: many more runs than slots pass through two slots', () => {
    const buffer = createCommandQueue(2);
    const writer = new CommandQueueWriter(buffer);
    const reader = new CommandQueueReader(buffer);
    const take = (): CommandRun => {
      const run = reader.next(STALL_MS);
      if (typeof run === 'number') throw new Error(`state ${run} before the end`);
      expect(Buffer.from(bytesOf(run)).equals(Buffer.from(makeCommands(run.firstSeq, run.count)))).toBe(true);
      return run;
    };
    const pushSlot = (index: number): void => {
      expect(writer.push(makeCommands(index * SLOT_COMMANDS, SLOT_COMMANDS), index * SLOT_COMMANDS, SLOT_COMMANDS)).toBe(true);
    };
    pushSlot(0);
    pushSlot(1); // the queue is full
    const seen = [take().firstSeq];
    // Each take gives the previous run back, so exactly one slot is free for the next push.
    for (let index = 2; index < 10; index++) {
      seen.push(take().firstSeq);
      pushSlot(index);
    }
    writer.end();
    seen.push(take().firstSeq);
    expect(reader.next(STALL_MS)).toBe(QUEUE_DONE);
    expect(seen).toEqual(Array.from({ length: 10 }, (_, k) => k * SLOT_COMMANDS));
  });

  it('canPush says whether a push would wait: the slot being filled and the free slots hold the commands', () => {
    const buffer = createCommandQueue(2);
    const writer = new CommandQueueWriter(buffer);
    const reader = new CommandQueueReader(buffer);
    expect(writer.canPush(2 * SLOT_COMMANDS)).toBe(true);
    expect(writer.canPush(2 * SLOT_COMMANDS + 1)).toBe(false);
    writer.push(makeCommands(0, SLOT_COMMANDS + 10), 0, SLOT_COMMANDS + 10); // one slot published, one being filled
    expect(writer.canPush(SLOT_COMMANDS - 10)).toBe(true);
    expect(writer.canPush(SLOT_COMMANDS - 9)).toBe(false);
    const run = reader.next(STALL_MS);
    expect(typeof run).toBe('object');
    // Gives the first slot back, then finds nothing more published.
    expect(() => reader.next(1)).toThrow(/no progress/);
    expect(writer.canPush(2 * SLOT_COMMANDS - 10)).toBe(true);
    expect(writer.canPush(2 * SLOT_COMMANDS - 9)).toBe(false);
  });

  it('FAILED comes after every run published before the failure, a partial slot included', () => {
    const buffer = createCommandQueue(4);
    const writer = new CommandQueueWriter(buffer);
    const reader = new CommandQueueReader(buffer);
    writer.push(makeCommands(0, 10), 0, 10);
    writer.fail();
    const { runs, state } = drain(reader);
    expect(runs).toEqual([[0, 10]]);
    expect(state).toBe(QUEUE_FAILED);
  });

  it('an empty range ends at once; a cancelled queue stops the writer', () => {
    const empty = createCommandQueue(2);
    const emptyWriter = new CommandQueueWriter(empty);
    emptyWriter.end();
    expect(new CommandQueueReader(empty).next(STALL_MS)).toBe(QUEUE_DONE);

    const buffer = createCommandQueue(2);
    const writer = new CommandQueueWriter(buffer);
    new CommandQueueReader(buffer).cancel();
    expect(writer.cancelled).toBe(true);
    expect(writer.push(makeCommands(0, 1), 0, 1)).toBe(false);
  });

  it('refuses a run that does not continue the slot being filled, and bounds the slot count', () => {
    const writer = new CommandQueueWriter(createCommandQueue(2));
    writer.push(makeCommands(0, 5), 0, 5);
    expect(() => writer.push(makeCommands(6, 1), 6, 1)).toThrow(/does not follow 4/);
    expect(() => commandQueueBytes(1)).toThrow(/outside/);
    expect(() => commandQueueBytes(QUEUE_SLOTS_MAX + 1)).toThrow(/outside/);
  });

  it('a reader with nothing published and no end gives up after its stall bound', () => {
    const buffer = createCommandQueue(2);
    expect(() => new CommandQueueReader(buffer).next(100)).toThrow(/no progress for 1\d\d ms/);
  });
});
