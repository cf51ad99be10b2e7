import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * API key check against salted hashes: the configuration stores, per account, a random salt and
 * SHA-256(salt ‖ key), never the key. API keys are random, high-entropy secrets (not passwords
 * people choose), so a fast hash resists guessing as well as a slow one would, and a login does
 * not stall the event loop that also carries every order (scrypt at a safe cost takes ~50 ms).
 *
 * Comparison is constant-time (timingSafeEqual), and an unknown account is checked against a
 * dummy record, so the time taken says nothing about which accounts exist.
 */
export interface StoredApiKey {
  readonly account: number;
  /** 16 random bytes, hex. */
  readonly saltHex: string;
  /** SHA-256 of salt bytes followed by the key's UTF-8 bytes, hex. */
  readonly hashHex: string;
}

const SALT_BYTES = 16;
const HASH_BYTES = 32;
const HEX_PATTERN = /^[0-9a-f]*$/;

function digest(salt: Buffer, apiKey: string): Buffer {
  return createHash('sha256').update(salt).update(apiKey, 'utf8').digest();
}

/** A record to store for `apiKey` (a fresh salt unless one is given: tests pin theirs). */
export function hashApiKey(account: number, apiKey: string, salt: Buffer = randomBytes(SALT_BYTES)): StoredApiKey {
  if (salt.length !== SALT_BYTES) throw new RangeError(`salt must be ${SALT_BYTES} bytes`);
  return { account, saltHex: salt.toString('hex'), hashHex: digest(salt, apiKey).toString('hex') };
}

/** Salt then hash, as the journaled key commands carry them (engine/command-layout.ts CMD_KEY_MATERIAL). */
export const KEY_MATERIAL_BYTES = SALT_BYTES + HASH_BYTES;

export function keyMaterial(key: StoredApiKey): Uint8Array {
  const bytes = new Uint8Array(KEY_MATERIAL_BYTES);
  bytes.set(parseHex(key.saltHex, SALT_BYTES, `account ${key.account} salt`), 0);
  bytes.set(parseHex(key.hashHex, HASH_BYTES, `account ${key.account} hash`), SALT_BYTES);
  return bytes;
}

/** A new random API key: 32 bytes, base64url (43 characters). */
export function generateApiKey(): string {
  return randomBytes(32).toString('base64url');
}

interface Entry {
  readonly salt: Buffer;
  readonly hash: Buffer;
}

/**
 * Keys by account and key number. The trading keys follow the journal: seeded from the recovered
 * state and changed by the key events (add, revoke) as the core applies them; the admin token is
 * a store of one built from the configuration.
 */
export class ApiKeyStore {
  private readonly entries = new Map<number, Map<number, Entry>>();
  private readonly dummy: Entry = { salt: Buffer.alloc(SALT_BYTES), hash: Buffer.alloc(HASH_BYTES) };

  /** Throws on a malformed record: a broken configuration must not start. Numbered 1, 2, … per account. */
  constructor(records: readonly StoredApiKey[]) {
    for (const r of records) {
      if (!Number.isInteger(r.account) || r.account < 1) throw new Error(`api key for account ${r.account}: account must be a positive integer`);
      this.addHex(r.account, (this.entries.get(r.account)?.size ?? 0) + 1, r.saltHex + r.hashHex);
    }
  }

  /** Adds key `keyId` of the account from its salt and hash in hex (as the key events carry them). */
  addHex(account: number, keyId: number, materialHex: string): void {
    const salt = parseHex(materialHex.slice(0, SALT_BYTES * 2), SALT_BYTES, `account ${account} salt`);
    const hash = parseHex(materialHex.slice(SALT_BYTES * 2), HASH_BYTES, `account ${account} hash`);
    let keys = this.entries.get(account);
    if (keys === undefined) this.entries.set(account, (keys = new Map()));
    if (keys.has(keyId)) throw new Error(`account ${account}: key ${keyId} added twice`);
    keys.set(keyId, { salt, hash });
  }

  revoke(account: number, keyId: number): boolean {
    return this.entries.get(account)?.delete(keyId) ?? false;
  }

  /** The number of the account's key that `apiKey` is, or 0 for none. */
  match(account: number, apiKey: string): number {
    const keys = this.entries.get(account);
    if (keys === undefined || keys.size === 0) {
      timingSafeEqual(digest(this.dummy.salt, apiKey), this.dummy.hash);
      return 0;
    }
    let matched = 0;
    // Every key of the account is checked, so the time does not say which one matched.
    for (const [keyId, entry] of keys) if (timingSafeEqual(digest(entry.salt, apiKey), entry.hash)) matched = keyId;
    return matched;
  }

  verify(account: number, apiKey: string): boolean {
    return this.match(account, apiKey) !== 0;
  }

  /** Whether the account has this key (same salt and hash) under any number. */
  holds(account: number, key: StoredApiKey): boolean {
    for (const entry of this.entries.get(account)?.values() ?? []) {
      if (entry.salt.toString('hex') === key.saltHex && entry.hash.toString('hex') === key.hashHex) return true;
    }
    return false;
  }
}

function parseHex(text: string, bytes: number, what: string): Buffer {
  if (text.length !== bytes * 2 || !HEX_PATTERN.test(text)) throw new Error(`${what}: expected ${bytes * 2} lowercase hex digits`);
  return Buffer.from(text, 'hex');
}
