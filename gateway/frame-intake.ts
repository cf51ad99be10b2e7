import { type CodecLimits, CODEC_LIMITS_DEFAULT, decodeFrame, type FrameFormat, type RawFrame } from '../protocol/wire-codec.js';
import { refusalReply } from './order-translation.js';
import {
  type BatchMessage,
  type ClientMessage,
  type OrderMessage,
  type RejectReply,
  SCHEMA_LIMITS_DEFAULT,
  type SchemaLimits,
  validateBatchOrder,
  validateClientMessage,
} from '../protocol/wire-schema.js';

/**
 * The first two steps for every incoming frame, as one pure function the server calls from its
 * message listener: decode (wire-codec) and validate (wire-schema). What comes out is either a
 * reply refusing the frame, one valid message, or a batch whose orders were validated one by
 * one (a bad order is refused alone; the others go on). The format says how to reply.
 *
 * Never throws on any input: the hostile-input properties (wire-hostile.prop.test.ts) hold it
 * to that, so a malformed frame changes nothing and the server keeps serving.
 */
export type BatchItem = { readonly ok: true; readonly message: OrderMessage } | { readonly ok: false; readonly reply: RejectReply };

export type Intake =
  | { readonly kind: 'refused'; readonly format: FrameFormat; readonly reply: RejectReply }
  | { readonly kind: 'message'; readonly format: FrameFormat; readonly message: Exclude<ClientMessage, BatchMessage> }
  | { readonly kind: 'batch'; readonly format: FrameFormat; readonly id: number; readonly items: readonly BatchItem[] };

export interface IntakeLimits {
  codec: CodecLimits;
  schema: SchemaLimits;
}
export const INTAKE_LIMITS_DEFAULT: IntakeLimits = { codec: CODEC_LIMITS_DEFAULT, schema: SCHEMA_LIMITS_DEFAULT };

export function intakeFrame(data: RawFrame, isBinary: boolean, limits: IntakeLimits = INTAKE_LIMITS_DEFAULT): Intake {
  const decoded = decodeFrame(data, isBinary, limits.codec);
  if (!decoded.ok) return { kind: 'refused', format: decoded.format, reply: refusalReply(decoded.error, null) };
  const validated = validateClientMessage(decoded.value, limits.schema);
  if (!validated.ok) return { kind: 'refused', format: decoded.format, reply: refusalReply(validated.error, validated.id) };
  const message = validated.message;
  if (message.type !== 'batch') return { kind: 'message', format: decoded.format, message };
  // validateClientMessage bounded the batch at schema.batchOrdersMax elements.
  const items = message.orders.map((order): BatchItem => {
    const item = validateBatchOrder(order);
    // A valid order's result is already a BatchItem's shape: no second object for it.
    return item.ok ? item : { ok: false, reply: refusalReply(item.error, item.id) };
  });
  return { kind: 'batch', format: decoded.format, id: message.id, items };
}
