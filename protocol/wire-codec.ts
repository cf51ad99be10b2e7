import { Decoder, Encoder } from '@msgpack/msgpack';
import { type GatewayError, GatewayCode, gatewayError } from './gateway-codes.js';
import { serverMessageJson } from './reply-json.js';
import type { ServerMessage } from './wire-schema.js';

/**
 * Frames ↔ values. A text frame is UTF-8 JSON, a binary frame is msgpack; both carry the same
 * schema (wire-schema.ts), and a reply goes out in the frame type of the request it answers.
 *
 * The size limit here is the soft one: a frame above `frameBytesMax` is answered FRAME_TOO_LARGE
 * and the connection stays open. The server sets the socket's hard limit (ws `maxPayload`)
 * higher, at FRAME_BYTES_HARD_FACTOR times this one, so that only absurd frames close the
 * connection (ws then closes with 1009).
 */
export type FrameFormat = 'json' | 'msgpack';

export interface CodecLimits {
  frameBytesMax: number;
}
export const FRAME_BYTES_MAX_DEFAULT = 64 * 1024;
/** Upper bound of frameBytesMax: ws buffers a whole frame before we see it. */
export const FRAME_BYTES_MAX_LIMIT = 16 * 1024 * 1024;
export const FRAME_BYTES_HARD_FACTOR = 4;
export const CODEC_LIMITS_DEFAULT: CodecLimits = { frameBytesMax: FRAME_BYTES_MAX_DEFAULT };

/**
 * Bounds inside one msgpack frame. A frame is at most frameBytesMax bytes anyway; these stop a
 * small header from announcing a huge container before the bytes are there.
 */
const MSGPACK_STR_BYTES_MAX = 4_096;
const MSGPACK_BIN_BYTES_MAX = 0;
const MSGPACK_ARRAY_LENGTH_MAX = 4_096;
const MSGPACK_MAP_LENGTH_MAX = 64;
const MSGPACK_EXT_BYTES_MAX = 16;

export type FrameDecode =
  | { readonly ok: true; readonly format: FrameFormat; readonly value: unknown }
  | { readonly ok: false; readonly format: FrameFormat; readonly error: GatewayError };

/** What ws hands a message listener. */
export type RawFrame = Buffer | ArrayBuffer | Buffer[] | Uint8Array;

const utf8 = new TextDecoder('utf-8', { fatal: true });
// One decoder and one encoder, reused: the main thread decodes one frame at a time.
const decoder = new Decoder({
  maxStrLength: MSGPACK_STR_BYTES_MAX,
  maxBinLength: MSGPACK_BIN_BYTES_MAX,
  maxArrayLength: MSGPACK_ARRAY_LENGTH_MAX,
  maxMapLength: MSGPACK_MAP_LENGTH_MAX,
  maxExtLength: MSGPACK_EXT_BYTES_MAX,
});
const encoder = new Encoder({ ignoreUndefined: true });

export function checkCodecLimits(limits: CodecLimits): void {
  const n = limits.frameBytesMax;
  if (!Number.isInteger(n) || n < 64 || n > FRAME_BYTES_MAX_LIMIT) throw new RangeError(`frameBytesMax ${n} outside [64, ${FRAME_BYTES_MAX_LIMIT}]`);
}

/** Decodes one frame. Never throws: every malformed input is a stable code. */
export function decodeFrame(data: RawFrame, isBinary: boolean, limits: CodecLimits = CODEC_LIMITS_DEFAULT): FrameDecode {
  const format: FrameFormat = isBinary ? 'msgpack' : 'json';
  const byteLength = Array.isArray(data) ? data.reduce((sum, part) => sum + part.byteLength, 0) : data.byteLength;
  if (byteLength > limits.frameBytesMax) {
    return { ok: false, format, error: gatewayError(GatewayCode.FRAME_TOO_LARGE, `${byteLength} > ${limits.frameBytesMax} bytes`) };
  }
  const bytes = toBytes(data);
  if (isBinary) {
    try {
      return { ok: true, format, value: decoder.decode(bytes) };
    } catch (e) {
      return { ok: false, format, error: gatewayError(GatewayCode.MALFORMED_MSGPACK, errorText(e)) };
    }
  }
  try {
    return { ok: true, format, value: JSON.parse(utf8.decode(bytes)) as unknown };
  } catch (e) {
    return { ok: false, format, error: gatewayError(GatewayCode.MALFORMED_JSON, errorText(e)) };
  }
}

/** Encodes a reply in the given format: a string for a text frame, bytes for a binary one. */
export function encodeFrame(message: ServerMessage, format: FrameFormat): string | Uint8Array {
  switch (format) {
    case 'json':
      return serverMessageJson(message);
    case 'msgpack':
      return encoder.encode(message);
    default: {
      const unknownFormat: never = format;
      throw new Error(`unknown frame format ${String(unknownFormat)}`);
    }
  }
}

function toBytes(data: RawFrame): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return data;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : 'undecodable';
}
