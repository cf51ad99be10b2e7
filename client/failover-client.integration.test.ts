import { createServer, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { FailoverClient, type FailoverEvent, OutcomeUnknownError } from './failover-client.js';
import { ReplyError } from './client.js';
import { FakeServer } from '../testkit/fake-server.js';
import { apiKeyOf, ServerFixture, SettableLeadership, startLeaderAndStandby } from '../testkit/server-fixture.js';
import type { MarketDataMessage } from '../protocol/wire-schema.js';

/**
 * The failover client over real sockets: two real gateway servers whose leadership views the test
 * sets (as replication would), and the stand-in server for a connection lost mid-order.
 */
const fixtures: ServerFixture[] = [];
const clients: FailoverClient[] = [];
const fakes: FakeServer[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(fixtures.splice(0).map((f) => f.stop()));
  await Promise.all(fakes.splice(0).map((f) => f.close()));
});

const PLACE = { symbol: 'BTC-USD', side: 'buy', orderType: 'limit', qty: '0.1' } as const;
/** Short waits: the tests count attempts, never time them. */
const FAST = { backoffMsMin: 1, backoffMsMax: 20, requestTimeoutMs: 10_000 };

async function connect(addresses: string[], options: Parameters<typeof FailoverClient.connect>[1] = {}): Promise<{ client: FailoverClient; events: FailoverEvent[] }> {
  const client = await FailoverClient.connect(addresses, { login: { account: 1, apiKey: apiKeyOf(1) }, ...FAST, ...options });
  clients.push(client);
  const events: FailoverEvent[] = [];
  client.events.on((e) => events.push(e));
  return { client, events };
}

async function pair(): ReturnType<typeof startLeaderAndStandby> {
  const started = await startLeaderAndStandby();
  fixtures.push(started.leader, started.standby);
  return started;
}

/** A port nothing listens on: bound, then let go. */
async function deadAddress(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return `ws://127.0.0.1:${port}/ws`;
}

describe('FailoverClient: following the leader over real sockets', () => {
  it('starts on a standby, moves to the leader it names, and follows the lease when the roles flip, renewing its book each time', async () => {
    const { leader: a, standby: b, viewA, viewB } = await pair();

    // The standby is first in the list: it says so at login, and the client moves on.
    const seen: FailoverEvent[] = [];
    const client = await FailoverClient.connect([b.url, a.url], { login: { account: 1, apiKey: apiKeyOf(1) }, ...FAST, onEvent: (e) => seen.push(e) });
    clients.push(client);
    expect(client.address).toBe(a.url);
    expect(seen.splice(0)).toEqual([
      { kind: 'left', address: b.url, why: 'standby', leader: a.url },
      { kind: 'connected', address: a.url, attempt: 2, subscriptions: 0 },
    ]);
    const snapshots: MarketDataMessage[] = [];
    client.marketData.on((m) => {
      if (m.type === 'book_snapshot') snapshots.push(m);
    });
    await client.subscribe('book', 'BTC-USD');
    await expect.poll(() => snapshots.length, { timeout: 10_000 }).toBe(1);
    await client.place({ ...PLACE, price: '50000.00', clOrdId: 'on-a' });
    await expect.poll(() => client.book('BTC-USD')?.bids().length, { timeout: 10_000 }).toBe(1);

    // The lease moves to node-b: node-a refuses the next order, naming node-b, and the client follows.
    viewA.set('standby', b.url);
    viewB.set('leader', b.url);
    const refused = await client.place({ ...PLACE, price: '49000.00' }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ReplyError);
    expect(refused).toMatchObject({ codeName: 'NOT_LEADER', reply: { leader: b.url } });
    await client.whenConnected();
    expect(client.address).toBe(b.url);
    expect(seen).toEqual([
      { kind: 'left', address: a.url, why: 'not_leader', leader: b.url },
      { kind: 'connected', address: b.url, attempt: 1, subscriptions: 1 },
    ]);
    // Subscribed again: node-b's own book, from a fresh snapshot (its engine never saw node-a's order).
    await expect.poll(() => snapshots.length, { timeout: 10_000 }).toBe(2);
    expect(client.book('BTC-USD')?.valid).toBe(true);
    expect(client.book('BTC-USD')?.bids()).toEqual([]);
    const ack = await client.place({ ...PLACE, price: '48000.00', clOrdId: 'on-b' });
    expect(ack.clOrdId).toBe('on-b');
    await expect.poll(() => client.book('BTC-USD')?.bids().length, { timeout: 10_000 }).toBe(1);
    expect((await client.orderStatus({ clOrdId: 'on-b' })).status).toBe('new');

    // And back: the client follows again, and nothing reached the standby of the moment.
    const commandsOnA = a.commands.length;
    viewB.set('standby', a.url);
    viewA.set('leader', a.url);
    expect(await client.place({ ...PLACE, price: '47000.00' }).catch((e: ReplyError) => e.codeName)).toBe('NOT_LEADER');
    await client.whenConnected();
    expect(client.address).toBe(a.url);
    await client.place({ ...PLACE, price: '47000.00' });
    expect(a.commands.length).toBe(commandsOnA + 1);
    expect((await client.openOrders('BTC-USD')).map((o) => o.price)).toEqual(['50000.00', '47000.00']);
    expect(seen.filter((e) => e.kind === 'connected')).toHaveLength(2);
  });

  it('a leader stepping down mid-batch: what it took is acknowledged on the old connection, the rest refused, nothing unknown', async () => {
    const { leader: a, standby: b, viewA, viewB } = await pair();
    const { client, events } = await connect([a.url, b.url]);
    const unknown: OutcomeUnknownError[] = [];
    client.unknownOutcomes.on((e) => unknown.push(e));
    // node-a checks three orders as the leader, then loses the lease to node-b.
    viewB.set('leader', b.url);
    viewA.stepDownAfter(3, b.url);
    const replies = client.batch(Array.from({ length: 5 }, (_, k) => ({ type: 'place' as const, ...PLACE, price: '50000.00', clOrdId: `cut-${k}` })));
    const outcomes = await Promise.all(replies.map((p) => p.then((ack) => `ack ${ack.clOrdId ?? ''}`, (e: ReplyError) => e.codeName)));
    // The refusals come first (at once), the acks after them (from the engine): the connection
    // left for node-b stayed open until they were in.
    expect(outcomes).toEqual(['ack cut-0', 'ack cut-1', 'ack cut-2', 'NOT_LEADER', 'NOT_LEADER']);
    expect(unknown).toEqual([]);
    await client.whenConnected();
    expect(client.address).toBe(b.url);
    expect(events).toEqual([
      { kind: 'left', address: a.url, why: 'not_leader', leader: b.url },
      { kind: 'connected', address: b.url, attempt: 1, subscriptions: 0 },
    ]);
    // The refused ones may be sent again: node-b takes them.
    expect((await client.place({ ...PLACE, price: '50000.00', clOrdId: 'cut-3' })).clOrdId).toBe('cut-3');
  });

  it('reports an order whose connection was lost as an unknown outcome, never sends it again, and reconnects', async () => {
    const fake = await FakeServer.start();
    fakes.push(fake);
    const { client, events } = await connect([fake.url]);
    const unknown: OutcomeUnknownError[] = [];
    client.unknownOutcomes.on((e) => unknown.push(e));
    // The stand-in server never answers clOrdId "silent".
    const inFlight = client.place({ ...PLACE, price: '50000.00', clOrdId: 'silent' }).catch((e: unknown) => e);
    await expect.poll(() => fake.received.filter((m) => m.type === 'place').length, { timeout: 10_000 }).toBe(1);
    fake.dropConnections();
    const failure = await inFlight;
    expect(failure).toBeInstanceOf(OutcomeUnknownError);
    expect(failure).toMatchObject({ request: 'place', clOrdId: 'silent', address: fake.url });
    expect(unknown).toEqual([failure]);
    await client.whenConnected();
    expect(events.map((e) => e.kind)).toEqual(['left', 'connected']);
    expect(events[0]).toEqual({ kind: 'left', address: fake.url, why: 'closed', leader: null });
    // Logged in again; the order was sent once only.
    expect(fake.received.filter((m) => m.type === 'login')).toHaveLength(2);
    await client.ping();
    expect(fake.received.filter((m) => m.type === 'place')).toHaveLength(1);
  });

  it('leaves a node that stops answering its probe, reporting what was in flight there as unknown', async () => {
    const [paused, next] = await Promise.all([FakeServer.start(), FakeServer.start()]);
    fakes.push(paused, next);
    const { client, events } = await connect([paused.url, next.url], { probeIntervalMs: 20, probeTimeoutMs: 200 });
    const unknown: OutcomeUnknownError[] = [];
    client.unknownOutcomes.on((e) => unknown.push(e));
    // Answering at first: probes come and go, and the client stays.
    await expect.poll(() => paused.received.filter((m) => m.type === 'ping').length, { timeout: 10_000 }).toBeGreaterThanOrEqual(3);
    expect(events).toEqual([]);
    paused.paused = true;
    const failure = await client.place({ ...PLACE, price: '50000.00', clOrdId: 'frozen' }).catch((e: unknown) => e);
    expect(failure).toMatchObject({ name: 'OutcomeUnknownError', clOrdId: 'frozen', address: paused.url });
    expect(unknown).toHaveLength(1);
    await client.whenConnected();
    expect(events).toEqual([
      { kind: 'left', address: paused.url, why: 'silent', leader: null },
      { kind: 'connected', address: next.url, attempt: 1, subscriptions: 0 },
    ]);
    expect((await client.place({ ...PLACE, price: '50000.00', clOrdId: 'after' })).orderId).toBe(1);
    expect(paused.received.filter((m) => m.type === 'place')).toHaveLength(1);
  });

  it('gives up after attemptsMax attempts round the list, then fails every request', async () => {
    const fake = await FakeServer.start();
    const dead = await deadAddress();
    const fakeUrl = fake.url;
    const { client, events } = await connect([fakeUrl, dead], { attemptsMax: 4 });
    await fake.close();
    await expect.poll(() => events.at(-1)?.kind, { timeout: 10_000 }).toBe('gave_up');
    await expect(client.whenConnected()).rejects.toThrow(/no leader found in 4 attempts/);
    const attempts = events.filter((e) => e.kind === 'attempt_failed');
    expect(attempts.map((e) => (e.kind === 'attempt_failed' ? [e.address, e.attempt] : []))).toEqual([
      [dead, 1],
      [fakeUrl, 2],
      [dead, 3],
      [fakeUrl, 4],
    ]);
    expect(events.at(-1)).toEqual({ kind: 'gave_up', attempts: 4 });
    await expect(client.place({ ...PLACE, price: '50000.00' })).rejects.toThrow(/no leader found/);
  });

  it('close() ends a search in the middle of a backoff, and fails what waits for a connection', async () => {
    const fake = await FakeServer.start();
    fakes.push(fake);
    // Backoffs of ten minutes: only the wake-up of close() ends this search within the test's bound.
    const { client, events } = await connect([fake.url, await deadAddress()], { backoffMsMin: 600_000, backoffMsMax: 600_000 });
    fake.dropConnections();
    await expect.poll(() => events.filter((e) => e.kind === 'attempt_failed').length, { timeout: 10_000 }).toBe(1);
    const waiting = client.whenConnected();
    await client.close();
    await expect(waiting).rejects.toThrow('client closed');
    await expect(client.ping()).rejects.toThrow('client closed');
    expect(events.some((e) => e.kind === 'connected')).toBe(false);
  });

  it('gives up on a cluster of standbys that know no leader, and on addresses where nothing listens', async () => {
    const standbys = await Promise.all(['node-a', 'node-b'].map((node) => ServerFixture.start({ leadership: new SettableLeadership(node, 'standby') })));
    fixtures.push(...standbys);
    const seen: FailoverEvent[] = [];
    await expect(connect(standbys.map((s) => s.url), { attemptsMax: 3, onEvent: (e) => seen.push(e) })).rejects.toThrow(/no leader found in 3 attempts: ws:.* is a standby \(no leader known\)/);
    const [a, b] = standbys.map((s) => s.url);
    expect(seen).toEqual([
      { kind: 'left', address: a, why: 'standby', leader: null },
      { kind: 'left', address: b, why: 'standby', leader: null },
      { kind: 'left', address: a, why: 'standby', leader: null },
      { kind: 'gave_up', attempts: 3 },
    ]);
    await expect(connect([await deadAddress()], { attemptsMax: 2 })).rejects.toThrow(/no leader found in 2 attempts: .*ECONNREFUSED/);
    await expect(connect(['http://127.0.0.1:1/'])).rejects.toThrow(/a ws:\/\/ or wss:\/\/ URL/);
    // A node that takes the TCP connection and never answers the upgrade, as a paused one would.
    const accepted: Socket[] = [];
    const mute = createServer((socket) => accepted.push(socket));
    await new Promise<void>((resolve) => mute.listen(0, '127.0.0.1', resolve));
    try {
      const url = `ws://127.0.0.1:${(mute.address() as { port: number }).port}/ws`;
      await expect(connect([url], { attemptsMax: 2, requestTimeoutMs: 300 })).rejects.toThrow(/no leader found in 2 attempts: no WebSocket connection to .* within 300 ms/);
    } finally {
      // Closing the server does not end the sockets it took: the client's end with them.
      for (const socket of accepted) socket.destroy();
      mute.close();
    }
  });
});
