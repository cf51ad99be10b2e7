import { performance } from 'node:perf_hooks';
import { GatewayCode, gatewayError } from '../protocol/gateway-codes.js';
import type { FrameFormat, RawFrame } from '../protocol/wire-codec.js';
import type { ClientMessage, ClientMessageType } from '../protocol/wire-schema.js';
import type { Connection } from './connection.js';
import type { Connections } from './connections.js';
import { type Intake, type IntakeLimits, intakeFrame } from './frame-intake.js';
import type { Logger } from './log.js';
import type { ServerMetrics } from './server-metrics.js';

/** A batch frame as the intake leaves it: its id and its orders, each validated alone. */
export type BatchIntake = Extract<Intake, { kind: 'batch' }>;

/** What a handler of message type T receives: the validated message, or for `batch` the intake's batch. */
export type RoutedMessage<T extends ClientMessageType> = T extends 'batch' ? BatchIntake : Extract<ClientMessage, { type: T }>;

export type MessageHandler<M> = (conn: Connection, m: M, format: FrameFormat, receivedMs: number) => void;

/**
 * One handler per client message type. A mapped type over the schema's union, so a message type
 * added to the schema does not compile until it has its entry here.
 */
export type MessageHandlers = { readonly [T in ClientMessageType]: MessageHandler<RoutedMessage<T>> };

/**
 * Every incoming frame, from bytes to its handler:
 *
 *   frame ──▶ intake (decode, validate; a refusal is answered here)
 *         ──▶ session.authorize(type) (login first; NOT_LOGGED_IN / ALREADY_LOGGED_IN)
 *         ──▶ handlers[type]
 *
 * The handler table is looked up once per frame. A throw in a handler is answered
 * INTERNAL_ERROR and the connection kept: the handlers publish as their last step, so nothing
 * reached the ring for a frame whose handler threw.
 */
export class MessageRouter {
  constructor(
    private readonly handlers: MessageHandlers,
    private readonly limits: IntakeLimits,
    private readonly connections: Connections,
    private readonly metrics: ServerMetrics,
    private readonly log: Logger,
  ) {}

  onFrame(conn: Connection, data: RawFrame, isBinary: boolean): void {
    if (conn.closed) return;
    const receivedMs = performance.now();
    const intake = intakeFrame(data, isBinary, this.limits);
    try {
      switch (intake.kind) {
        case 'refused':
          this.metrics.framesRefused.inc();
          return this.connections.send(conn, intake.reply, intake.format);
        case 'batch': {
          const denied = conn.session.authorize('batch');
          if (denied !== null) return this.connections.refuse(conn, intake.id, intake.format, denied);
          return this.handlers.batch(conn, intake, intake.format, receivedMs);
        }
        case 'message': {
          const m = intake.message;
          const denied = conn.session.authorize(m.type);
          if (denied !== null) return this.connections.refuse(conn, m.id, intake.format, denied);
          // The table pairs each type with the handler of its message; TypeScript cannot follow
          // that pairing through an indexed access, so the handler is called at the union.
          const handler = this.handlers[m.type] as MessageHandler<typeof m>;
          return handler(conn, m, intake.format, receivedMs);
        }
        default: {
          const unknown: never = intake;
          throw new Error(`unknown intake ${JSON.stringify(unknown)}`);
        }
      }
    } catch (e) {
      // Nothing reached the ring for this frame (publishing is the last step and cannot throw
      // after it), so answering INTERNAL_ERROR is true: the request had no effect.
      this.log.error('frame handler failed', { session: conn.id, error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
      this.connections.refuse(conn, null, intake.format, gatewayError(GatewayCode.INTERNAL_ERROR));
    }
  }
}
