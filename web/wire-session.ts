import type { RejectReply, ServerMessage } from '../protocol/wire-schema.js';

/**
 * The page's one WebSocket to the gateway (docs/protocol.md), JSON text frames:
 *
 *   request(msg) ──▶ id assigned ──▶ frame ──▶ reply with the same id resolves it
 *                                           ──▶ `reject` fails it with a Refusal (code, name)
 *   server messages without an id (market data, executions, balances) ──▶ listeners by type
 *   close ──▶ every pending request fails ──▶ reconnect after a growing delay ──▶ `open` listeners
 *
 * Requests in flight are bounded, and each has a deadline, so a silent server leaves nothing
 * waiting forever.
 */
export const PENDING_MAX = 256;
export const REQUEST_TIMEOUT_MS = 10_000;
const RECONNECT_MS_MIN = 500;
const RECONNECT_MS_MAX = 8_000;

export type Reply = Exclude<ServerMessage, { type: 'bundle' }>;
type Unsolicited = Extract<Reply, { type: 'execution' | 'balance' | 'book_snapshot' | 'book_delta' | 'trade' | 'bbo' | 'md_dropped' }>;
export type UnsolicitedType = Unsolicited['type'];

/** A request the server refused: its stable code and name, and the message for people. */
export class Refusal extends Error {
  readonly code: number;
  readonly codeName: string;
  constructor(reply: Pick<RejectReply, 'code' | 'name' | 'message'>) {
    super(reply.message);
    this.code = reply.code;
    this.codeName = reply.name;
  }
}

/** What the views need of a session; tests give a fake one. */
export interface WireLink {
  request<T extends Reply>(message: Record<string, unknown>): Promise<T>;
  on<K extends UnsolicitedType>(type: K, listener: (m: Extract<Unsolicited, { type: K }>) => void): void;
  onOpen(listener: () => void): void;
  readonly connected: boolean;
}

interface Pending {
  resolve(m: Reply): void;
  reject(e: Error): void;
  timer: number;
}

export class WireSession implements WireLink {
  private ws: WebSocket | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Map<string, Array<(m: never) => void>>();
  private readonly openListeners: Array<() => void> = [];
  private readonly stateListeners: Array<(state: string) => void> = [];
  private reconnectMs = RECONNECT_MS_MIN;

  constructor(private readonly url: string) {}

  /** ws://host/ws of the page's own origin. */
  static urlOf(location: Location): string {
    return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
  }

  get connected(): boolean {
    return this.ws !== null && this.ws.readyState === WebSocket.OPEN;
  }

  connect(): void {
    const ws = new WebSocket(this.url);
    this.ws = ws;
    this.setState('connecting');
    ws.onopen = () => {
      this.reconnectMs = RECONNECT_MS_MIN;
      this.setState('connected');
      for (const l of this.openListeners) l();
    };
    ws.onmessage = (ev: MessageEvent) => {
      if (typeof ev.data === 'string') this.dispatch(JSON.parse(ev.data) as ServerMessage);
    };
    ws.onclose = (ev: CloseEvent) => {
      if (this.ws !== ws) return;
      this.ws = null;
      for (const [id, p] of this.pending) {
        clearTimeout(p.timer);
        p.reject(new Error('connection closed'));
        this.pending.delete(id);
      }
      this.setState(`disconnected (${ev.code}${ev.reason === '' ? '' : `: ${ev.reason}`}), retrying`);
      setTimeout(() => this.connect(), this.reconnectMs);
      this.reconnectMs = Math.min(this.reconnectMs * 2, RECONNECT_MS_MAX);
    };
  }

  onState(listener: (state: string) => void): void {
    this.stateListeners.push(listener);
  }

  onOpen(listener: () => void): void {
    this.openListeners.push(listener);
    if (this.connected) listener();
  }

  on<K extends UnsolicitedType>(type: K, listener: (m: Extract<Unsolicited, { type: K }>) => void): void {
    const list = this.listeners.get(type) ?? [];
    list.push(listener as (m: never) => void);
    this.listeners.set(type, list);
  }

  request<T extends Reply>(message: Record<string, unknown>): Promise<T> {
    const ws = this.ws;
    if (ws === null || ws.readyState !== WebSocket.OPEN) return Promise.reject(new Error('not connected'));
    if (this.pending.size >= PENDING_MAX) return Promise.reject(new Error(`more than ${PENDING_MAX} requests in flight`));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = window.setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms`));
      }, REQUEST_TIMEOUT_MS);
      this.pending.set(id, { resolve: resolve as (m: Reply) => void, reject, timer });
      ws.send(JSON.stringify({ ...message, id }));
    });
  }

  private dispatch(m: ServerMessage): void {
    if (m.type === 'bundle') {
      for (const inner of m.messages) this.dispatch(inner);
      return;
    }
    const id = 'id' in m ? m.id : undefined;
    if (typeof id === 'number') {
      const p = this.pending.get(id);
      if (p === undefined) return;
      this.pending.delete(id);
      clearTimeout(p.timer);
      if (m.type === 'reject') p.reject(new Refusal(m));
      else p.resolve(m);
      return;
    }
    for (const l of this.listeners.get(m.type) ?? []) (l as (m: Reply) => void)(m);
  }

  private setState(state: string): void {
    for (const l of this.stateListeners) l(state);
  }
}

/** "CODE NAME: message" of a refusal, the message of any other failure. */
export function describeFailure(e: unknown): string {
  if (e instanceof Refusal) return `${e.code} ${e.codeName}: ${e.message}`;
  return e instanceof Error ? e.message : String(e);
}
