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

export class ApiKeyStore {
  private readonly entries = new Map<number, Entry[]>();
  private readonly dummy: Entry = { salt: Buffer.alloc(SALT_BYTES), hash: Buffer.alloc(HASH_BYTES) };

  /** Throws on a malformed record: a broken configuration must not start. An account may have several keys. */
  constructor(records: readonly StoredApiKey[]) {
    for (const r of records) {
      if (!Number.isInteger(r.account) || r.account < 1) throw new Error(`api key for account ${r.account}: account must be a positive integer`);
      const salt = parseHex(r.saltHex, SALT_BYTES, `account ${r.account} salt`);
      const hash = parseHex(r.hashHex, HASH_BYTES, `account ${r.account} hash`);
      const list = this.entries.get(r.account) ?? [];
      list.push({ salt, hash });
      this.entries.set(r.account, list);
    }
  }

  verify(account: number, apiKey: string): boolean {
    const list = this.entries.get(account);
    if (list === undefined) {
      timingSafeEqual(digest(this.dummy.salt, apiKey), this.dummy.hash);
      return false;
    }
    let match = false;
    // Every key of the account is checked, so the time does not say which one matched.
    for (const entry of list) match = timingSafeEqual(digest(entry.salt, apiKey), entry.hash) || match;
    return match;
  }
}

function parseHex(text: string, bytes: number, what: string): Buffer {
  if (text.length !== bytes * 2 || !HEX_PATTERN.test(text)) throw new Error(`${what}: expected ${bytes * 2} lowercase hex digits`);
  return Buffer.from(text, 'hex');
}
