import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type BatchRequest, type OrdoClient, ReplyError } from '../client/client.js';
import { formatUnits } from '../protocol/decimal.js';
import { ServerFixture, engineLevels } from '../testkit/server-fixture.js';
import { defaultWireConfig } from '../protocol/wire-config.js';
import type { MarketDataMessage, WireLevel } from '../protocol/wire-schema.js';
import { prng } from '../testkit/prng.js';

/**
 * Market data over real sockets after a random order flow from several clients: a subscriber's
 * book rebuilt from snapshot + deltas equals the engine's book (the sequenced commands replayed
 * into an in-process engine, whose state hash equals the live core's); every channel's
 * sequences have no gaps. The seed is printed; ORDO_MD_SEED replays one flow.
 */
let fixture: ServerFixture | null = null;

afterEach(async () => {
  await fixture?.stop();
  fixture = null;
});

const wire = defaultWireConfig();

/**
 * Checks that each channel's messages count 1, 2, 3, ... on from the subscription's seq. The
 * checks run after the flow: a snapshot can arrive in the same read as its `subscribed` reply,
 * before the reply's promise settles.
 */
class SeqChecker {
  private readonly starts = new Map<string, number>();
  private readonly seen = new Map<string, Array<{ seq: number; snapshot: boolean }>>();

  start(channel: string, symbol: string, seq: number): void {
    this.starts.set(`${channel}:${symbol}`, seq);
  }

  see(m: MarketDataMessage): void {
    const channel = m.type === 'book_snapshot' || m.type === 'book_delta' ? 'book' : m.type === 'trade' ? 'trades' : 'bbo';
    const key = `${channel}:${m.symbol}`;
    const list = this.seen.get(key) ?? [];
    // book and bbo open with a snapshot at the subscription's seq.
    list.push({ seq: m.seq, snapshot: m.type === 'book_snapshot' || (m.type === 'bbo' && list.length === 0) });
    this.seen.set(key, list);
  }

  gaps(): string[] {
    const gaps: string[] = [];
    for (const [key, list] of this.seen) {
      let last = this.starts.get(key);
      if (last === undefined) {
        gaps.push(`${key}: never subscribed`);
        continue;
      }
      for (const { seq, snapshot } of list) {
        if (snapshot ? seq !== last : seq !== last + 1) gaps.push(`${key}: ${seq} after ${last}`);
        last = seq;
      }
    }
    return gaps;
  }
}

function randomOrder(rand: () => number, own: number[]): BatchRequest {
  const pick = rand();
  if (pick < 0.15 && own.length > 0) return { type: 'cancel', orderId: own[Math.floor(rand() * own.length)] as number };
  if (pick < 0.25 && own.length > 0) return { type: 'amend', orderId: own[Math.floor(rand() * own.length)] as number, symbol: 'BTC-USD', qty: formatUnits(1 + Math.floor(rand() * 30), wire.symbols[0]!.lot) };
  const symbol = rand() < 0.8 ? 'BTC-USD' : 'ETH-USD';
  const s = wire.symbolByName(symbol)!;
  const center = symbol === 'BTC-USD' ? 5_000_000 : 300_000;
  const side = rand() < 0.5 ? 'buy' : 'sell';
  // Prices straddle the centre so that orders both rest and cross.
  const price = formatUnits(center + Math.floor((rand() - 0.5) * 400) * 10, s.tick);
  const qty = formatUnits(1 + Math.floor(rand() * 40), s.lot);
  const tif = rand() < 0.2 ? 'ioc' : 'gtc';
  return { type: 'place', symbol, side, orderType: 'limit', tif, price, qty };
}

describe('gateway server: market data', () => {
  it('a subscriber rebuilds the engine book from snapshot + deltas, with gap-free channels', async () => {
    const seed = Number(process.env.ORDO_MD_SEED ?? Math.floor(Math.random() * 2 ** 31));
    fixture = await ServerFixture.start();
    const f = fixture;
    const traders = await Promise.all([1, 2, 3].map((a) => f.connect(a, { format: a === 2 ? 'msgpack' : 'json' })));
    // One subscriber from the start, one that subscribes mid-flow (snapshot of a live book).
    const early = await f.connect(undefined, { format: 'msgpack' });
    const late = await f.connect();
    const checkers = [new SeqChecker(), new SeqChecker()];
    const subscribe = async (client: OrdoClient, checker: SeqChecker): Promise<void> => {
      client.marketData.on((m) => checker.see(m));
      for (const symbol of ['BTC-USD', 'ETH-USD']) {
        for (const channel of ['book', 'trades', 'bbo'] as const) {
          const reply = await client.subscribe(channel, symbol);
          checker.start(channel, symbol, reply.seq);
        }
      }
    };
    await subscribe(early, checkers[0]!);
    const rand = prng(seed);
    const own: number[][] = [[], [], []];
    let acked = 0;
    const rounds = 40;
    for (let round = 0; round < rounds; round++) {
      if (round === rounds / 2) await subscribe(late, checkers[1]!);
      await Promise.all(
        traders.map(async (client, i) => {
          const orders = Array.from({ length: 8 }, () => randomOrder(rand, own[i]!));
          const results = await Promise.allSettled(client.batch(orders));
          results.forEach((r, k) => {
            if (r.status === 'fulfilled') {
              acked++;
              if (orders[k]!.type === 'place') own[i]!.push(r.value.orderId);
            } else if (!(r.reason instanceof ReplyError)) throw r.reason;
          });
        }),
      );
    }
    // Frames are answered in order: after the pongs, every message of the flow has arrived.
    await Promise.all([early.ping(), late.ping()]);
    const report = await f.stop();
    fixture = null;
    const replay = f.replay();
    expect(replay.hash, `seed ${seed}`).toBe(report.stateHash);
    expect(acked, `seed ${seed}`).toBeGreaterThan(100);
    for (const checker of checkers) expect(checker.gaps(), `seed ${seed}`).toEqual([]);
    for (const s of wire.symbols) {
      const levels = engineLevels(replay.state, s.id);
      const asWire = (l: [number, number, number]): WireLevel => [formatUnits(l[0], s.tick), formatUnits(l[1], s.lot), l[2]];
      for (const client of [early, late]) {
        const book = client.book(s.name);
        expect(book?.valid, `seed ${seed}`).toBe(true);
        expect(book?.bids(), `${s.name} bids, seed ${seed}`).toEqual(levels.bids.map(asWire));
        expect(book?.asks(), `${s.name} asks, seed ${seed}`).toEqual(levels.asks.map(asWire));
      }
      expect(levels.bids.length + levels.asks.length, `seed ${seed}`).toBeGreaterThan(0);
    }
  });

  it('drops a subscriber that stops reading, with md_dropped, and keeps serving the others', async () => {
    const unthrottled = { ratePerSecond: 1_000_000, burst: 1_000_000 };
    fixture = await ServerFixture.start({
      config: {
        session: { subscriptionsMax: 32, orderRate: unthrottled, loginFailuresMax: 3, mdBufferedBytesMax: 64 * 1024 },
        orderRate: { perSession: unthrottled, perAccount: unthrottled, accountsMax: 100 },
      },
    });
    const f = fixture;
    const slow = new WebSocket(f.url, { perMessageDeflate: false });
    await new Promise((resolve) => slow.once('open', resolve));
    const seen: string[] = [];
    slow.on('message', (data: Buffer) => seen.push((JSON.parse(data.toString('utf8')) as { type: string }).type));
    slow.send(JSON.stringify({ type: 'subscribe', id: 1, channel: 'book', symbol: 'BTC-USD' }));
    await expect.poll(() => seen.includes('book_snapshot')).toBe(true);
    // Stop reading: the kernel buffers fill, then the server's socket buffers grow.
    (slow as unknown as { _socket: { pause(): void; resume(): void } })._socket.pause();
    const fast = await f.connect();
    await fast.subscribe('book', 'BTC-USD');
    const trader = await f.connect(1);
    const s = wire.symbolByName('BTC-USD')!;
    // A deep book (1 024 levels) makes every book snapshot about 30 KB.
    for (let round = 0; round < 16; round++) {
      const orders: BatchRequest[] = Array.from({ length: 64 }, (_, i) => ({ type: 'place', symbol: 'BTC-USD', side: 'buy', orderType: 'limit', price: formatUnits(4_600_000 + round * 64 + i, s.tick), qty: '0.0001' }));
      await Promise.all(trader.batch(orders));
    }
    // The paused client keeps asking for snapshots it does not read, until the server holds
    // more than the bound for it; the next delta's fan-out then drops it.
    let dropped = false;
    for (let round = 0; round < 200 && !dropped; round++) {
      for (let k = 0; k < 10; k++) {
        slow.send(JSON.stringify({ type: 'unsubscribe', id: 10 + round * 20 + 2 * k, channel: 'book', symbol: 'BTC-USD' }));
        slow.send(JSON.stringify({ type: 'subscribe', id: 11 + round * 20 + 2 * k, channel: 'book', symbol: 'BTC-USD' }));
      }
      await trader.place({ symbol: 'BTC-USD', side: 'buy', orderType: 'limit', price: formatUnits(4_500_000 + round, s.tick), qty: '0.0001' });
      const metrics = await (await fetch(`${f.server.httpUrl}/metrics`)).text();
      dropped = metrics.includes('ordo_gateway_md_dropped_total 1');
    }
    expect(dropped).toBe(true);
    (slow as unknown as { _socket: { resume(): void } })._socket.resume();
    await expect.poll(() => seen.includes('md_dropped'), { timeout: 10_000 }).toBe(true);
    // The fast subscriber was never dropped and its book is whole.
    await trader.massCancel();
    await fast.ping();
    expect(fast.book('BTC-USD')?.valid).toBe(true);
    expect(fast.book('BTC-USD')?.bids()).toEqual([]);
    slow.close();
  });
});
