import { headers } from '@nats-io/transport-node';
import { describe, expect, it } from 'vitest';
import { COMMAND_SIZE } from '../engine/command-layout.js';
import { readRecordHeader, recordHeaders, recordMsgId, STREAM_COMMANDS_MAX } from './stream-record.js';

describe('the journal stream record', () => {
  it('round-trips a commands record and a leadership record through the headers', () => {
    const commands = { kind: 'commands', term: 7, firstSeq: 100, count: 3 } as const;
    expect(readRecordHeader(recordHeaders(commands), 3 * COMMAND_SIZE, 12)).toEqual(commands);
    const leader = { kind: 'leader', term: 8, firstSeq: 103, count: 0 } as const;
    expect(readRecordHeader(recordHeaders(leader), 40, 13)).toEqual(leader);
  });

  it('message ids carry the term, so a retry is a duplicate and another leader never collides', () => {
    expect(recordMsgId({ kind: 'commands', term: 7, firstSeq: 100, count: 3 })).toBe('t7:commands:100');
    expect(recordMsgId({ kind: 'commands', term: 8, firstSeq: 100, count: 3 })).not.toBe(recordMsgId({ kind: 'commands', term: 7, firstSeq: 100, count: 3 }));
  });

  it('refuses, naming the stream message, what ordo did not write or wrote inconsistently', () => {
    expect(() => readRecordHeader(undefined, 0, 5)).toThrow(/message 5: unknown kind/);
    const other = headers();
    other.set('Ordo-Kind', 'snapshot');
    expect(() => readRecordHeader(other, 0, 6)).toThrow(/message 6: unknown kind "snapshot"/);
    expect(() => readRecordHeader(recordHeaders({ kind: 'commands', term: 1, firstSeq: 0, count: 2 }), COMMAND_SIZE, 7)).toThrow(/message 7: 128 bytes for 2 commands/);
    expect(() => readRecordHeader(recordHeaders({ kind: 'commands', term: 1, firstSeq: 0, count: STREAM_COMMANDS_MAX + 1 }), (STREAM_COMMANDS_MAX + 1) * COMMAND_SIZE, 8)).toThrow(/message 8: count/);
    const torn = recordHeaders({ kind: 'commands', term: 1, firstSeq: 0, count: 1 });
    torn.set('Ordo-Seq-Next', '5');
    expect(() => readRecordHeader(torn, COMMAND_SIZE, 9)).toThrow(/message 9: Ordo-Seq-Next disagrees/);
    const negative = recordHeaders({ kind: 'leader', term: 1, firstSeq: 0, count: 0 });
    negative.set('Ordo-Term', '-1');
    expect(() => readRecordHeader(negative, 0, 10)).toThrow(/message 10: header Ordo-Term is "-1"/);
  });
});
