import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decode, encode } from '@msgpack/msgpack';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { LeadershipView } from './leadership.js';
import { checkServerConfig, loadServerConfig } from './server-config.js';
import { ADMIN_TOKEN, apiKeyOf, replyCodeOf, ServerFixture, SettableLeadership, startLeaderAndStandby, testServerConfig } from '../testkit/server-fixture.js';

/**
 * Two real gateway servers stand for a cluster: each has its own engine, and a leadership view
 * the test sets, as replication would. A standby serves logins, queries and market data and
 * refuses every order NOT_LEADER, naming the leader; the role is read on every order.
 */
const fixtures: ServerFixture[] = [];
const sockets: WebSocket[] = [];

afterEach(async () => {
  for (const ws of sockets.splice(0)) ws.terminate();
  await Promise.all(fixtures.splice(0).map((f) => f.stop()));
});

async function start(leadership?: LeadershipView, node?: string): Promise<ServerFixture> {
  const f = await ServerFixture.start({ ...(leadership === undefined ? {} : { leadership }), ...(node === undefined ? {} : { config: { node } }) });
  fixtures.push(f);
  return f;
}

/** A leader (node-a) and a standby (node-b) that names it, stopped after the test. */
async function pair(): ReturnType<typeof startLeaderAndStandby> {
  const started = await startLeaderAndStandby();
  fixtures.push(started.leader, started.standby);
  return started;
}

/** A raw WebSocket that keeps every frame as it came: text as its exact bytes, binary decoded. */
class RawWire {
  readonly frames: Array<string | unknown> = [];
  private nextPing = 1_000_000;

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data: Buffer, isBinary: boolean) => this.frames.push(isBinary ? decode(data) : data.toString('utf8')));
  }

  static async open(url: string): Promise<RawWire> {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    sockets.push(ws);
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    return new RawWire(ws);
  }

  /** Sends one frame and a ping after it; the frames that came before the pong (the server answers in order). */
  async exchange(frame: object, format: 'json' | 'msgpack' = 'json'): Promise<Array<string | unknown>> {
    const id = this.nextPing++;
    this.ws.send(format === 'json' ? JSON.stringify(frame) : encode(frame), { binary: format === 'msgpack' });
    this.ws.send(JSON.stringify({ type: 'ping', id }));
    const pong = `{"type":"pong","id":${id}}`;
    await expect.poll(() => this.frames.includes(pong), { timeout: 10_000, interval: 2 }).toBe(true);
    const replies = this.frames.splice(0, this.frames.indexOf(pong) + 1);
    return replies.slice(0, -1);
  }
}

const rejectText = (id: number, leader: string | null): string =>
  leader === null
    ? `{"type":"reject","id":${id},"code":10037,"name":"NOT_LEADER","message":"this node is a standby and takes no orders: no leader is known yet, try again shortly","leader":null}`
    : `{"type":"reject","id":${id},"code":10037,"name":"NOT_LEADER","message":"this node is a standby and takes no orders: the leader is at ${leader}","leader":"${leader}"}`;

const PLACE = { symbol: 'BTC-USD', side: 'buy', orderType: 'limit', price: '50000.00', qty: '0.1' } as const;

describe('gateway server: leader and standby', () => {
  it('a standby logs in, says where the leader is, and refuses every kind of order NOT_LEADER, byte for byte, journaling nothing', async () => {
    const { leader, standby, viewB } = await pair();
    const commandsAtStart = standby.commands.length;
    const wire = await RawWire.open(standby.url);
    expect(await wire.exchange({ type: 'login', id: 1, account: 1, apiKey: apiKeyOf(1) })).toEqual([`{"type":"logged_in","id":1,"account":1,"cancelOnDisconnect":false,"role":"standby","leader":"${leader.url}"}`]);
    const orders: object[] = [
      { type: 'place', id: 2, ...PLACE },
      { type: 'place', id: 3, ...PLACE, clOrdId: 'c-3', tif: 'ioc' },
      { type: 'cancel', id: 4, orderId: 7 },
      { type: 'cancel', id: 5, clOrdId: 'c-3' },
      { type: 'amend', id: 6, orderId: 7, symbol: 'BTC-USD', qty: '0.05' },
      { type: 'mass_cancel', id: 7, symbol: 'BTC-USD' },
      { type: 'mass_cancel', id: 8 },
    ];
    for (const order of orders) {
      const id = (order as { id: number }).id;
      expect(await wire.exchange(order), JSON.stringify(order)).toEqual([rejectText(id, leader.url)]);
    }
    // A batch: each order refused on its own.
    expect(await wire.exchange({ type: 'batch', id: 9, orders: [{ type: 'place', id: 10, ...PLACE }, { type: 'cancel', id: 11, orderId: 1 }] })).toEqual([rejectText(10, leader.url), rejectText(11, leader.url)]);
    // msgpack carries the same fields.
    expect(await wire.exchange({ type: 'place', id: 12, ...PLACE }, 'msgpack')).toEqual([JSON.parse(rejectText(12, leader.url))]);
    // While a takeover is under way no leader is known, and the reject says so.
    viewB.set('standby', undefined);
    expect(await wire.exchange({ type: 'place', id: 13, ...PLACE })).toEqual([rejectText(13, null)]);
    expect(standby.commands.length).toBe(commandsAtStart);
  });

  it('a standby serves queries and market data from its own state', async () => {
    const { standby } = await pair();
    const wire = await RawWire.open(standby.url);
    await wire.exchange({ type: 'login', id: 1, account: 1, apiKey: apiKeyOf(1) });
    expect(await wire.exchange({ type: 'open_orders', id: 2 })).toEqual(['{"type":"open_orders","id":2,"orders":[],"more":false}']);
    const balances = JSON.parse((await wire.exchange({ type: 'balances', id: 3 }))[0] as string) as { balances: Array<{ asset: string; available: string }> };
    expect(Number(balances.balances.find((b) => b.asset === 'USD')?.available)).toBe(10_000_000);
    const subscribed = (await wire.exchange({ type: 'subscribe', id: 4, channel: 'book', symbol: 'BTC-USD' })).map((t) => JSON.parse(t as string) as { type: string });
    expect(subscribed.map((m) => m.type)).toEqual(['subscribed', 'book_snapshot']);
    const symbols = JSON.parse((await wire.exchange({ type: 'symbols', id: 5 }))[0] as string) as { symbols: unknown[] };
    expect(symbols.symbols.length).toBeGreaterThan(0);
  });

  it('reads the role on every order: a new leader takes orders at once, an old one refuses them but answers what it took', async () => {
    const { leader, standby, viewA, viewB } = await pair();
    const onA = await leader.connect(1);
    const onB = await standby.connect(1);
    expect(await replyCodeOf(onA.place(PLACE))).toBe('OK');
    expect(await replyCodeOf(onB.place(PLACE))).toBe('NOT_LEADER');
    // The lease moves to node-b.
    viewA.set('standby', standby.url);
    viewB.set('leader', standby.url);
    expect(await replyCodeOf(onB.place(PLACE))).toBe('OK');
    const refused = await onA.place(PLACE).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 10037, codeName: 'NOT_LEADER', reply: { leader: standby.url } });
    // node-a steps down in the middle of a batch: the orders it checked before are published and
    // acknowledged from their events, though by then it is a standby; the rest are refused.
    const steppingDown = new SettableLeadership('node-c', 'leader');
    const c = await start(steppingDown);
    const onC = await c.connect(1);
    steppingDown.stepDownAfter(3, standby.url);
    const commandsBefore = c.commands.length;
    const outcomes = await Promise.all(onC.batch(Array.from({ length: 5 }, () => ({ type: 'place' as const, ...PLACE }))).map((p) => replyCodeOf(p)));
    expect(outcomes).toEqual(['OK', 'OK', 'OK', 'NOT_LEADER', 'NOT_LEADER']);
    expect(steppingDown.role()).toBe('standby');
    expect(c.commands.length).toBe(commandsBefore + 3);
  });

  it('a session that ends on a standby cancels nothing, whatever its cancel-on-disconnect', async () => {
    const { leader, viewA } = await pair();
    const watcher = await leader.connect(1);
    const leaving = await leader.connect(1, { cancelOnDisconnect: 'account' });
    const order = await leaving.place(PLACE);
    // node-a steps down; the client leaves it (for the new leader, as a failover client would).
    viewA.set('standby', undefined);
    const commandsBefore = leader.commands.length;
    await leaving.close();
    const connections = async (): Promise<string | undefined> => /^ordo_gateway_connections (\d+)$/m.exec(await (await fetch(`${leader.server.httpUrl}/metrics`)).text())?.[1];
    await expect.poll(connections, { timeout: 10_000 }).toBe('1');
    expect(leader.commands.length).toBe(commandsBefore);
    expect((await watcher.openOrders()).map((o) => o.orderId)).toEqual([order.orderId]);
  });

  it('/health carries role, node, pid and the leader in both roles; /health/leader is 200 on the leader only', async () => {
    const { leader, standby, viewA, viewB } = await pair();
    const health = async (f: ServerFixture, path = '/health'): Promise<{ status: number; body: Record<string, unknown> }> => {
      const res = await fetch(`${f.server.httpUrl}${path}`);
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    expect(await health(leader)).toEqual({ status: 200, body: expect.objectContaining({ status: 'ready', role: 'leader', node: 'node-a', pid: process.pid, leader: leader.url }) });
    expect((await health(leader, '/health/leader')).status).toBe(200);
    expect(await health(standby)).toEqual({ status: 200, body: expect.objectContaining({ status: 'ready', role: 'standby', node: 'node-b', pid: process.pid, leader: leader.url }) });
    expect(await health(standby, '/health/leader')).toEqual({ status: 503, body: expect.objectContaining({ role: 'standby', leader: leader.url }) });
    viewA.set('standby', undefined);
    viewB.set('standby', undefined);
    expect((await health(standby)).body).toMatchObject({ role: 'standby', leader: null });
    viewB.set('leader', standby.url);
    expect(await health(standby, '/health/leader')).toEqual({ status: 200, body: expect.objectContaining({ role: 'leader', node: 'node-b', leader: standby.url }) });
    // A node that runs alone leads, names itself from the configuration, and is its own leader.
    const single = await start(undefined, 'solo-1');
    expect((await health(single)).body).toMatchObject({ role: 'leader', node: 'solo-1', leader: single.url });
  });

  it('names the node from the configuration, else ORDO_NODE, else "single"; refuses a malformed name', async () => {
    const nodeOf = async (f: ServerFixture): Promise<unknown> => ((await (await fetch(`${f.server.httpUrl}/health`)).json()) as { node: unknown }).node;
    const saved = process.env['ORDO_NODE'];
    try {
      delete process.env['ORDO_NODE'];
      expect(await nodeOf(await start())).toBe('single');
      process.env['ORDO_NODE'] = 'from-env';
      expect(await nodeOf(await start())).toBe('from-env');
      expect(await nodeOf(await start(undefined, 'from-config'))).toBe('from-config');
    } finally {
      if (saved === undefined) delete process.env['ORDO_NODE'];
      else process.env['ORDO_NODE'] = saved;
    }
    for (const node of ['', 'has space', 'x'.repeat(65), 7]) {
      expect(() => checkServerConfig(testServerConfig({ node: node as string })), String(node)).toThrow(/config node/);
    }
    const dir = mkdtempSync(join(tmpdir(), 'ordo-node-'));
    try {
      writeFileSync(join(dir, 'config.json'), JSON.stringify({ node: 'node-7' }));
      expect(loadServerConfig(join(dir, 'config.json')).node).toBe('node-7');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the admin API of a standby answers reads and refuses changes 503 NOT_LEADER, naming the leader', async () => {
    const { leader, standby } = await pair();
    const deposit = { account: 1, asset: 'USD', amount: '100', transferId: 77 };
    expect(await standby.admin('/admin/deposits', deposit)).toEqual({
      status: 503,
      body: { code: 10037, name: 'NOT_LEADER', message: `this node is a standby and takes no orders: the leader is at ${leader.url}`, leader: leader.url },
    });
    expect((await standby.admin('/admin/kill-switch', { all: true })).status).toBe(503);
    const read = await fetch(`${standby.server.httpUrl}/admin/accounts/1`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(read.status).toBe(200);
    expect((await leader.admin('/admin/deposits', deposit)).body).toMatchObject({ applied: true });
  });
});
