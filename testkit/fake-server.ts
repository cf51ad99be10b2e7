import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { intakeFrame } from '../gateway/frame-intake.js';
import { GatewayCode, gatewayError } from '../protocol/gateway-codes.js';
import { refusalReply } from '../gateway/order-translation.js';
import { encodeFrame, type FrameFormat } from '../protocol/wire-codec.js';
import type { ClientMessage, OrderMessage, ServerMessage } from '../protocol/wire-schema.js';

/**
 * A stand-in server for client tests over real sockets on 127.0.0.1 (port 0): it decodes and
 * validates frames with the gateway's own intake, and answers by simple rules instead of a core:
 *
 *   login            logged_in (any account; the key "wrong-key-wrong-key" is refused AUTH_FAILED)
 *   place/amend/cancel/mass_cancel   ack with order ids 1, 2, 3, ...; a place of qty "0" (valid
 *                    syntax, refused by risk in the real gateway) gets DECIMAL_OUT_OF_RANGE;
 *                    a place with clOrdId "silent" gets no reply at all (for timeouts)
 *   subscribe/unsubscribe, ping   subscribed (seq 0; book: an empty snapshot), unsubscribed, pong
 *
 * Tests push any other server message with `broadcast` and read what arrived in `received`.
 */
export class FakeServer {
  readonly received: ClientMessage[] = [];
  private readonly sockets = new Set<WebSocket>();
  private orderId = 0;
  /** Delay before answering an order, for latency tests. */
  ackDelayMs = 0;
  /** Whether `received` keeps each message (off for a long benchmark run: it would only grow). */
  keepsReceived = true;

  private constructor(private readonly wss: WebSocketServer) {
    wss.on('connection', (ws) => {
      this.sockets.add(ws);
      ws.on('close', () => this.sockets.delete(ws));
      ws.on('message', (data, isBinary) => this.onFrame(ws, data as Buffer, isBinary));
    });
  }

  static start(): Promise<FakeServer> {
    return new Promise((resolve) => {
      const wss: WebSocketServer = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false }, (): void => resolve(new FakeServer(wss)));
    });
  }

  get url(): string {
    return `ws://127.0.0.1:${(this.wss.address() as AddressInfo).port}/`;
  }

  get connectionCount(): number {
    return this.sockets.size;
  }

  broadcast(message: ServerMessage, format: FrameFormat = 'json'): void {
    const frame = encodeFrame(message, format);
    for (const ws of this.sockets) ws.send(frame, { binary: typeof frame !== 'string' });
  }

  /** Sends a text frame exactly as given (a server's bytes that encodeFrame would not write). */
  broadcastText(text: string): void {
    for (const ws of this.sockets) ws.send(text);
  }

  /** Closes every connection from the server side. */
  dropConnections(): void {
    for (const ws of this.sockets) ws.terminate();
  }

  close(): Promise<void> {
    for (const ws of this.sockets) ws.terminate();
    return new Promise((resolve) => this.wss.close(() => resolve()));
  }

  private onFrame(ws: WebSocket, data: Buffer, isBinary: boolean): void {
    const intake = intakeFrame(data, isBinary);
    const send = (message: ServerMessage): void => {
      const frame = encodeFrame(message, intake.format);
      ws.send(frame, { binary: typeof frame !== 'string' });
    };
    switch (intake.kind) {
      case 'refused':
        return send(intake.reply);
      case 'batch':
        for (const item of intake.items) {
          if (item.ok) this.onOrder(item.message, send);
          else send(item.reply);
        }
        return;
      case 'message':
        if (this.keepsReceived) this.received.push(intake.message);
        return this.onMessage(intake.message, send);
      default: {
        const unknown: never = intake;
        throw new Error(`unexpected intake ${JSON.stringify(unknown)}`);
      }
    }
  }

  private onMessage(m: Exclude<ClientMessage, { type: 'batch' }>, send: (message: ServerMessage) => void): void {
    switch (m.type) {
      case 'login':
        if (m.apiKey === 'wrong-key-wrong-key') return send(refusalReply(gatewayError(GatewayCode.AUTH_FAILED), m.id));
        return send({ type: 'logged_in', id: m.id, account: m.account, cancelOnDisconnect: m.cancelOnDisconnect ?? false });
      case 'place':
      case 'cancel':
      case 'amend':
        return this.onOrder(m, send);
      case 'mass_cancel':
        return send({ type: 'ack', id: m.id, orderId: 0, seq: ++this.orderId });
      case 'subscribe':
        send({ type: 'subscribed', id: m.id, channel: m.channel, symbol: m.symbol, seq: 0 });
        if (m.channel === 'book') send({ type: 'book_snapshot', symbol: m.symbol, seq: 0, bids: [], asks: [] });
        return;
      case 'unsubscribe':
        return send({ type: 'unsubscribed', id: m.id, channel: m.channel, symbol: m.symbol });
      case 'ping':
        return send({ type: 'pong', id: m.id });
      case 'open_orders':
        return send({ type: 'open_orders', id: m.id, orders: [], more: false });
      case 'balances':
        return send({ type: 'balances', id: m.id, balances: [] });
      case 'fills':
        return send({ type: 'fills', id: m.id, fills: [] });
      case 'symbols':
        return send({ type: 'symbols', id: m.id, symbols: [] });
      case 'order_status':
        return send(refusalReply(gatewayError(GatewayCode.INVALID_FIELD_VALUE, 'the stand-in server keeps no orders'), m.id));
      default: {
        const unknown: never = m;
        throw new Error(`unexpected message ${JSON.stringify(unknown)}`);
      }
    }
  }

  private onOrder(m: OrderMessage, send: (message: ServerMessage) => void): void {
    if (m.type === 'place' && m.clOrdId === 'silent') return;
    const reply = (): void => {
      if (m.type === 'place' && m.qty === '0') return send(refusalReply(gatewayError(GatewayCode.DECIMAL_OUT_OF_RANGE, 'qty is zero'), m.id));
      const orderId = m.type === 'place' ? ++this.orderId : (m.orderId ?? 0);
      send({ type: 'ack', id: m.id, orderId, seq: orderId });
    };
    if (this.ackDelayMs === 0) reply();
    else setTimeout(reply, this.ackDelayMs);
  }
}
