import { createHash } from 'node:crypto';
import { configFingerprintSource, type EngineConfig } from '../engine/symbol-config.js';

/**
 * The journal's configuration fingerprint: SHA-256 of the canonical configuration source. A
 * journal opens only under the fingerprint it was written with, because the same commands mean
 * something else under other symbols, units or limits.
 */
export function configFingerprint(config: EngineConfig): string {
  return 'sha256:' + createHash('sha256').update(configFingerprintSource(config)).digest('hex');
}
