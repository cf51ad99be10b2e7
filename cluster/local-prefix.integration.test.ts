import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CMD_TIMESTAMP_US, COMMAND_SIZE } from '../engine/command-layout.js';
import { propertyTestConfig } from '../testkit/random-commands.js';
import { randomCommandsAtLeast, removeTempDirs, tempDir, writeJournal } from '../testkit/cli-fixtures.js';
import { ensureLocalPrefix, streamSeqHolding } from './local-prefix.js';
import { NatsCluster, natsServerMissing } from './local-nats-cluster.js';
import { openNatsJournal, type NatsJournal } from './nats-journal.js';
import { JOURNAL_SUBJECT, recordHeaders, type StreamRecordHeader } from './stream-record.js';

/**
 * A node's local journal must be a prefix of the stream: the stream holds a leadership record and
 * commands 0..39 in messages of 8; a local journal that ends inside it with the same bytes
 * resumes at the message holding its last command, one whose last command differs or that runs
 * past the stream's end is set aside (moved, kept) and the node follows the stream from its start.
 */
const missing = natsServerMissing();
if (missing !== null) process.stderr.write(`local prefix tests skipped: ${missing}\n`);

const config = propertyTestConfig();
const STREAM_COMMANDS = 40;
const PER_MESSAGE = 8;

describe.skipIf(missing !== null)('the local journal against the stream', () => {
  let cluster: NatsCluster | null = null;
  let nats: NatsJournal | null = null;
  const commands = randomCommandsAtLeast(7, 400, STREAM_COMMANDS + 10);

  beforeAll(async () => {
    cluster = await NatsCluster.start(join(tempDir('ordo-prefix-'), 'nats'));
    nats = await openNatsJournal({ servers: cluster.servers, name: 'test' });
    const publish = (record: StreamRecordHeader, payload: Uint8Array, last: number): Promise<unknown> => nats!.js.publish(JOURNAL_SUBJECT, payload, { expect: { lastSequence: last }, headers: recordHeaders(record) });
    await publish({ kind: 'leader', term: 1, firstSeq: 0, count: 0 }, new TextEncoder().encode('{}'), 0);
    for (let first = 0, last = 1; first < STREAM_COMMANDS; first += PER_MESSAGE, last++) {
      await publish({ kind: 'commands', term: 1, firstSeq: first, count: PER_MESSAGE }, commands.slice(first * COMMAND_SIZE, (first + PER_MESSAGE) * COMMAND_SIZE), last);
    }
  });

  afterAll(async () => {
    await nats?.nc.close();
    await cluster?.stop();
    removeTempDirs();
  });

  it('finds the message holding a command by binary search, and none past the end', async () => {
    const jsm = nats!.jsm;
    expect(await streamSeqHolding(jsm, 0)).toBe(2);
    expect(await streamSeqHolding(jsm, 7)).toBe(2);
    expect(await streamSeqHolding(jsm, 8)).toBe(3);
    expect(await streamSeqHolding(jsm, 29)).toBe(5);
    expect(await streamSeqHolding(jsm, 39)).toBe(6);
    expect(await streamSeqHolding(jsm, 40)).toBeNull();
  });

  it('a local journal that is a prefix resumes inside the stream, nothing set aside', async () => {
    const local = await writeJournal(config, commands.slice(0, 30 * COMMAND_SIZE), [10, 10]);
    const prefix = await ensureLocalPrefix(nats!.jsm, local.dataDir, config, 'none');
    expect(prefix).toEqual({ startStreamSeq: 5, setAsideDir: null });
    expect(existsSync(join(local.dataDir, 'data.mdb'))).toBe(true);
  });

  it('a local last command the stream holds with other bytes: the journal is set aside', async () => {
    const altered = commands.slice(0, 30 * COMMAND_SIZE);
    altered[29 * COMMAND_SIZE + CMD_TIMESTAMP_US] = (altered[29 * COMMAND_SIZE + CMD_TIMESTAMP_US] ?? 0) ^ 0xff;
    const local = await writeJournal(config, altered, [30]);
    const prefix = await ensureLocalPrefix(nats!.jsm, local.dataDir, config, 'none');
    expect(prefix.startStreamSeq).toBe(1);
    expect(prefix.setAsideDir).not.toBeNull();
    expect(existsSync(join(local.dataDir, 'data.mdb'))).toBe(false);
    expect(existsSync(join(prefix.setAsideDir as string, 'data.mdb'))).toBe(true);
  });

  it('a local tail past the stream\'s end (never acknowledged) is set aside', async () => {
    const local = await writeJournal(config, commands.slice(0, (STREAM_COMMANDS + 5) * COMMAND_SIZE), [STREAM_COMMANDS, 5]);
    const prefix = await ensureLocalPrefix(nats!.jsm, local.dataDir, config, 'none');
    expect(prefix.startStreamSeq).toBe(1);
    expect(existsSync(join(prefix.setAsideDir as string, 'data.mdb'))).toBe(true);
  });

  it('an empty data directory follows the stream from its start', async () => {
    expect(await ensureLocalPrefix(nats!.jsm, tempDir('ordo-prefix-empty-'), config, 'none')).toEqual({ startStreamSeq: 1, setAsideDir: null });
  });
});
