import { afterEach, describe, expect, it } from 'vitest';
import { OrdoClient, type PlaceRequest } from '../client/client.js';
import { JournalWriter } from '../journal/journal-writer.js';
import { openJournalEnvOn, readHead } from '../journal/journal-env.js';
import { MemoryJournalStore } from '../journal/memory-journal-store.js';
import { openJournal } from '../replay/recovery.js';
import { makeCommands, makeTempDir, removeDir } from '../testkit/journal-fixtures.js';
import { LogCapture } from '../testkit/log-capture.js';
import { apiKeyOf, replyCodeOf, testServerConfig } from '../testkit/server-fixture.js';
import { GatewayServer } from './server.js';

/**
 * A journal whose last append was torn (groups past the head: never committed, so never
 * acknowledged) is opened on LMDB by a real server: the groups are set aside for audit, and the
 * operator learns it from the log and from /metrics, not only from a counter inside the journal
 * thread. Orders are taken again at once, continuing at the head.
 */
let server: GatewayServer | null = null;
let client: OrdoClient | null = null;
let dataDir: string | null = null;

afterEach(async () => {
  await client?.close();
  await server?.stop();
  if (dataDir !== null) removeDir(dataDir);
  server = client = dataDir = null;
});

const BUY: PlaceRequest = { symbol: 'BTC-USD', side: 'buy', orderType: 'limit', price: '50000.00', qty: '0.5' };

/** One order through the running server, which must take it, then the server stops. */
async function placeOneAndStop(): Promise<void> {
  client = await OrdoClient.connect(server!.url, { requestTimeoutMs: 10_000 });
  await client.login(1, apiKeyOf(1));
  expect(await replyCodeOf(client.place(BUY))).toBe('OK');
  await client.close();
  await server!.stop();
  client = server = null;
}

describe('gateway server over a journal with a torn tail', () => {
  it('sets the torn groups aside, logs a warning with their count, exports it, and takes orders at the head', async () => {
    dataDir = makeTempDir('ordo-torn-');
    const config = { ...testServerConfig({ dataDir, durability: 'none' }), logLevel: 'info' as const };
    server = await GatewayServer.start({ config, logDestination: new LogCapture() });
    const metricsOf = async (): Promise<string> => (await fetch(`${server!.httpUrl}/metrics`)).text();
    expect(await metricsOf()).toMatch(/^ordo_journal_torn_groups_set_aside 0$/m);
    await placeOneAndStop();

    // What a torn append leaves: a whole group keyed just past the head.
    const env = openJournal({ path: dataDir, config: config.engine, durability: 'none' });
    const head = readHead(env).lastSeq;
    const scratch = openJournalEnvOn(new MemoryJournalStore(), env.fingerprint);
    const writer = JournalWriter.open(scratch);
    writer.append(makeCommands(0, head + 1), 0, head + 1);
    writer.append(makeCommands(head + 1, 3), head + 1, 3);
    env.store.tamper.putGroup(head + 1, scratch.store.getGroup(head + 1) as Uint8Array);
    await env.close();

    const log = new LogCapture();
    server = await GatewayServer.start({ config, logDestination: log });
    expect(await metricsOf()).toMatch(/^ordo_journal_torn_groups_set_aside 1$/m);
    expect(log.find('journal: groups of a torn append set aside')).toEqual([expect.objectContaining({ level: 'warn', groups: 1, seqNext: head + 1 })]);
    await placeOneAndStop();

    const after = openJournal({ path: dataDir, config: config.engine, durability: 'none' });
    try {
      expect(after.store.listSetAsideGroups(10).map((g) => g.key)).toEqual([head + 1]);
      expect(readHead(after).lastSeq).toBeGreaterThan(head);
    } finally {
      await after.close();
    }
  });
});
