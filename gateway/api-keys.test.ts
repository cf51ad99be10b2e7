import { describe, expect, it } from 'vitest';
import { ApiKeyStore, generateApiKey, hashApiKey } from './api-keys.js';

describe('ApiKeyStore', () => {
  const key = 'demo-key-0123456789abcdef';
  const record = hashApiKey(1, key, Buffer.alloc(16, 7));

  it('stores no key, only a salted hash', () => {
    expect(JSON.stringify(record)).not.toContain(key);
    expect(record.saltHex).toBe('07'.repeat(16));
    expect(record.hashHex).toMatch(/^[0-9a-f]{64}$/);
    expect(hashApiKey(1, key).saltHex).not.toBe(hashApiKey(1, key).saltHex);
  });

  it('accepts the right key for the right account only', () => {
    const store = new ApiKeyStore([record, hashApiKey(2, 'second-account-key-xyz')]);
    expect(store.verify(1, key)).toBe(true);
    expect(store.verify(1, key + 'x')).toBe(false);
    expect(store.verify(2, key)).toBe(false);
    expect(store.verify(3, key)).toBe(false);
    expect(store.verify(1, '')).toBe(false);
  });

  it('accepts any of several keys of one account (rotation)', () => {
    const fresh = generateApiKey();
    expect(fresh).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const store = new ApiKeyStore([record, hashApiKey(1, fresh)]);
    expect(store.verify(1, key) && store.verify(1, fresh)).toBe(true);
  });

  it('refuses malformed records at start', () => {
    expect(() => new ApiKeyStore([{ ...record, saltHex: 'zz' }])).toThrow(/salt/);
    expect(() => new ApiKeyStore([{ ...record, hashHex: record.hashHex.toUpperCase() }])).toThrow(/hash/);
    expect(() => new ApiKeyStore([{ ...record, account: 0 }])).toThrow(/account/);
  });
});
