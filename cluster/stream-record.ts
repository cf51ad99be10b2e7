// What one message of the replicated journal carries (design §11). The stream is the journal of
// record in cluster mode; its messages are of three kinds, told apart by a header:
//
//   kind      headers                                   payload
//   commands  Ordo-Kind: commands, Ordo-First-Seq: s,   count × COMMAND_SIZE bytes: commands s .. s+count-1,
//             Ordo-Count: count, Ordo-Term: t           exactly as sequenced (seq and timestamp inside)
//   leader    Ordo-Kind: leader, Ordo-First-Seq: n,     JSON { node, address }: the lease holder of term t
//             Ordo-Count: 0, Ordo-Term: t               opened for orders; its first command will be n
//
// Every message carries Ordo-Seq-Next (the command sequence after it), which grows with the stream
// sequence, so the message holding a command is found by a binary search over stream sequences.
// A message id of `t<term>:<kind>:<first seq>` makes a retried append of the same leader a
// duplicate (stored once), and never collides with another leader's message.

import { headers, type MsgHdrs } from '@nats-io/transport-node';
import { COMMAND_SIZE } from '../engine/command-layout.js';

/** One subject, one stream: the order of the stream is the order of the journal. */
export const JOURNAL_SUBJECT = 'ordo.journal';
export const JOURNAL_STREAM = 'ORDO_JOURNAL';

/**
 * Commands per message: 512 KiB of payload, under NATS's default max_payload (1 MiB) with room
 * for the headers, so a cluster needs no server setting of ours.
 */
export const STREAM_COMMANDS_MAX = 4096;

export type StreamRecordKind = 'commands' | 'leader';

export interface StreamRecordHeader {
  readonly kind: StreamRecordKind;
  readonly term: number;
  /** First command sequence (commands), else the next command sequence. */
  readonly firstSeq: number;
  readonly count: number;
}

const H_KIND = 'Ordo-Kind';
const H_TERM = 'Ordo-Term';
const H_FIRST = 'Ordo-First-Seq';
const H_COUNT = 'Ordo-Count';
const H_NEXT = 'Ordo-Seq-Next';

export function recordHeaders(record: StreamRecordHeader): MsgHdrs {
  const h = headers();
  h.set(H_KIND, record.kind);
  h.set(H_TERM, String(record.term));
  h.set(H_FIRST, String(record.firstSeq));
  h.set(H_COUNT, String(record.count));
  h.set(H_NEXT, String(record.firstSeq + record.count));
  return h;
}

export function recordMsgId(record: StreamRecordHeader): string {
  return `t${record.term}:${record.kind}:${record.firstSeq}`;
}

/** A stream message's header, checked; throws on a message ordo did not write. */
export function readRecordHeader(h: MsgHdrs | undefined, payloadBytes: number, streamSeq: number): StreamRecordHeader {
  const kind = h?.get(H_KIND);
  const num = (name: string): number => {
    const text = h?.get(name) ?? '';
    const value = Number(text);
    if (text === '' || !Number.isSafeInteger(value) || value < 0) throw new Error(`journal stream message ${streamSeq}: header ${name} is ${JSON.stringify(text)}`);
    return value;
  };
  if (kind !== 'commands' && kind !== 'leader') throw new Error(`journal stream message ${streamSeq}: unknown kind ${JSON.stringify(kind)}`);
  const record = { kind, term: num(H_TERM), firstSeq: num(H_FIRST), count: num(H_COUNT) } as const;
  if (num(H_NEXT) !== record.firstSeq + record.count) throw new Error(`journal stream message ${streamSeq}: ${H_NEXT} disagrees with ${H_FIRST} + ${H_COUNT}`);
  const bytesExpected = kind === 'commands' ? record.count * COMMAND_SIZE : payloadBytes;
  if (kind === 'commands' ? record.count < 1 || record.count > STREAM_COMMANDS_MAX : record.count !== 0) throw new Error(`journal stream message ${streamSeq}: count ${record.count} for kind ${kind}`);
  if (payloadBytes !== bytesExpected) throw new Error(`journal stream message ${streamSeq}: ${payloadBytes} bytes for ${record.count} commands`);
  return record;
}
