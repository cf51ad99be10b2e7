import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import type { FrameFormat } from '../protocol/wire-codec.js';
import type { BundledMessage } from '../protocol/wire-schema.js';
import type { Session } from './session.js';

/**
 * Most messages in one bundle frame: a full outbox leaves as a frame at once. An order causes
 * about five messages (ack, execution new and cancelled or fills, balances), so a 64-order batch
 * frame is answered in a few bundles, each far below a client's receive limit.
 */
export const BUNDLE_MESSAGES_MAX = 128;

/** One WebSocket connection and its session. */
export class Connection {
  closed = false;
  corked = false;
  /** Format of account messages: the one the login came in. */
  accountFormat: FrameFormat = 'json';
  /** The number of the API key the session logged in with (0 before login): revoking it closes the session. */
  keyId = 0;
  /** The login asked for bundles: messages of one turn in accountFormat go out in one frame. */
  bundle = false;
  /** Messages waiting for this turn's bundle (at most BUNDLE_MESSAGES_MAX), in send order. */
  readonly outbox: BundledMessage[] = [];
  /** Format of each subscription's messages: the one its subscribe came in. */
  readonly mdFormats = new Map<string, FrameFormat>();
  /** Orders this session placed that are still live (session-orders.ts). */
  readonly liveOrders = new Set<number>();
  /** Heartbeat pings sent since the peer was last heard from. */
  pingsUnanswered = 0;
  /** A login waits out an account's failure delay: a second one meanwhile is refused. */
  loginInFlight = false;
  /** Closes the session if it is still anonymous at its deadline; null once it logged in or subscribed. */
  anonymousTimer: NodeJS.Timeout | null = null;

  constructor(
    readonly session: Session,
    readonly ws: WebSocket,
    /** The peer's remote address: the key of the per-host cap and of the login throttle. */
    readonly host: string,
  ) {}

  get id(): number {
    return this.session.id;
  }
}

/** The TCP socket under a ws connection, for cork/uncork (ws keeps it as `_socket`). */
export function rawSocket(ws: WebSocket): Socket | null {
  const socket = (ws as unknown as { _socket?: Socket })._socket;
  return socket !== undefined && typeof socket.cork === 'function' ? socket : null;
}
