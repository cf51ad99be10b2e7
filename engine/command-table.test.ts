import { describe, expect, it } from 'vitest';
import { COMMAND_TYPE_MAX, CommandType } from './command-layout.js';
import { COMMAND_TABLE, commandSpec } from './command-table.js';

describe('the command table', () => {
  it('has one row per command code, at its code', () => {
    for (let code = 1; code <= COMMAND_TYPE_MAX; code++) expect(COMMAND_TABLE[code]?.type).toBe(code);
    for (const code of [0, COMMAND_TYPE_MAX + 1, 255, -1, 1.5]) expect(commandSpec(code)).toBeUndefined();
  });

  it('says whose command it is, which order it names and whether it moves money', () => {
    expect(commandSpec(CommandType.MASS_CANCEL)?.account).toBe('field-unless-zero');
    expect(commandSpec(CommandType.SYMBOL_HALT)?.account).toBe('none');
    expect(commandSpec(CommandType.PLACE_ORDER)?.order).toBe('own-seq');
    expect(commandSpec(CommandType.AMEND_ORDER)?.order).toBe('target');
    expect(Object.values(CommandType).filter((t) => typeof t === 'number' && commandSpec(t)?.transfer === true)).toEqual([CommandType.DEPOSIT, CommandType.WITHDRAW]);
  });
});
