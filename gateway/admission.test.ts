import { describe, expect, it } from 'vitest';
import { ADMISSION_OPTIONS_DEFAULT, checkAdmissionOptions, HostCounts, refusalStatus } from './admission.js';

describe('admission', () => {
  it('counts connections per host up to the cap and forgets a host with its last connection', () => {
    const h = new HostCounts(2);
    h.opened('a');
    expect(h.full('a')).toBe(false);
    h.opened('a');
    expect(h.full('a')).toBe(true);
    expect(() => h.opened('a')).toThrow();
    expect(h.full('b')).toBe(false);
    h.closed('a');
    h.closed('a');
    expect(h.hosts).toBe(0);
    expect(() => h.closed('a')).toThrow();
  });

  it('answers a host over its cap 429 and the other refusals 404 or 503', () => {
    expect(refusalStatus('host_cap')).toBe('429 Too Many Requests');
    expect(refusalStatus('anonymous_share')).toBe('503 Service Unavailable');
    expect(refusalStatus('path')).toBe('404 Not Found');
  });

  it('refuses options out of range', () => {
    expect(() => checkAdmissionOptions(ADMISSION_OPTIONS_DEFAULT, 4_096)).not.toThrow();
    expect(() => checkAdmissionOptions(ADMISSION_OPTIONS_DEFAULT, 10)).toThrow(/connectionsPerHostMax/);
    expect(() => checkAdmissionOptions({ ...ADMISSION_OPTIONS_DEFAULT, requestTimeoutMs: 1_000 }, 4_096)).toThrow(/requestTimeoutMs/);
    expect(() => checkAdmissionOptions({ ...ADMISSION_OPTIONS_DEFAULT, anonymousPercentMax: 0 }, 4_096)).toThrow(/anonymousPercentMax/);
  });
});
