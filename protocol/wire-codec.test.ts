import { decode, encode } from '@msgpack/msgpack';
import { describe, expect, it } from 'vitest';
import { GatewayCode } from './gateway-codes.js';
import { checkCodecLimits, decodeFrame, encodeFrame } from './wire-codec.js';

const text = (s: string): Buffer => Buffer.from(s, 'utf8');

function codeOf(r: ReturnType<typeof decodeFrame>): number {
  return r.ok ? 0 : r.error.code;
}

describe('decodeFrame', () => {
  it('decodes JSON text frames and msgpack binary frames to the same value', () => {
    const value = { type: 'ping', id: 7 };
    expect(decodeFrame(text(JSON.stringify(value)), false)).toEqual({ ok: true, format: 'json', value });
    expect(decodeFrame(Buffer.from(encode(value)), true)).toEqual({ ok: true, format: 'msgpack', value });
    const packed = encode(value);
    const arrayBuffer = packed.buffer.slice(packed.byteOffset, packed.byteOffset + packed.byteLength);
    expect(decodeFrame(arrayBuffer, true)).toMatchObject({ ok: true, value });
    expect(decodeFrame([text('{"type":'), text('"ping","id":7}')], false)).toMatchObject({ ok: true, value });
  });

  it('pins the code of each malformed frame, byte by byte', () => {
    const cases: Array<[Buffer, boolean, GatewayCode]> = [
      [text('{'), false, GatewayCode.MALFORMED_JSON],
      [text(''), false, GatewayCode.MALFORMED_JSON],
      [text('{"a":1}x'), false, GatewayCode.MALFORMED_JSON],
      [Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), false, GatewayCode.MALFORMED_JSON],
      [Buffer.from([0xc1]), true, GatewayCode.MALFORMED_MSGPACK],
      [Buffer.from([]), true, GatewayCode.MALFORMED_MSGPACK],
      [Buffer.from([0x81, 0xa1]), true, GatewayCode.MALFORMED_MSGPACK],
      [Buffer.from([0x80, 0x80]), true, GatewayCode.MALFORMED_MSGPACK],
      // A map header announcing 2^32-1 entries, an array announcing 2^32-1 elements.
      [Buffer.from([0xdf, 0xff, 0xff, 0xff, 0xff]), true, GatewayCode.MALFORMED_MSGPACK],
      [Buffer.from([0xdd, 0xff, 0xff, 0xff, 0xff]), true, GatewayCode.MALFORMED_MSGPACK],
      // A 5-byte bin: binary payloads are not part of the schema.
      [Buffer.from([0xc4, 0x05, 1, 2, 3, 4, 5]), true, GatewayCode.MALFORMED_MSGPACK],
      [Buffer.from(encode({ ['__proto__']: 1 } as unknown as Record<string, number>)), true, GatewayCode.MALFORMED_MSGPACK],
      [Buffer.alloc(65 * 1024, 0x20), false, GatewayCode.FRAME_TOO_LARGE],
      [Buffer.alloc(65 * 1024), true, GatewayCode.FRAME_TOO_LARGE],
    ];
    for (const [bytes, binary, code] of cases) expect(codeOf(decodeFrame(bytes, binary)), bytes.subarray(0, 8).toString('hex')).toBe(code);
  });

  it('survives deep nesting within the frame limit', () => {
    const deep = '['.repeat(30_000) + ']'.repeat(30_000);
    const r = decodeFrame(text(deep), false);
    expect(r.ok || r.error.code === GatewayCode.MALFORMED_JSON).toBe(true);
    const deepPack = Buffer.concat([Buffer.alloc(60_000, 0x91), Buffer.from([0xc0])]);
    const p = decodeFrame(deepPack, true);
    expect(p.ok || p.error.code === GatewayCode.MALFORMED_MSGPACK).toBe(true);
  });

  it('honours a configured frame limit and refuses absurd ones', () => {
    expect(codeOf(decodeFrame(text('{"type":"ping","id":1}'), false, { frameBytesMax: 64 }))).toBe(0);
    expect(codeOf(decodeFrame(text(' '.repeat(65)), false, { frameBytesMax: 64 }))).toBe(GatewayCode.FRAME_TOO_LARGE);
    expect(() => checkCodecLimits({ frameBytesMax: 10 })).toThrow(RangeError);
    expect(() => checkCodecLimits({ frameBytesMax: 2 ** 30 })).toThrow(RangeError);
  });
});

describe('encodeFrame', () => {
  it('replies in the request format and omits absent optional fields', () => {
    const reply = { type: 'pong', id: 3 } as const;
    expect(encodeFrame(reply, 'json')).toBe('{"type":"pong","id":3}');
    const packed = encodeFrame(reply, 'msgpack');
    expect(packed).toBeInstanceOf(Uint8Array);
    expect(decode(packed as Uint8Array)).toEqual(reply);
    const withUndefined = { type: 'reject', id: null, code: 10001, name: 'FRAME_TOO_LARGE', message: 'x', extra: undefined } as never;
    expect(Object.keys(decode(encodeFrame(withUndefined, 'msgpack') as Uint8Array) as object)).not.toContain('extra');
  });
});
