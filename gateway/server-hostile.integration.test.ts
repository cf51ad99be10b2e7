import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { decode } from '@msgpack/msgpack';
import { fcParameters } from '../testkit/unit-fixtures.js';
import { intakeFrame } from './frame-intake.js';
import { GATEWAY_CODE_MAX, GATEWAY_CODE_MIN, GatewayCode } from '../protocol/gateway-codes.js';
import { hostileFrame } from '../testkit/hostile-frames.js';
import { apiKeyOf, ServerFixture } from '../testkit/server-fixture.js';
import type { ServerMessage } from '../protocol/wire-schema.js';

/**
 * Hostile input over real sockets: fast-check frames (random bytes, random JSON and msgpack,
 * valid messages with a field replaced, deleted or added, truncated and bit-flipped frames,
 * oversize frames) from an anonymous and a logged-in session. The server answers each with a
 * stable gateway code, keeps both connections and every other client, and no command reaches
 * the engine: the sequenced commands and the state hash are what they were. Seeds are printed
 * on failure (FC_SEED replays one).
 */
let fixture: ServerFixture | null = null;

afterEach(async () => {
  await fixture?.stop();
  fixture = null;
});

/** A raw ws connection that can send any bytes as text or binary, and read every reply. */
class RawSession {
  readonly received: ServerMessage[] = [];
  private nextPing = 1_000_000_000;

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data: Buffer, isBinary: boolean) => this.received.push((isBinary ? decode(data) : JSON.parse(data.toString('utf8'))) as ServerMessage));
  }

  static async open(url: string): Promise<RawSession> {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    return new RawSession(ws);
  }

  get open(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  send(bytes: Uint8Array | string, binary: boolean): void {
    this.ws.send(bytes, { binary });
  }

  /** Sends a frame, then a ping; resolves with what arrived in between (the server answers in order). */
  async exchange(bytes: Uint8Array | string, binary: boolean): Promise<ServerMessage[]> {
    const from = this.received.length;
    this.send(bytes, binary);
    const id = this.nextPing++;
    this.send(JSON.stringify({ type: 'ping', id }), false);
    await expect.poll(() => this.received.some((m) => m.type === 'pong' && m.id === id), { timeout: 5_000, interval: 1 }).toBe(true);
    const replies = this.received.slice(from);
    this.received.length = 0;
    return replies.filter((m) => !(m.type === 'pong' && m.id === id));
  }

  close(): void {
    this.ws.close();
  }
}

function expectStableRefusal(m: ServerMessage): void {
  if (m.type !== 'reject') return;
  expect(m.code).toBeGreaterThanOrEqual(GATEWAY_CODE_MIN);
  expect(m.code).toBeLessThanOrEqual(GATEWAY_CODE_MAX);
  expect(m.name).toBe(GatewayCode[m.code]);
}

describe('gateway server: hostile input over real sockets', () => {
  it('answers every hostile frame with a stable code, keeps serving, and changes nothing', async () => {
    fixture = await ServerFixture.start();
    const f = fixture;
    const trader = await f.connect(1);
    const resting = await trader.place({ symbol: 'BTC-USD', side: 'buy', orderType: 'limit', price: '50000.00', qty: '0.5' });
    const anonymous = await RawSession.open(f.url);
    const loggedIn = await RawSession.open(f.url);
    const login = await loggedIn.exchange(JSON.stringify({ type: 'login', id: 1, account: 2, apiKey: apiKeyOf(2) }), false);
    expect(login[0]).toMatchObject({ type: 'logged_in', account: 2 });
    const commandsBefore = f.commands.length;
    let frames = 0;
    await fc.assert(
      fc.asyncProperty(hostileFrame, async ({ bytes, binary }) => {
        const local = intakeFrame(Buffer.from(bytes), binary);
        // The logged-in session gets only frames the intake refuses, so none of them can be an
        // order that reaches the engine; the anonymous one gets everything but logins (three
        // failed logins close a connection, by design).
        if (local.kind === 'message' && local.message.type === 'login') return;
        const session = local.kind === 'refused' ? loggedIn : anonymous;
        const replies = await session.exchange(bytes, binary);
        frames++;
        replies.forEach(expectStableRefusal);
        if (local.kind === 'refused') {
          expect(replies).toHaveLength(1);
          expect(replies[0]).toMatchObject({ type: 'reject', code: local.reply.code, id: local.reply.id });
        } else {
          expect(replies.length).toBeGreaterThanOrEqual(1);
        }
        expect(anonymous.open && loggedIn.open).toBe(true);
      }),
      { ...fcParameters(300), verbose: true },
    );
    expect(frames).toBeGreaterThan(100);
    // Oversize frames: refused, connection kept.
    for (const binary of [false, true]) {
      const replies = await loggedIn.exchange(Buffer.alloc(64 * 1024 + 1, 0x5b), binary);
      expect(replies).toMatchObject([{ type: 'reject', code: GatewayCode.FRAME_TOO_LARGE }]);
    }
    // Other clients were served throughout and still are; the engine saw no command from any of it.
    expect(f.commands.length).toBe(commandsBefore);
    await trader.cancel(resting.orderId);
    expect(f.commands.length).toBe(commandsBefore + 1);
    anonymous.close();
    loggedIn.close();
    const report = await f.stop();
    fixture = null;
    expect(report.stateHash).toBe(f.replay().hash);
  });
});
