import { assert } from './assert.js';
import { KEY_MATERIAL_BYTES } from './command-layout.js';

/** The most live API keys one account may hold (rotation adds one, then revokes the old). */
export const KEYS_PER_ACCOUNT_MAX = 16;

/** One account's keys as plain data: key numbers with their salt and hash in hex, ascending. */
export interface AccountKeysRecord {
  account: number;
  /** The number the next key of this account gets (keys are numbered 1, 2, … and never reused). */
  nextKeyId: number;
  keys: Array<[keyId: number, materialHex: string]>;
}

/**
 * The API keys of every account, as salted hashes only (the key itself is shown once to the
 * operator who created it and never journaled). Keys enter and leave only through journaled
 * commands, so a replay, and a standby that follows the journal, rebuilds exactly these.
 *
 * Invariants: an account holds at most KEYS_PER_ACCOUNT_MAX keys; key numbers of an account
 * are unique and rise (a revoked number is never given again); every key is KEY_MATERIAL_BYTES.
 * Iteration for the state is by account id, then key number: defined by the commands alone.
 */
export class AccountKeys {
  private readonly byAccount = new Map<number, { nextKeyId: number; keys: Map<number, Uint8Array> }>();

  /** Whether the account may take one more key. */
  hasRoom(account: number): boolean {
    return (this.byAccount.get(account)?.keys.size ?? 0) < KEYS_PER_ACCOUNT_MAX;
  }

  /** Whether the account has ever had a key (then configured keys are not journaled for it again). */
  everHadKey(account: number): boolean {
    return this.byAccount.has(account);
  }

  /** Adds a key and returns its number. The caller checked hasRoom. */
  add(account: number, material: Uint8Array): number {
    assert(material.length === KEY_MATERIAL_BYTES, `key material of ${material.length} bytes`);
    let entry = this.byAccount.get(account);
    if (entry === undefined) this.byAccount.set(account, (entry = { nextKeyId: 1, keys: new Map() }));
    assert(entry.keys.size < KEYS_PER_ACCOUNT_MAX, `account ${account}: key added past the limit`);
    const keyId = entry.nextKeyId++;
    entry.keys.set(keyId, material.slice());
    return keyId;
  }

  /** Removes a key; false when the account has no key of that number. */
  revoke(account: number, keyId: number): boolean {
    return this.byAccount.get(account)?.keys.delete(keyId) ?? false;
  }

  keyCount(account: number): number {
    return this.byAccount.get(account)?.keys.size ?? 0;
  }

  /** Every account's keys in account id order, keys in number order. */
  capture(): AccountKeysRecord[] {
    return [...this.byAccount.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([account, entry]) => ({
        account,
        nextKeyId: entry.nextKeyId,
        keys: [...entry.keys.entries()].sort((a, b) => a[0] - b[0]).map(([keyId, material]): [number, string] => [keyId, toHex(material)]),
      }));
  }

  /** Into an empty set only (snapshot restore). */
  restore(records: readonly AccountKeysRecord[]): void {
    assert(this.byAccount.size === 0, 'restore keys into an empty set only');
    for (const r of records) {
      assert(r.keys.length <= KEYS_PER_ACCOUNT_MAX, `account ${r.account}: ${r.keys.length} keys in a snapshot`);
      const keys = new Map<number, Uint8Array>();
      for (const [keyId, hex] of r.keys) {
        assert(keyId >= 1 && keyId < r.nextKeyId, `account ${r.account}: key ${keyId} with next ${r.nextKeyId}`);
        keys.set(keyId, fromHex(hex));
      }
      this.byAccount.set(r.account, { nextKeyId: r.nextKeyId, keys });
    }
  }
}

function toHex(bytes: Uint8Array): string {
  let hex = '';
  for (const b of bytes) hex += b.toString(16).padStart(2, '0');
  return hex;
}

function fromHex(hex: string): Uint8Array {
  assert(hex.length === KEY_MATERIAL_BYTES * 2 && /^[0-9a-f]+$/.test(hex), 'key material hex');
  const bytes = new Uint8Array(KEY_MATERIAL_BYTES);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}
