import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { OrdoClient, PlaceRequest } from '../client/client.js';
import { apiKeyOf, replyCodeOf as codeOf, ServerFixture } from '../testkit/server-fixture.js';
import type { ExecutionReport, ServerMessage } from '../protocol/wire-schema.js';

/**
 * The gateway server over real sockets (127.0.0.1, port 0) and the real threaded pipeline: each
 * message type, each gateway risk check and the core codes a trader meets, with their stable
 * codes; account isolation; throttles; BUSY; cancel-on-disconnect; the admin kill switch.
 */
let fixture: ServerFixture | null = null;

afterEach(async () => {
  await fixture?.stop();
  fixture = null;
});

async function start(config: Parameters<typeof ServerFixture.start>[0] = {}): Promise<ServerFixture> {
  fixture = await ServerFixture.start(config);
  return fixture;
}

const BUY: PlaceRequest = { symbol: 'BTC-USD', side: 'buy', orderType: 'limit', price: '50000.00', qty: '0.5' };
const SELL: PlaceRequest = { ...BUY, side: 'sell' };

/** Collects a client's execution reports; `until` resolves once one matches. */
function executions(client: OrdoClient): { all: ExecutionReport[]; until: (match: (r: ExecutionReport) => boolean) => Promise<ExecutionReport> } {
  const all: ExecutionReport[] = [];
  const waiters: Array<{ match: (r: ExecutionReport) => boolean; resolve: (r: ExecutionReport) => void }> = [];
  client.executions.on((r) => {
    all.push(r);
    for (const w of [...waiters]) {
      if (w.match(r)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(r);
      }
    }
  });
  return {
    all,
    until: (match) => {
      const seen = all.find(match);
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve) => waiters.push({ match, resolve }));
    },
  };
}

describe('gateway server: HTTP', () => {
  it('answers /health ready with its durability, and /metrics in Prometheus text', async () => {
    const f = await start();
    const health = await fetch(`${f.server.httpUrl}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ready', durability: 'none' });
    const client = await f.connect(1);
    await client.place(BUY);
    await expect(client.cancel(987_654)).rejects.toMatchObject({ codeName: 'UNKNOWN_ORDER' });
    const metrics = await (await fetch(`${f.server.httpUrl}/metrics`)).text();
    expect(metrics).toContain('ordo_gateway_orders_in_total{type="place"} 1');
    expect(metrics).toContain('ordo_gateway_orders_out_total{code="0",name="OK"} 1');
    expect(metrics).toContain('ordo_gateway_orders_out_total{code="3001",name="UNKNOWN_ORDER"} 1');
    expect(metrics).toMatch(/ordo_ring_depth\{ring="input"\} \d+/);
    expect(metrics).toContain('ordo_gateway_order_latency_seconds_count 2');
    expect(metrics).toContain('# TYPE ordo_journal_commit_batch_size histogram');
    // The process's own, from prom-client: GC pauses, event-loop delay, CPU.
    for (const name of ['nodejs_gc_duration_seconds histogram', 'nodejs_eventloop_lag_p99_seconds gauge', 'process_cpu_seconds_total counter']) expect(metrics).toContain(`# TYPE ${name}`);
    expect((await fetch(`${f.server.httpUrl}/nope`)).status).toBe(404);
  });

  it('refuses WebSocket upgrades on other paths', async () => {
    const f = await start();
    const ws = new WebSocket(`ws://127.0.0.1:${f.server.port}/other`);
    const status = await new Promise<number>((resolve) => ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)));
    expect(status).toBe(404);
  });
});

describe('gateway server: session', () => {
  it('refuses orders before login, a wrong key, and a second login; closes after 3 failures', async () => {
    const f = await start();
    const anon = await f.connect();
    expect(await codeOf(anon.place(BUY))).toBe('NOT_LOGGED_IN');
    expect((await anon.ping()).type).toBe('pong');
    expect(await codeOf(anon.login(1, 'wrong-key-wrong-key'))).toBe('AUTH_FAILED');
    expect(await codeOf(anon.login(99, apiKeyOf(1)))).toBe('AUTH_FAILED');
    const closed = new Promise<number>((resolve) => anon.closed.on(({ code }) => resolve(code)));
    expect(await codeOf(anon.login(1, 'wrong-key-wrong-key'))).toBe('AUTH_FAILED');
    expect(await closed).toBe(1008);
    const client = await f.connect(1);
    expect(await codeOf(client.login(1, apiKeyOf(1)))).toBe('ALREADY_LOGGED_IN');
  });

  it('acks a place with the order id = sequence, then reports new, fills, balances to the owner', async () => {
    const f = await start();
    const maker = await f.connect(1);
    const taker = await f.connect(2, { format: 'msgpack' });
    const makerReports = executions(maker);
    const balances: string[] = [];
    maker.balances.on((b) => balances.push(b.asset));
    const ack = await maker.place({ ...BUY, clOrdId: 'm-1' });
    expect(ack.orderId).toBe(ack.seq);
    const fresh = await makerReports.until((r) => r.orderId === ack.orderId && r.exec === 'new');
    expect(fresh).toMatchObject({ clOrdId: 'm-1', qty: '0.5000', leavesQty: '0.5000', price: '50000.00' });
    const sell = await taker.place({ ...SELL, qty: '0.2' });
    expect(sell.orderId).toBeGreaterThan(ack.orderId);
    const fill = await makerReports.until((r) => r.exec === 'partial_fill');
    expect(fill).toMatchObject({ orderId: ack.orderId, cumQty: '0.2000', leavesQty: '0.3000', liquidity: 'maker', lastPrice: '50000.00' });
    expect(balances).toContain('USD');
  });

  it('cancels, amends and mass-cancels with acks and execution reports', async () => {
    const f = await start();
    const client = await f.connect(1);
    const reports = executions(client);
    const a = await client.place(BUY);
    const b = await client.place({ ...BUY, price: '49900.00' });
    const c = await client.place({ ...BUY, symbol: 'ETH-USD', price: '3000.00', qty: '1' });
    const amended = await client.amend({ orderId: a.orderId, symbol: 'BTC-USD', qty: '0.25' });
    expect(amended.orderId).toBe(a.orderId);
    expect(await reports.until((r) => r.exec === 'amended')).toMatchObject({ orderId: a.orderId, qty: '0.2500', priorityKept: true });
    await client.cancel(b.orderId);
    expect(await reports.until((r) => r.exec === 'cancelled' && r.orderId === b.orderId)).toMatchObject({ reason: 'user', cancelledQty: '0.5000' });
    expect(await codeOf(client.cancel(b.orderId))).toBe('UNKNOWN_ORDER');
    const mass = await client.massCancel('BTC-USD');
    expect(mass.orderId).toBe(0);
    await reports.until((r) => r.exec === 'cancelled' && r.orderId === a.orderId);
    expect(reports.all.some((r) => r.exec === 'cancelled' && r.orderId === c.orderId)).toBe(false);
    await client.massCancel();
    await reports.until((r) => r.exec === 'cancelled' && r.orderId === c.orderId);
    expect(await codeOf(client.massCancel('NOPE-USD'))).toBe('UNKNOWN_SYMBOL');
  });

  it('answers each order of a batch on its own, and refuses an oversize batch whole', async () => {
    const f = await start();
    const client = await f.connect(1);
    const results = await Promise.all(
      client.batch([
        { type: 'place', ...BUY },
        { type: 'place', ...BUY, price: '50000.001' },
        { type: 'cancel', orderId: 123_456 },
        { type: 'place', ...BUY, price: '49990.00' },
      ]).map(codeOf),
    );
    expect(results).toEqual(['OK', 'PRICE_NOT_TICK_MULTIPLE', 'UNKNOWN_ORDER', 'OK']);
    const replies: ServerMessage[] = [];
    client.unmatched.on((m) => replies.push(m));
    const orders = Array.from({ length: 65 }, (_, i) => ({ type: 'place', id: 1_000 + i, ...BUY }));
    client.sendRaw(JSON.stringify({ type: 'batch', id: 77, orders }));
    await expect.poll(() => replies.length).toBe(1);
    expect(replies[0]).toMatchObject({ id: 77, name: 'BATCH_TOO_LARGE' });
  });
});

/** A raw ws session that keeps every frame as it came (a bundle stays one entry). */
async function rawSession(url: string): Promise<{ ws: WebSocket; frames: ServerMessage[] }> {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  const frames: ServerMessage[] = [];
  ws.on('message', (data: Buffer) => frames.push(JSON.parse(data.toString('utf8')) as ServerMessage));
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  return { ws, frames };
}

function unbundled(frames: readonly ServerMessage[]): ServerMessage[] {
  return frames.flatMap((m) => (m.type === 'bundle' ? m.messages : [m]));
}

describe('gateway server: bundles', () => {
  it('gathers a turn\'s messages into bundle frames only for a session that asks, in the order of one that does not', async () => {
    const f = await start();
    const bundled = await rawSession(f.server.url);
    const plain = await rawSession(f.server.url);
    bundled.ws.send(JSON.stringify({ type: 'login', id: 1, account: 1, apiKey: apiKeyOf(1), bundle: true }));
    plain.ws.send(JSON.stringify({ type: 'login', id: 1, account: 1, apiKey: apiKeyOf(1) }));
    await expect.poll(() => bundled.frames.length + plain.frames.length).toBe(2);
    // Five orders in one batch frame: their acks, execution reports and balances come in one turn.
    const orders = Array.from({ length: 5 }, (_, i) => ({ type: 'place', id: 10 + i, ...BUY, price: `${49_000 + i}.00` }));
    bundled.ws.send(JSON.stringify({ type: 'batch', id: 9, orders }));
    const news = (frames: ServerMessage[]): number => unbundled(frames).filter((m) => m.type === 'execution' && m.exec === 'new').length;
    await expect.poll(() => news(bundled.frames) === 5 && news(plain.frames) === 5).toBe(true);
    expect(bundled.frames.some((m) => m.type === 'bundle' && m.messages.length > 1)).toBe(true);
    expect(plain.frames.some((m) => m.type === 'bundle')).toBe(false);
    const acks = unbundled(bundled.frames).filter((m) => m.type === 'ack');
    expect(acks.map((m) => m.id)).toEqual([10, 11, 12, 13, 14]);
    // The same account messages in the same order, whether bundled or not.
    const accountMessages = (frames: ServerMessage[]): ServerMessage[] => unbundled(frames).filter((m) => m.type === 'execution' || m.type === 'balance');
    expect(accountMessages(bundled.frames)).toEqual(accountMessages(plain.frames));
    bundled.ws.close();
    plain.ws.close();
  });
});

describe('gateway server: pre-trade risk and core codes', () => {
  it('refuses each gateway risk check with its stable code and lets the core decide the rest', async () => {
    const f = await start();
    const client = await f.connect(1);
    const cases: Array<[PlaceRequest, string]> = [
      [{ ...BUY, symbol: 'DOGE-USD' }, 'UNKNOWN_SYMBOL'],
      [{ ...BUY, stopPrice: '1.00' }, 'INVALID_ORDER_COMBINATION'],
      [{ ...BUY, orderType: 'market', tif: 'gtc' }, 'INVALID_ORDER_COMBINATION'],
      [{ ...BUY, price: '50000.001' }, 'PRICE_NOT_TICK_MULTIPLE'],
      [{ ...BUY, qty: '0.00001' }, 'QTY_NOT_LOT_MULTIPLE'],
      [{ ...BUY, qty: '0' }, 'DECIMAL_OUT_OF_RANGE'],
      [{ ...BUY, qty: '101' }, 'QTY_ABOVE_MAX'],
      [{ ...BUY, price: '2000000.00' }, 'PRICE_ABOVE_MAX'],
      [{ ...BUY, price: '60000.00', qty: '99' }, 'NOTIONAL_ABOVE_MAX'],
      [{ ...BUY, price: '5e4' }, 'INVALID_DECIMAL'],
    ];
    for (const [order, code] of cases) expect(await codeOf(client.place(order)), JSON.stringify(order)).toBe(code);
    // A reference price (mid of the best bid and ask) turns the band on.
    const resting = await client.place({ ...BUY, price: '50000.00', qty: '0.1' });
    await client.place({ ...SELL, price: '50100.00', qty: '0.1' });
    expect(await codeOf(client.place({ ...BUY, price: '60000.00', qty: '0.1' }))).toBe('PRICE_OUTSIDE_BAND');
    // An amend is checked on the order it names: its own symbol, the new notional.
    expect(await codeOf(client.amend({ orderId: resting.orderId, symbol: 'BTC-USD' }))).toBe('INVALID_ORDER_COMBINATION');
    expect(await codeOf(client.amend({ orderId: resting.orderId, symbol: 'ETH-USD', price: '3000.00' }))).toBe('INVALID_FIELD_VALUE');
    expect(await codeOf(client.amend({ orderId: resting.orderId, qty: '99' }))).toBe('OK');
    expect(await codeOf(client.amend({ orderId: resting.orderId, qty: '100', price: '50100.00' }))).toBe('NOTIONAL_ABOVE_MAX');
    expect(await codeOf(client.amend({ orderId: 1e9, qty: '1' }))).toBe('UNKNOWN_ORDER');
    // Core codes: stateful risk, idempotency, post-only.
    const poor = await f.connect(4);
    expect(await codeOf(poor.place(BUY))).toBe('INSUFFICIENT_FUNDS');
    await client.place({ ...BUY, price: '49000.00', qty: '0.1', clOrdId: 'dup' });
    expect(await codeOf(client.place({ ...BUY, price: '49000.00', qty: '0.1', clOrdId: 'dup' }))).toBe('DUPLICATE_CLIENT_ORDER_ID');
    expect(await codeOf(client.place({ ...BUY, price: '50100.00', qty: '0.1', postOnly: true }))).toBe('POST_ONLY_WOULD_CROSS');
    // Nothing refused by the gateway reached the engine: 4 orders placed, 3 core rejects.
    const metrics = await (await fetch(`${f.server.httpUrl}/metrics`)).text();
    expect(metrics).toContain('ordo_gateway_orders_out_total{code="10011",name="PRICE_NOT_TICK_MULTIPLE"} 1');
    expect(metrics).toContain('ordo_gateway_orders_out_total{code="2001",name="INSUFFICIENT_FUNDS"} 1');
  });

  it('keeps accounts apart: no cancel, amend or report across accounts', async () => {
    const f = await start();
    const alice = await f.connect(1);
    const bob = await f.connect(2);
    const bobReports = executions(bob);
    const order = await alice.place(BUY);
    expect(await codeOf(bob.cancel(order.orderId))).toBe('UNKNOWN_ORDER');
    expect(await codeOf(bob.amend({ orderId: order.orderId, symbol: 'BTC-USD', qty: '0.1' }))).toBe('UNKNOWN_ORDER');
    await bob.massCancel();
    await alice.cancel(order.orderId); // still alive: bob's mass cancel did not touch it
    await bob.ping();
    expect(bobReports.all).toEqual([]);
  });
});

describe('gateway server: throttles and back-pressure', () => {
  it('refuses past the session burst, and past the account burst across sessions', async () => {
    const f = await start({ config: { orderRate: { perSession: { ratePerSecond: 1, burst: 3 }, perAccount: { ratePerSecond: 1, burst: 5 }, accountsMax: 100 } } });
    const one = await f.connect(1);
    const two = await f.connect(1);
    const far = { ...BUY, price: '40000.00', qty: '0.0001' };
    const first = await Promise.all([1, 2, 3, 4].map(() => codeOf(one.place(far))));
    expect(first).toEqual(['OK', 'OK', 'OK', 'SESSION_RATE_LIMITED']);
    const second = await Promise.all([1, 2, 3].map(() => codeOf(two.place(far))));
    expect(second).toEqual(['OK', 'OK', 'ACCOUNT_RATE_LIMITED']);
  });

  it('answers BUSY at once when results pending reach the bound; nothing is dropped', async () => {
    const f = await start({ config: { pendingMax: 2 } });
    const client = await f.connect(1);
    const codes = await Promise.all(client.batch(Array.from({ length: 6 }, () => ({ type: 'place' as const, ...BUY, price: '40000.00', qty: '0.0001' }))).map(codeOf));
    expect(codes).toEqual(['OK', 'OK', 'BUSY', 'BUSY', 'BUSY', 'BUSY']);
    expect(await codeOf(client.place(BUY))).toBe('OK');
  });

  it('publishes a batch in consecutive sequences; one that does not fit the input ring goes order by order, the rest BUSY', async () => {
    const f = await start({ pipeline: { inputSlots: 16 } });
    const client = await f.connect(1);
    const far = { type: 'place' as const, ...BUY, price: '40000.00', qty: '0.0001', tif: 'ioc' as const };
    const before = f.commands.length;
    const acks = await Promise.all(client.batch(Array.from({ length: 8 }, () => far)));
    expect(acks.map((a) => a.orderId - (acks[0]?.orderId ?? 0))).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(f.commands.length - before).toBe(8);
    // 40 orders against 16 slots: never claimable at once, so each is published as far as it fits.
    const codes = await Promise.all(client.batch(Array.from({ length: 40 }, () => far)).map(codeOf));
    expect(codes.every((c) => c === 'OK' || c === 'BUSY')).toBe(true);
    expect(codes.filter((c) => c === 'OK').length).toBeGreaterThanOrEqual(1);
    const { hash } = f.replay();
    expect((await f.stop()).stateHash).toBe(hash);
  });

  it('at the bound answers BUSY before the risk checks and without taking a throttle token', async () => {
    const f = await start({ config: { pendingMax: 2, orderRate: { perSession: { ratePerSecond: 1, burst: 3 }, perAccount: { ratePerSecond: 1, burst: 100 }, accountsMax: 100 } } });
    const client = await f.connect(1);
    const far = { type: 'place' as const, ...BUY, price: '40000.00', qty: '0.0001' };
    // The third is malformed (a quantity off the lot size), but the bound is reached first.
    const codes = await Promise.all(client.batch([far, far, { ...far, qty: '0.00001' }, far]).map(codeOf));
    expect(codes).toEqual(['OK', 'OK', 'BUSY', 'BUSY']);
    // Two tokens of three were taken: one order still passes the session throttle, then none.
    expect(await codeOf(client.place(BUY))).toBe('OK');
    expect(await codeOf(client.place(BUY))).toBe('SESSION_RATE_LIMITED');
  });
});

describe('gateway server: cancel-on-disconnect and kill switch', () => {
  it('cancels the account orders when a session opted in for the account ends, not otherwise', async () => {
    const f = await start();
    const watcher = await f.connect(1);
    const reports = executions(watcher);
    const plain = await f.connect(1);
    const kept = await plain.place(BUY);
    await plain.close();
    const cod = await f.connect(1, { cancelOnDisconnect: 'account' });
    const gone = await cod.place({ ...BUY, price: '49000.00' });
    await cod.close();
    const cancelled = await reports.until((r) => r.exec === 'cancelled' && r.orderId === gone.orderId);
    expect(cancelled.reason).toBe('disconnect');
    // The disconnect cancels every order of the account, the plain session's one too.
    await reports.until((r) => r.exec === 'cancelled' && r.orderId === kept.orderId);
  });

  it('blocks an account with the admin token (orders cancelled, new ones refused), and stops all trading', async () => {
    const f = await start();
    const alice = await f.connect(1);
    const bob = await f.connect(2);
    const aliceReports = executions(alice);
    const bobReports = executions(bob);
    const order = await alice.place(BUY);
    expect((await f.admin('/admin/kill-switch', { account: 1 }, 'wrong-token')).status).toBe(401);
    expect((await f.admin('/admin/kill-switch', { account: 'x' })).status).toBe(400);
    const blocked = await f.admin('/admin/kill-switch', { account: 1 });
    expect(blocked).toMatchObject({ status: 200, body: { tradingDisabled: false } });
    expect(await aliceReports.until((r) => r.exec === 'cancelled' && r.orderId === order.orderId)).toMatchObject({ reason: 'kill_switch' });
    expect(await codeOf(alice.place(BUY))).toBe('ACCOUNT_BLOCKED');
    expect(await f.admin('/admin/kill-switch', { account: 1 })).toMatchObject({ status: 409, body: { code: 3012, name: 'ACCOUNT_ALREADY_BLOCKED' } });
    expect((await f.admin('/admin/unblock', { account: 1 })).status).toBe(200);
    expect(await codeOf(alice.place(BUY))).toBe('OK');
    const bobOrder = await bob.place({ ...SELL, price: '51000.00' });
    expect(await f.admin('/admin/kill-switch', { all: true })).toMatchObject({ status: 200, body: { tradingDisabled: true } });
    expect(await bobReports.until((r) => r.orderId === bobOrder.orderId && r.exec === 'cancelled')).toMatchObject({ reason: 'kill_switch' });
    expect(await codeOf(bob.place(SELL))).toBe('TRADING_DISABLED');
    await f.admin('/admin/resume', {});
    expect(await codeOf(bob.place(SELL))).toBe('OK');
  });
});

describe('gateway server: shutdown', () => {
  it('drains: every order sent before stop gets its answer, then sessions close with 1001', async () => {
    const f = await start();
    const client = await f.connect(1);
    const closed = new Promise<number>((resolve) => client.closed.on(({ code }) => resolve(code)));
    const replies = Array.from({ length: 200 }, (_, i) => codeOf(client.place({ ...BUY, price: '40000.00', qty: '0.0001', clOrdId: `d-${i}` })));
    await client.ping(); // every order above is in the server before stop begins
    const report = await f.server.stop();
    expect(new Set(await Promise.all(replies))).toEqual(new Set(['OK']));
    expect(await closed).toBe(1001);
    expect(report.stateHash).toBe(f.replay().hash);
    fixture = null;
  });
});
