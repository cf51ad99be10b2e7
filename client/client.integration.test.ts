import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OrdoClient, ReplyError } from './client.js';
import { GatewayCode } from '../protocol/gateway-codes.js';
import { FakeServer } from '../testkit/fake-server.js';
import type { ExecutionReport } from '../protocol/wire-schema.js';

const KEY = 'k'.repeat(20);
const order = { symbol: 'BTC-USD', side: 'buy', orderType: 'limit', price: '50000.00', qty: '0.1' } as const;

function nextEvent<T>(subscribe: (listener: (value: T) => void) => () => void): Promise<T> {
  return new Promise((resolve) => {
    const off = subscribe((value) => {
      off();
      resolve(value);
    });
  });
}

describe('OrdoClient over real sockets', () => {
  let server: FakeServer;
  beforeEach(async () => {
    server = await FakeServer.start();
  });
  afterEach(async () => {
    await server.close();
  });

  for (const format of ['json', 'msgpack'] as const) {
    it(`logs in, places, cancels and amends with promises settled by id (${format})`, async () => {
      const client = await OrdoClient.connect(server.url, { format });
      expect(await client.login(3, KEY, { cancelOnDisconnect: true })).toMatchObject({ type: 'logged_in', account: 3, cancelOnDisconnect: true });
      const [a, b] = await Promise.all([client.place(order), client.place({ ...order, side: 'sell' })]);
      expect([a.orderId, b.orderId]).toEqual([1, 2]);
      expect(await client.cancel(1)).toMatchObject({ type: 'ack', orderId: 1 });
      expect(await client.amend({ orderId: 2, symbol: 'BTC-USD', qty: '0.05' })).toMatchObject({ orderId: 2 });
      expect(await client.massCancel('BTC-USD')).toMatchObject({ type: 'ack' });
      expect((await client.ping()).type).toBe('pong');
      expect(server.received.map((m) => m.type)).toEqual(['login', 'place', 'place', 'cancel', 'amend', 'mass_cancel', 'ping']);
      await client.close();
    });
  }

  it('rejects the promise with the stable code on a reject reply', async () => {
    const client = await OrdoClient.connect(server.url);
    const refused = await client.place({ ...order, qty: '0' }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ReplyError);
    expect(refused).toMatchObject({ code: GatewayCode.DECIMAL_OUT_OF_RANGE, codeName: 'DECIMAL_OUT_OF_RANGE' });
    const auth = await client.login(1, 'wrong-key-wrong-key').catch((e: unknown) => e);
    expect(auth).toMatchObject({ code: GatewayCode.AUTH_FAILED });
    await client.close();
  });

  it('settles each order of a batch on its own reply', async () => {
    const client = await OrdoClient.connect(server.url, { format: 'msgpack' });
    const results = await Promise.allSettled(client.batch([{ type: 'place', ...order }, { type: 'place', ...order, qty: '0' }, { type: 'cancel', orderId: 9 }]));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    await client.close();
  });

  it('settles placeWith and batchWith through their callbacks, refusals as ReplyError without a stack', async () => {
    const client = await OrdoClient.connect(server.url);
    const placed = await new Promise<[Error | null, number | null]>((resolve) => client.placeWith(order, (error, ack) => resolve([error, ack?.orderId ?? null])));
    expect(placed).toEqual([null, 1]);
    const outcomes = await new Promise<string[]>((resolve) => {
      const seen: string[] = [];
      client.batchWith([{ type: 'place', ...order }, { type: 'place', ...order, qty: '0' }], (k, error) => {
        seen[k] = error === null ? 'ack' : error instanceof ReplyError ? error.codeName : error.message;
        if (seen.filter((x) => x !== undefined).length === 2) resolve(seen);
      });
    });
    expect(outcomes).toEqual(['ack', 'DECIMAL_OUT_OF_RANGE']);
    const refused = await client.place({ ...order, qty: '0' }).catch((e: unknown) => e);
    expect((refused as Error).stack?.split('\n').length).toBe(1);
    await client.close();
  });

  it('unpacks a bundle into its messages, in order', async () => {
    const client = await OrdoClient.connect(server.url);
    const report = (orderId: number): ExecutionReport => ({
      type: 'execution', exec: 'new', orderId, symbol: 'BTC-USD', side: 'buy', qty: '0.1000', cumQty: '0.0000', leavesQty: '0.1000', price: '50000.00', seq: orderId, timestampUs: 1,
    });
    const seen: number[] = [];
    client.executions.on((r) => seen.push(r.orderId));
    const balance = nextEvent(client.balances.on.bind(client.balances));
    server.broadcast({ type: 'bundle', messages: [report(1), { type: 'balance', asset: 'USD', available: '1.00', reserved: '0.00', seq: 1 }, report(2)] });
    expect(await balance).toMatchObject({ asset: 'USD' });
    await client.ping();
    expect(seen).toEqual([1, 2]);
    await client.close();
  });

  it('without report or balance listeners, still settles each ack and reject of a bundle by id, whatever its strings hold', async () => {
    const client = await OrdoClient.connect(server.url, { requestTimeoutMs: 2_000 });
    const silent = { ...order, clOrdId: 'silent' };
    const [acked, refused, reordered] = [client.place(silent), client.place(silent), client.place(silent)];
    const tricky = 'x},{"type":"ack","id":2,"orderId":99,"seq":99}';
    const report: ExecutionReport = {
      type: 'execution', exec: 'new', orderId: 7, symbol: 'BTC-USD', side: 'buy', qty: '0.1000', cumQty: '0.0000', leavesQty: '0.1000', price: '50000.00', clOrdId: tricky, seq: 7, timestampUs: 1,
    };
    server.broadcast({
      type: 'bundle',
      messages: [report, { type: 'balance', asset: 'USD', available: '1.00', reserved: '0.00', seq: 7 }, { type: 'ack', id: 1, orderId: 7, seq: 7 }, { type: 'reject', id: 2, code: GatewayCode.BUSY, name: 'BUSY', message: tricky }],
    });
    expect(await acked).toEqual({ type: 'ack', id: 1, orderId: 7, seq: 7 });
    expect(await refused.catch((e: unknown) => e)).toMatchObject({ codeName: 'BUSY', reply: { message: tricky } });
    // Integers read in place up to 15 digits; longer ones, and acks with other fields, parsed as JSON.
    const [wide, wider, extra] = [client.place(silent), client.place(silent), client.place(silent)];
    server.broadcastText(
      `{"type":"bundle","messages":[{"type":"ack","id":4,"orderId":999999999999999,"seq":999999999999998},${JSON.stringify(report)},` +
        `{"type":"ack","id":5,"orderId":4503599627370497,"seq":9},{"type":"ack","id":6,"orderId":8,"seq":8,"note":"x"}]}`,
    );
    expect(await wide).toEqual({ type: 'ack', id: 4, orderId: 999_999_999_999_999, seq: 999_999_999_999_998 });
    expect(await wider).toEqual({ type: 'ack', id: 5, orderId: 4_503_599_627_370_497, seq: 9 });
    expect(await extra).toEqual({ type: 'ack', id: 6, orderId: 8, seq: 8, note: 'x' });
    // A bundle whose messages do not start with their type is parsed whole, as before.
    server.broadcastText(`{"type":"bundle","messages":[{"id":3,"type":"ack","orderId":8,"seq":8},${JSON.stringify(report)}]}`);
    expect(await reordered).toMatchObject({ type: 'ack', id: 3, orderId: 8 });
    await client.close();
  });

  it('hands refusals without a request id to the unmatched stream', async () => {
    const client = await OrdoClient.connect(server.url);
    const refusal = nextEvent(client.unmatched.on.bind(client.unmatched));
    client.sendRaw('{"type":');
    expect(await refusal).toMatchObject({ id: null, code: GatewayCode.MALFORMED_JSON });
    client.sendRaw(new Uint8Array([0xc1]));
    expect(await nextEvent(client.unmatched.on.bind(client.unmatched))).toMatchObject({ code: GatewayCode.MALFORMED_MSGPACK });
    await client.close();
  });

  it('times out a request that gets no reply, and fails pending requests when the connection drops', async () => {
    const client = await OrdoClient.connect(server.url, { requestTimeoutMs: 150 });
    await expect(client.place({ ...order, clOrdId: 'silent' })).rejects.toThrow(/timed out/);
    const pending = client.place({ ...order, clOrdId: 'silent' });
    server.dropConnections();
    await expect(pending).rejects.toThrow(/connection closed/);
    await expect(client.ping()).rejects.toThrow(/not open/);
  });

  it('streams execution reports and keeps a local book, resubscribing on a gap', async () => {
    const client = await OrdoClient.connect(server.url);
    const report: ExecutionReport = {
      type: 'execution', exec: 'new', orderId: 1, symbol: 'BTC-USD', side: 'buy', qty: '0.1000', cumQty: '0.0000', leavesQty: '0.1000', price: '50000.00', seq: 1, timestampUs: 1,
    };
    const execution = nextEvent(client.executions.on.bind(client.executions));
    server.broadcast(report);
    expect(await execution).toEqual(report);

    expect(await client.subscribe('book', 'BTC-USD')).toMatchObject({ type: 'subscribed', seq: 0 });
    await client.ping(); // the snapshot was sent before the pong: it has been applied
    const book = client.book('BTC-USD');
    expect(book?.seq).toBe(0);
    const delta = nextEvent(client.marketData.on.bind(client.marketData));
    server.broadcast({ type: 'book_delta', symbol: 'BTC-USD', seq: 1, bids: [['50000.00', '0.1000', 1]], asks: [] }, 'msgpack');
    await delta;
    expect(book?.bestBid()).toEqual(['50000.00', '0.1000', 1]);

    const gap = nextEvent(client.gaps.on.bind(client.gaps));
    server.broadcast({ type: 'book_delta', symbol: 'BTC-USD', seq: 3, bids: [], asks: [] });
    expect(await gap).toEqual({ symbol: 'BTC-USD', expectedSeq: 2, gotSeq: 3 });
    await client.ping();
    await client.ping();
    expect(server.received.slice(-4).map((m) => m.type)).toEqual(['unsubscribe', 'subscribe', 'ping', 'ping']);
    expect(book?.valid).toBe(true);
    await client.close();
  });
});
