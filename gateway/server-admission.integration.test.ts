import { request } from 'node:http';
import { connect as tcpConnect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { OrdoClient, PlaceRequest } from '../client/client.js';
import type { ExecutionReport } from '../protocol/wire-schema.js';
import { ADMIN_TOKEN, apiKeyOf, replyCodeOf as codeOf, ServerFixture } from '../testkit/server-fixture.js';
import { ADMISSION_OPTIONS_DEFAULT, CLOSE_ANONYMOUS_DEADLINE } from './admission.js';
import { AUTH_THROTTLE_OPTIONS_DEFAULT } from './auth-throttle.js';
import type { ServerConfig } from './server-config.js';

/**
 * The gateway under abuse, over real sockets. Client sockets bind 127.0.0.2, 127.0.0.3, ... to
 * stand for distinct hosts (the server sees them as remote addresses). Limits are set short
 * through the configuration so that every test stays within a few seconds.
 */
let fixture: ServerFixture | null = null;
const opened: WebSocket[] = [];

afterEach(async () => {
  for (const ws of opened.splice(0)) ws.terminate();
  await fixture?.stop();
  fixture = null;
});

const BUY: PlaceRequest = { symbol: 'BTC-USD', side: 'buy', orderType: 'limit', price: '50000.00', qty: '0.5' };

async function start(config: Partial<ServerConfig>): Promise<ServerFixture> {
  fixture = await ServerFixture.start({ config });
  return fixture;
}

/** Opens a raw WebSocket from `host`: the socket, or the HTTP status of the refusal. */
function openFrom(url: string, host: string): Promise<WebSocket | number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { localAddress: host, perMessageDeflate: false });
    ws.once('open', () => {
      opened.push(ws);
      resolve(ws);
    });
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.once('error', (e) => reject(e));
  });
}

function closeOf(ws: WebSocket): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
}

function metric(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  if (line === undefined) throw new Error(`no series ${series}`);
  return Number(line.slice(series.length + 1));
}

async function metrics(f: ServerFixture): Promise<string> {
  return (await fetch(`${f.server.httpUrl}/metrics`)).text();
}

function cancelledOrder(client: OrdoClient, orderId: number): Promise<ExecutionReport> {
  return new Promise((resolve) => client.executions.on((r) => r.exec === 'cancelled' && r.orderId === orderId && resolve(r)));
}

describe('admission', () => {
  it('caps one host at connectionsPerHostMax while a trader from another host logs in and trades', async () => {
    const f = await start({ connectionsMax: 64, admission: { ...ADMISSION_OPTIONS_DEFAULT, connectionsPerHostMax: 8, anonymousDeadlineMs: 300 } });
    const flood: WebSocket[] = [];
    const refused: number[] = [];
    for (let i = 0; i < 40; i++) {
      const r = await openFrom(f.url, '127.0.0.2');
      if (typeof r === 'number') refused.push(r);
      else flood.push(r);
    }
    expect(flood.length).toBe(8);
    expect(refused).toEqual(new Array(32).fill(429));
    const trader = await f.connect(1, { localAddress: '127.0.0.3' });
    expect((await trader.place(BUY)).type).toBe('ack');
    // The flood never logs in: each of its connections is closed at the deadline, the trader stays.
    const closes = await Promise.all(flood.map(closeOf));
    for (const c of closes) expect(c).toMatchObject({ code: CLOSE_ANONYMOUS_DEADLINE, reason: expect.stringContaining('no login or subscription') as unknown });
    expect((await trader.ping()).type).toBe('pong');
    const m = await metrics(f);
    expect(metric(m, 'ordo_gateway_connections_refused_total{reason="host_cap"}')).toBe(32);
    expect(metric(m, 'ordo_gateway_connections_cut_total{reason="anonymous_deadline"}')).toBe(8);
  });

  it('keeps room for logged-in sessions: anonymous connections fill only their share of connectionsMax', async () => {
    const f = await start({ connectionsMax: 8, admission: { ...ADMISSION_OPTIONS_DEFAULT, connectionsPerHostMax: 2, anonymousPercentMax: 50 } });
    const trader = await f.connect(1, { localAddress: '127.0.0.9' });
    const results: Array<WebSocket | number> = [];
    for (let h = 2; h <= 5; h++) results.push(await openFrom(f.url, `127.0.0.${h}`), await openFrom(f.url, `127.0.0.${h}`));
    expect(results.filter((r) => typeof r !== 'number').length).toBe(4);
    expect(results.filter((r) => r === 503).length).toBe(4);
    expect((await trader.place(BUY)).type).toBe('ack');
    expect(metric(await metrics(f), 'ordo_gateway_connections_refused_total{reason="anonymous_share"}')).toBe(4);
  });

  it('keeps an anonymous session that subscribed past the deadline', async () => {
    const f = await start({ admission: { ...ADMISSION_OPTIONS_DEFAULT, anonymousDeadlineMs: 200 } });
    const watcher = await f.connect(undefined, { localAddress: '127.0.0.2' });
    await watcher.subscribe('trades', 'BTC-USD');
    const idle = await openFrom(f.url, '127.0.0.2');
    if (typeof idle === 'number') throw new Error(`refused ${idle}`);
    expect((await closeOf(idle)).code).toBe(CLOSE_ANONYMOUS_DEADLINE);
    expect((await watcher.ping()).type).toBe('pong');
  });

  it('cuts off slow request headers, and keeps WebSockets open past the request timeout', async () => {
    const f = await start({ admission: { ...ADMISSION_OPTIONS_DEFAULT, headersTimeoutMs: 300, requestTimeoutMs: 400, timeoutCheckIntervalMs: 50 } });
    const trader = await f.connect(1);
    const slow: Socket[] = [];
    for (let i = 0; i < 20; i++) {
      const s = tcpConnect({ host: '127.0.0.1', port: f.server.port, localAddress: '127.0.0.2' });
      s.on('error', () => undefined);
      // Flowing, so the server's close is read.
      s.resume();
      s.write('GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n');
      slow.push(s);
    }
    const startedMs = Date.now();
    await Promise.all(slow.map((s) => new Promise((resolve) => s.once('close', resolve))));
    expect(Date.now() - startedMs).toBeLessThan(3_000);
    expect(metric(await metrics(f), 'ordo_gateway_connections_cut_total{reason="http_timeout"}')).toBe(20);
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect((await trader.place(BUY)).type).toBe('ack');
  });
});

describe('login throttling', () => {
  const throttle = { ...AUTH_THROTTLE_OPTIONS_DEFAULT, hostFailuresMax: 6, hostAccountFailuresMax: 3, accountFailuresSlowAfter: 5, accountDelayMs: 300, adminHostFailuresMax: 3 };

  /** One wrong login per fresh connection, as a guesser that dodges the per-connection close would. */
  async function guess(f: ServerFixture, host: string, account: number, key: string): Promise<string> {
    const c = await f.connect(undefined, { localAddress: host });
    const code = await codeOf(c.login(account, key));
    await c.close();
    return code;
  }

  it('refuses a guessing host, and lets the owner in from a clean host (slowed, not refused)', async () => {
    const f = await start({ authThrottle: throttle });
    const codes: string[] = [];
    for (let i = 0; i < 10; i++) codes.push(await guess(f, '127.0.0.2', 1, `wrong-key-number-${i}`));
    expect(codes).toEqual([...new Array(3).fill('AUTH_FAILED'), ...new Array(7).fill('LOGIN_THROTTLED')]);
    // Even the right key is refused from the guessing host, for that account...
    expect(await guess(f, '127.0.0.2', 1, apiKeyOf(1))).toBe('LOGIN_THROTTLED');
    // ...and, past the host's bound, for every account.
    for (let i = 0; i < 3; i++) expect(await guess(f, '127.0.0.2', 2, `wrong-key-number-${i}`)).toBe('AUTH_FAILED');
    expect(await guess(f, '127.0.0.2', 3, apiKeyOf(3))).toBe('LOGIN_THROTTLED');
    // A second guessing host pushes account 1 past the slow-down count.
    for (let i = 0; i < 3; i++) expect(await guess(f, '127.0.0.3', 1, `wrong-key-number-${i}`)).toBe('AUTH_FAILED');
    const startedMs = Date.now();
    const owner = await f.connect(1, { localAddress: '127.0.0.4' });
    expect(Date.now() - startedMs).toBeGreaterThanOrEqual(250);
    expect((await owner.place(BUY)).type).toBe('ack');
    const m = await metrics(f);
    expect(metric(m, 'ordo_gateway_auth_failures_total{kind="login",outcome="bad_key"}')).toBe(9);
    expect(metric(m, 'ordo_gateway_auth_failures_total{kind="login",outcome="throttled"}')).toBe(9);
    // Delayed: the second host's third guess (account 1 at 5 failures) and the owner's login.
    expect(metric(m, 'ordo_gateway_auth_failures_total{kind="login",outcome="delayed"}')).toBe(2);
  });

  it('answers 429 to a host guessing the admin token, and the right token from another host', async () => {
    const f = await start({ authThrottle: throttle });
    const adminFrom = (host: string, token: string): Promise<number> =>
      new Promise((resolve, reject) => {
        const body = JSON.stringify({ account: 2 });
        const req = request(`${f.server.httpUrl}/admin/unblock`, { method: 'POST', localAddress: host, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        });
        req.on('error', reject);
        req.end(body);
      });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push(await adminFrom('127.0.0.2', `wrong-token-${i}`));
    expect(statuses).toEqual([401, 401, 401, 429, 429, 429]);
    expect(await adminFrom('127.0.0.2', ADMIN_TOKEN)).toBe(429);
    // Account 2 is not blocked: the engine answers 409, past the guard.
    expect(await adminFrom('127.0.0.3', ADMIN_TOKEN)).toBe(409);
    const m = await metrics(f);
    expect(metric(m, 'ordo_gateway_auth_failures_total{kind="admin",outcome="bad_key"}')).toBe(3);
    expect(metric(m, 'ordo_gateway_auth_failures_total{kind="admin",outcome="throttled"}')).toBe(4);
  });
});

describe('heartbeat and cancel-on-disconnect per session', () => {
  it('terminates a peer that stops answering pings and cancels its orders; a live client sees the pings', async () => {
    const f = await start({ admission: { ...ADMISSION_OPTIONS_DEFAULT, heartbeatIntervalMs: 100, heartbeatMissesMax: 2 } });
    const watcher = await f.connect(1);
    const silent = await f.connect(1, { cancelOnDisconnect: true });
    const order = await silent.place(BUY);
    const cancelled = cancelledOrder(watcher, order.orderId);
    // The peer goes silent: its socket reads nothing more, so no pong goes back.
    (silent as unknown as { socket: { _socket: Socket } }).socket._socket.pause();
    expect((await cancelled).orderId).toBe(order.orderId);
    expect(metric(await metrics(f), 'ordo_gateway_connections_cut_total{reason="heartbeat"}')).toBe(1);
    expect(watcher.lastPingAt).not.toBeNull();
    expect((await watcher.ping()).type).toBe('pong');
    // The fixture's close would wait out the silent socket's close handshake.
    (silent as unknown as { socket: WebSocket }).socket.terminate();
  });

  it('cancels only the orders of the session that opted in, not those of the account\'s other sessions', async () => {
    const f = await start({});
    const watcher = await f.connect(1);
    const mine = await f.connect(1, { cancelOnDisconnect: 'session' });
    const other = await f.connect(1);
    const traded = await mine.place(BUY);
    const live = await mine.place({ ...BUY, price: '49000.00' });
    const kept = await other.place({ ...BUY, price: '48000.00' });
    // One of mine is filled before the disconnect: nothing of it is left to cancel.
    const fill = new Promise((resolve) => watcher.executions.on((r) => r.exec === 'fill' && r.orderId === traded.orderId && resolve(r)));
    const seller = await f.connect(2);
    await seller.place({ ...BUY, side: 'sell' });
    await fill;
    const cancelled = cancelledOrder(watcher, live.orderId);
    const seenByOther = cancelledOrder(other, live.orderId);
    await mine.close();
    // The cancel says why: the session went away, not a user's cancel.
    expect(await cancelled).toMatchObject({ orderId: live.orderId, cancelledQty: '0.5000', reason: 'disconnect' });
    expect(await seenByOther).toMatchObject({ orderId: live.orderId, reason: 'disconnect' });
    // The other session's order is still live: its own cancel is acknowledged, as a user's.
    const keptCancelled = cancelledOrder(other, kept.orderId);
    expect((await other.cancel(kept.orderId)).type).toBe('ack');
    expect(await keptCancelled).toMatchObject({ orderId: kept.orderId, reason: 'user' });
  });
});
