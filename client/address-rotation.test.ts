import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fcParameters } from '../testkit/unit-fixtures.js';
import { ADDRESS_LENGTH_MAX, ADDRESSES_MAX, AddressRotation, type Attempt, isWsAddress, type RotationPolicy } from './address-rotation.js';

const A = 'ws://10.0.0.1:8080/ws';
const B = 'ws://10.0.0.2:8080/ws';
const C = 'wss://c.example:443/ws';
const POLICY: RotationPolicy = { attemptsMax: 8, backoffMsMin: 100, backoffMsMax: 1_000 };

/** The rotation's attempts until it gives up, each asked with the hint of the same index. */
function drain(rotation: AddressRotation, hints: ReadonlyArray<string | null> = []): Attempt[] {
  const attempts: Attempt[] = [];
  for (let i = 0; i < 10_000; i++) {
    const next = rotation.next(hints[i] ?? null);
    if (next === null) return attempts;
    attempts.push(next);
  }
  throw new Error('the rotation never gave up');
}

describe('AddressRotation', () => {
  it('goes round the addresses in order: the first attempt at once, then a backoff that doubles up to its cap', () => {
    // random 1: each wait is its whole base (the jitter takes the upper half of it).
    const attempts = drain(new AddressRotation([A, B, C], POLICY, () => 1));
    expect(attempts.map((a) => a.address)).toEqual([A, B, C, A, B, C, A, B]);
    expect(attempts.map((a) => a.attempt)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(attempts.map((a) => a.delayMs)).toEqual([0, 100, 200, 400, 800, 1_000, 1_000, 1_000]);
  });

  it('waits at least half of each backoff, whatever the jitter draws', () => {
    const attempts = drain(new AddressRotation([A, B], POLICY, () => 0));
    expect(attempts.map((a) => a.delayMs)).toEqual([0, 50, 100, 200, 400, 500, 500, 500]);
    // Draws outside [0, 1) from a custom source are clamped into the bounds.
    expect(drain(new AddressRotation([A], POLICY, () => 7)).at(-1)?.delayMs).toBe(1_000);
    expect(drain(new AddressRotation([A], POLICY, () => -3)).at(-1)?.delayMs).toBe(500);
  });

  it('tries the leader a node named next, then goes on round the list from there', () => {
    const rotation = new AddressRotation([A, B, C], POLICY, () => 1);
    expect(rotation.next()?.address).toBe(A);
    // A said: the leader is C.
    expect(rotation.next(C)).toEqual({ address: C, delayMs: 100, attempt: 2 });
    expect(rotation.next()?.address).toBe(A);
    // A leader outside the list is tried, and the round stays where it was.
    const D = 'ws://10.0.0.9:9000/ws';
    expect(rotation.next(D)?.address).toBe(D);
    expect(rotation.next()?.address).toBe(B);
  });

  it('does not follow a named leader that is not a ws:// address', () => {
    const rotation = new AddressRotation([A, B], POLICY);
    for (const bad of ['http://10.0.0.3:8080/', 'not a url', '', 'ws://', `ws://x/${'a'.repeat(ADDRESS_LENGTH_MAX)}`, null, undefined]) {
      expect(isWsAddress(bad), String(bad).slice(0, 40)).toBe(false);
    }
    expect(drain(rotation, ['http://10.0.0.3:8080/', 'not a url', 'ws://']).slice(0, 3).map((a) => a.address)).toEqual([A, B, A]);
  });

  it('gives up after attemptsMax attempts, and starts a new search with all of them once connected', () => {
    const rotation = new AddressRotation([A, B], { ...POLICY, attemptsMax: 3 });
    expect(drain(rotation)).toHaveLength(3);
    expect(rotation.next()).toBeNull();
    expect(rotation.attemptsMade).toBe(3);
    rotation.connected();
    const again = drain(rotation);
    expect(again.map((a) => a.attempt)).toEqual([1, 2, 3]);
    // The new search starts after the address where the last one ended, at once.
    expect(again[0]).toEqual({ address: B, delayMs: 0, attempt: 1 });
  });

  it('refuses a list or a policy without bounds', () => {
    expect(() => new AddressRotation([], POLICY)).toThrow(/addresses: 1 to/);
    expect(() => new AddressRotation(Array.from({ length: ADDRESSES_MAX + 1 }, (_, i) => `ws://10.0.0.${i % 250}:1/`), POLICY)).toThrow(/addresses: 1 to/);
    expect(() => new AddressRotation(['http://10.0.0.1/'], POLICY)).toThrow(/a ws:\/\/ or wss:\/\/ URL/);
    expect(() => new AddressRotation([A], { ...POLICY, attemptsMax: 0 })).toThrow(/attemptsMax/);
    expect(() => new AddressRotation([A], { ...POLICY, attemptsMax: 1.5 })).toThrow(/attemptsMax/);
    expect(() => new AddressRotation([A], { ...POLICY, backoffMsMin: -1 })).toThrow(/backoffMsMin/);
    expect(() => new AddressRotation([A], { ...POLICY, backoffMsMax: 99 })).toThrow(/backoffMsMax/);
  });

  it('property: any hints, any policy: at most attemptsMax attempts, each to a listed or validly named address, waits within the bounds', () => {
    const hint = fc.oneof(fc.constant(null), fc.constantFrom(A, B, C, 'ws://10.0.0.7:1/', 'http://x/'), fc.string({ maxLength: 20 }));
    fc.assert(
      fc.property(
        fc.subarray([A, B, C], { minLength: 1 }),
        fc.integer({ min: 1, max: 200 }),
        fc.integer({ min: 0, max: 5_000 }),
        fc.integer({ min: 0, max: 5_000 }),
        fc.array(hint, { maxLength: 250 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (addresses, attemptsMax, low, span, hints, draw) => {
          const policy = { attemptsMax, backoffMsMin: low, backoffMsMax: low + span };
          const attempts = drain(new AddressRotation(addresses, policy, () => draw), hints);
          expect(attempts).toHaveLength(attemptsMax);
          attempts.forEach((a, i) => {
            const h = hints[i] ?? null;
            expect(a.address).toBe(isWsAddress(h) ? h : a.address);
            if (!isWsAddress(h)) expect(addresses).toContain(a.address);
            expect(a.delayMs).toBeGreaterThanOrEqual(i === 0 ? 0 : Math.floor(Math.min(low * 2 ** (i - 1), low + span) / 2));
            expect(a.delayMs).toBeLessThanOrEqual(i === 0 ? 0 : low + span);
          });
        },
      ),
      fcParameters(300),
    );
  });
});
