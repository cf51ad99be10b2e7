import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { makeCommands } from '../testkit/journal-fixtures.js';
import { checkGroup, decodeCheckedGroup, sealGroup } from './group-codec.js';
import { genesisHashOf } from './journal-env.js';
import { GROUP_COMMANDS_OFFSET, groupBytes } from './record-layout.js';

function sealed(firstSeq: number, count: number, prevHash: Uint8Array): { value: Buffer; hash: Buffer } {
  const value = Buffer.alloc(groupBytes(count));
  value.set(makeCommands(firstSeq, count), GROUP_COMMANDS_OFFSET);
  return { value, hash: sealGroup(value, firstSeq, count, prevHash) };
}

describe('group codec', () => {
  it('accepts what it sealed, in place, and reads the header back', () => {
    const genesis = genesisHashOf('codec');
    const { value, hash } = sealed(0, 9, genesis);
    expect(checkGroup(value, { key: 0, firstSeq: 0, prevHash: genesis })).toBeNull();
    const group = decodeCheckedGroup(value);
    expect([group.firstSeq, group.count]).toEqual([0, 9]);
    expect(Buffer.from(group.groupHash).equals(hash)).toBe(true);
    const next = sealed(9, 2, hash);
    expect(checkGroup(next.value, { key: 9, firstSeq: 9, prevHash: hash })).toBeNull();
    expect(checkGroup(next.value, { key: 9, firstSeq: 9, prevHash: genesis })?.kind).toBe('chain');
  });

  it('binds the chain to the configuration: another fingerprint gives another genesis', () => {
    expect(genesisHashOf('a').equals(genesisHashOf('b'))).toBe(false);
  });

  it('rejects any single-byte change anywhere in a group (seed printed on failure)', () => {
    const genesis = genesisHashOf('codec');
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.nat(), fc.integer({ min: 1, max: 255 }), (count, positionSeed, mask) => {
        const { value } = sealed(1000, count, genesis);
        const position = positionSeed % value.byteLength;
        value.writeUInt8(value.readUInt8(position) ^ mask, position);
        const problem = checkGroup(value, { key: 1000, firstSeq: 1000, prevHash: genesis });
        expect(problem).not.toBeNull();
        expect(problem?.seq).toBe(1000);
      }),
      { numRuns: 2000 },
    );
  });
});
