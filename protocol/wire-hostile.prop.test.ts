import { encode } from '@msgpack/msgpack';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { COMMAND_SIZE } from '../engine/command-layout.js';
import { encodeCommand } from '../engine/command-codec.js';
import { fcParameters } from '../testkit/unit-fixtures.js';
import { GATEWAY_CODE_MAX, GATEWAY_CODE_MIN, GatewayCode } from './gateway-codes.js';
import { intakeFrame } from '../gateway/frame-intake.js';
import { amendCommand, cancelCommand, placeCommand } from '../gateway/order-translation.js';
import { checkAmend, checkPlace, type MarketView, OrderRateThrottle } from '../gateway/pre-trade-risk.js';
import { TokenBucket } from '../gateway/rate-limiter.js';
import { defaultWireConfig } from './wire-config.js';
import type { OrderMessage, RejectReply } from './wire-schema.js';
import { mutatedMessage, packable, validMessages } from '../testkit/hostile-frames.js';

/**
 * Hostile input at the codec, schema and risk level: whatever the bytes, the gateway answers
 * with a stable gateway code or accepts a message that translates into a command the core's
 * codec can encode; no exception escapes. Seeds are printed on failure (FC_SEED replays one).
 */
const wire = defaultWireConfig();
const market: MarketView = { referencePriceTicks: (id) => (id === 1 ? 5_000_000 : 200_000), isTrading: () => true };
const slot = new DataView(new ArrayBuffer(COMMAND_SIZE));

function expectStableRefusal(reply: RejectReply): void {
  expect(reply.type).toBe('reject');
  expect(reply.code).toBeGreaterThanOrEqual(GATEWAY_CODE_MIN);
  expect(reply.code).toBeLessThanOrEqual(GATEWAY_CODE_MAX);
  expect(reply.name).toBe(GatewayCode[reply.code]);
  expect(reply.message.length).toBeLessThan(300);
  expect(reply.id === null || Number.isSafeInteger(reply.id)).toBe(true);
}

/** Risk and translation of one valid order: a stable refusal or an encodable command. */
function expectOrderHandled(order: OrderMessage): void {
  switch (order.type) {
    case 'place': {
      const r = checkPlace(order, wire, market);
      if (!r.ok) return expect(r.error.code).toBeGreaterThanOrEqual(GATEWAY_CODE_MIN);
      encodeCommand(placeCommand(order, r.value, 1, 1), slot, 0);
      return;
    }
    case 'amend': {
      const r = checkAmend(order, { symbolId: 1, price: 100, stopPrice: 0, qty: 10 }, wire, market);
      if (!r.ok) return expect(r.error.code).toBeGreaterThanOrEqual(GATEWAY_CODE_MIN);
      encodeCommand(amendCommand(order, r.value, 1, 1), slot, 0);
      return;
    }
    case 'cancel':
      encodeCommand(cancelCommand(order.orderId ?? 0, 1, 1), slot, 0);
      return;
    default: {
      const unknown: never = order;
      throw new Error(`unexpected ${JSON.stringify(unknown)}`);
    }
  }
}

function handle(bytes: Uint8Array, binary: boolean): void {
  const intake = intakeFrame(Buffer.from(bytes), binary);
  expect(intake.format).toBe(binary ? 'msgpack' : 'json');
  switch (intake.kind) {
    case 'refused':
      return expectStableRefusal(intake.reply);
    case 'message':
      if (intake.message.type === 'place' || intake.message.type === 'amend' || intake.message.type === 'cancel') expectOrderHandled(intake.message);
      return;
    case 'batch':
      for (const item of intake.items) {
        if (item.ok) expectOrderHandled(item.message);
        else expectStableRefusal(item.reply);
      }
      return;
    default: {
      const unknown: never = intake;
      throw new Error(`unexpected intake ${JSON.stringify(unknown)}`);
    }
  }
}

describe('hostile input at the codec, schema and risk level', () => {
  const params = { ...fcParameters(1_000), verbose: true };

  it('random bytes as text or binary frames', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 256 }), fc.boolean(), (bytes, binary) => handle(bytes, binary)), params);
  });

  it('random JSON values and msgpack values', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), fc.boolean(), (value, binary) => {
        if (binary) handle(encode(value), true);
        else handle(Buffer.from(JSON.stringify(value) ?? 'null'), false);
      }),
      params,
    );
  });

  it('valid messages with one field replaced, deleted or added', () => {
    fc.assert(
      fc.property(mutatedMessage, fc.boolean(), (message, binary) => {
        if (binary) {
          if (packable(message)) handle(encode(message), true);
        } else {
          const text = JSON.stringify(message, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
          handle(Buffer.from(text), false);
        }
      }),
      params,
    );
  });

  it('truncated and bit-flipped valid frames', () => {
    const frames = validMessages.flatMap((m) => [{ bytes: Buffer.from(JSON.stringify(m)), binary: false }, { bytes: Buffer.from(encode(m)), binary: true }]);
    fc.assert(
      fc.property(fc.constantFrom(...frames), fc.nat(), fc.integer({ min: 0, max: 7 }), fc.boolean(), (frame, at, bit, truncate) => {
        const bytes = Buffer.from(frame.bytes);
        const i = at % bytes.length;
        if (truncate) return handle(bytes.subarray(0, i), frame.binary);
        bytes[i] = (bytes[i] as number) ^ (1 << bit);
        handle(bytes, frame.binary);
      }),
      params,
    );
  });

  it('oversize frames are refused FRAME_TOO_LARGE whatever they hold', () => {
    fc.assert(
      fc.property(fc.integer({ min: 64 * 1024 + 1, max: 200 * 1024 }), fc.boolean(), (size, binary) => {
        const intake = intakeFrame(Buffer.alloc(size, 0x5b), binary);
        expect(intake.kind === 'refused' && intake.reply.code).toBe(GatewayCode.FRAME_TOO_LARGE);
      }),
      { ...params, numRuns: 20 },
    );
  });

  it('a flood is throttled to exactly the burst, each excess order refused with a stable code', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 50 }), fc.integer({ min: 0, max: 200 }), (burst, extra) => {
        const clock = (): number => 0;
        const throttle = new OrderRateThrottle({ perSession: { ratePerSecond: 1, burst }, perAccount: { ratePerSecond: 1, burst: 1_000 }, accountsMax: 4 }, clock);
        const session = new TokenBucket({ ratePerSecond: 1, burst }, clock);
        const codes = Array.from({ length: burst + extra }, () => throttle.admit(session, 1)?.code ?? 0);
        expect(codes.filter((c) => c === 0)).toHaveLength(burst);
        expect(codes.slice(burst).every((c) => c === GatewayCode.SESSION_RATE_LIMITED)).toBe(true);
      }),
      { ...params, numRuns: 100 },
    );
  });
});
