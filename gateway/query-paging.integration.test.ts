import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { GatewayCode } from '../protocol/gateway-codes.js';
import { OPEN_ORDERS_LIMIT_MAX } from '../protocol/wire-schema.js';
import { apiKeyOf, ServerFixture } from '../testkit/server-fixture.js';

/**
 * open_orders in pages through a real socket: more orders than one page holds come back in
 * order id order across pages, each page at most the limit, `more` false only on the last; the
 * reply's bytes are pinned; another account sees none of them.
 */
let fixture: ServerFixture | null = null;

afterEach(async () => {
  await fixture?.stop();
  fixture = null;
});

/** Sends each text frame and resolves with the reply to it, in order. */
async function rawExchange(url: string, frames: readonly string[]): Promise<string[]> {
  const ws = new WebSocket(url);
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  const replies: string[] = [];
  const done = new Promise<void>((resolve) =>
    ws.on('message', (data: Buffer) => {
      replies.push(data.toString('utf8'));
      if (replies.length === frames.length) resolve();
    }),
  );
  for (const frame of frames) ws.send(frame);
  await done;
  ws.close();
  return replies;
}

describe('open_orders pages', () => {
  it('gives every live order once, in order id order, across pages of at most the limit', async () => {
    fixture = await ServerFixture.start();
    const trader = await fixture.connect(1);
    const count = 2 * OPEN_ORDERS_LIMIT_MAX + 150;
    const placed: number[] = [];
    // Resting bids far below the market, 50 in flight at a time.
    for (let i = 0; i < count; i += 50) {
      const acks = await Promise.all(
        Array.from({ length: Math.min(50, count - i) }, (_, k) => trader.place({ symbol: 'BTC-USD', side: 'buy', orderType: 'limit', price: (1000 + ((i + k) % 100)).toFixed(2), qty: '0.001', clOrdId: `p-${i + k}` })),
      );
      placed.push(...acks.map((a) => a.orderId));
    }
    const first = await trader.openOrdersPage();
    expect([first.orders.length, first.more]).toEqual([OPEN_ORDERS_LIMIT_MAX, true]);
    const all = await trader.openOrders();
    expect(all.map((o) => o.orderId)).toEqual([...placed].sort((a, b) => a - b));
    expect(all.slice(0, OPEN_ORDERS_LIMIT_MAX)).toEqual(first.orders);
    const last = await trader.openOrdersPage({ afterOrderId: all[2 * OPEN_ORDERS_LIMIT_MAX - 1]!.orderId });
    expect([last.orders.length, last.more]).toEqual([150, false]);
    const small = await trader.openOrdersPage({ symbol: 'BTC-USD', afterOrderId: all[9]!.orderId, limit: 3 });
    expect(small.orders.map((o) => o.orderId)).toEqual(all.slice(10, 13).map((o) => o.orderId));
    expect(await trader.openOrdersPage({ symbol: 'ETH-USD' })).toEqual({ orders: [], more: false });
    const other = await fixture.connect(2);
    expect(await other.openOrders()).toEqual([]);

    // The bytes of a page of one, and the refusals of a bad page.
    const firstId = all[0]!.orderId;
    const replies = await rawExchange(fixture.url, [
      `{"type":"login","id":1,"account":1,"apiKey":"${apiKeyOf(1)}"}`,
      '{"type":"open_orders","id":2,"limit":1}',
      `{"type":"open_orders","id":3,"limit":${OPEN_ORDERS_LIMIT_MAX + 1}}`,
      '{"type":"open_orders","id":4,"afterOrderId":-5}',
    ]);
    const order = all[0]!;
    expect(replies[1]).toBe(
      `{"type":"open_orders","id":2,"orders":[{"orderId":${firstId},"clOrdId":"p-0","symbol":"BTC-USD","side":"buy","orderType":"limit","tif":"gtc","price":"1000.00","qty":"0.0010","cumQty":"0.0000","leavesQty":"0.0010","status":"new","seq":${order.seq},"timestampUs":${order.timestampUs}}],"more":true}`,
    );
    expect(JSON.parse(replies[2]!)).toMatchObject({ type: 'reject', id: 3, code: GatewayCode.INVALID_FIELD_VALUE });
    expect(JSON.parse(replies[3]!)).toMatchObject({ type: 'reject', id: 4, code: GatewayCode.INVALID_FIELD_VALUE });
  }, 120_000);
});
