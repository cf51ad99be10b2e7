import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareDecimals, DECIMAL_LENGTH_MAX, decimalUnit, formatUnits, minorUnit, parseUnits } from './decimal.js';

const tick = decimalUnit('0.01');
const lot = decimalUnit('0.0001');

describe('parseUnits', () => {
  it('converts exact multiples of the unit', () => {
    expect(parseUnits('50000.01', tick)).toEqual({ ok: true, units: 5_000_001 });
    expect(parseUnits('50000', tick)).toEqual({ ok: true, units: 5_000_000 });
    expect(parseUnits('50000.10', tick)).toEqual({ ok: true, units: 5_000_010 });
    expect(parseUnits('0.0001', lot)).toEqual({ ok: true, units: 1 });
    expect(parseUnits('0', lot)).toEqual({ ok: true, units: 0 });
    expect(parseUnits('7.5', decimalUnit('2.5'))).toEqual({ ok: true, units: 3 });
    expect(parseUnits('0.50000000000000000000', decimalUnit('0.25'))).toEqual({ ok: true, units: 2 });
  });

  it('refuses a value that is not a multiple, never rounding', () => {
    expect(parseUnits('50000.001', tick)).toEqual({ ok: false, why: 'not-multiple' });
    expect(parseUnits('0.00015', lot)).toEqual({ ok: false, why: 'not-multiple' });
    expect(parseUnits('7', decimalUnit('2.5'))).toEqual({ ok: false, why: 'not-multiple' });
  });

  it('refuses every spelling outside the plain syntax', () => {
    for (const bad of ['', '-1', '+1', '1e3', '1E3', '.5', '1.', '01', '00', ' 1', '1 ', '0x10', 'NaN', 'Infinity', '1,5', '1.2.3', '١', '1_000', '--1']) {
      expect(parseUnits(bad, tick), bad).toEqual({ ok: false, why: 'syntax' });
    }
    for (const bad of [1, 1.5, NaN, null, undefined, {}, [], true, 10n]) {
      expect(parseUnits(bad, tick)).toEqual({ ok: false, why: 'syntax' });
    }
    expect(parseUnits('1'.repeat(DECIMAL_LENGTH_MAX + 1), decimalUnit('1'))).toEqual({ ok: false, why: 'syntax' });
  });

  it('refuses values above the bound, including beyond 2^53 units', () => {
    expect(parseUnits('9007199254740992', decimalUnit('1'))).toEqual({ ok: false, why: 'range' });
    expect(parseUnits('9007199254740991', decimalUnit('1'))).toEqual({ ok: true, units: Number.MAX_SAFE_INTEGER });
    expect(parseUnits('100.01', tick, 10_000)).toEqual({ ok: false, why: 'range' });
    expect(parseUnits('100.00', tick, 10_000)).toEqual({ ok: true, units: 10_000 });
  });

  it('round-trips every safe integer through formatUnits (property)', () => {
    const units = [tick, lot, decimalUnit('1'), decimalUnit('5'), decimalUnit('0.25'), minorUnit(8), minorUnit(0)];
    fc.assert(
      fc.property(fc.constantFrom(...units), fc.integer({ min: 0, max: 2 ** 40 }), (unit, n) => {
        const text = formatUnits(n, unit);
        expect(parseUnits(text, unit)).toEqual({ ok: true, units: n });
      }),
      { seed: 0x5eed, verbose: true },
    );
  });

  it('never throws and never rounds on arbitrary strings (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 50 }), (text) => {
        const r = parseUnits(text, tick);
        if (r.ok) expect(formatUnits(r.units, tick).replace(/\.?0+$/, '')).toBe(text.includes('.') ? text.replace(/\.?0+$/, '') : text.replace(/^0$/, ''));
      }),
      { seed: 0x5eed, verbose: true, numRuns: 2000 },
    );
  });
});

describe('formatUnits and units', () => {
  it('writes the unit scale exactly', () => {
    expect(formatUnits(5_000_001, tick)).toBe('50000.01');
    expect(formatUnits(1, tick)).toBe('0.01');
    expect(formatUnits(0, tick)).toBe('0.00');
    expect(formatUnits(-123, minorUnit(6))).toBe('-0.000123');
    expect(formatUnits(3, decimalUnit('2.5'))).toBe('7.5');
    expect(formatUnits(12, minorUnit(0))).toBe('12');
    expect(() => formatUnits(0.5, tick)).toThrow();
  });

  it('refuses malformed units', () => {
    for (const bad of ['0', '0.00', '-1', '1e-2', '', '0.' + '0'.repeat(18) + '1']) expect(() => decimalUnit(bad), bad).toThrow();
    expect(minorUnit(6).text).toBe('0.000001');
  });

  it('compares decimals by value', () => {
    expect(compareDecimals('10.00', '9.99')).toBe(1);
    expect(compareDecimals('9.5', '9.50')).toBe(0);
    expect(compareDecimals('-1', '0.1')).toBe(-1);
    expect(() => compareDecimals('1e3', '1')).toThrow();
  });
});

describe('the Number fast path', () => {
  /** parseUnits and formatUnits as BigInt alone computes them (the reference for the fast path). */
  function parseReference(value: string, unit: { mantissa: bigint; scale: number }, maxUnits: number): ReturnType<typeof parseUnits> {
    const [int, fraction = ''] = value.split('.') as [string, string?];
    const numerator = BigInt(int + fraction) * 10n ** BigInt(unit.scale);
    const denominator = unit.mantissa * 10n ** BigInt(fraction.length);
    if (numerator % denominator !== 0n) return { ok: false, why: 'not-multiple' };
    const units = numerator / denominator;
    return units > BigInt(maxUnits) ? { ok: false, why: 'range' } : { ok: true, units: Number(units) };
  }

  const unitText = fc
    .tuple(fc.bigInt({ min: 1n, max: 10n ** 17n }), fc.integer({ min: 0, max: 18 }))
    .map(([mantissa, scale]) => {
      const digits = mantissa.toString().padStart(scale + 1, '0');
      return scale === 0 ? digits : `${digits.slice(0, digits.length - scale)}.${digits.slice(digits.length - scale)}`.replace(/^0+(?=\d)/, '');
    });
  const decimalText = fc
    .tuple(fc.bigInt({ min: 0n, max: 10n ** 20n }), fc.integer({ min: 0, max: 20 }))
    .map(([n, scale]) => {
      const digits = n.toString().padStart(scale + 1, '0');
      return scale === 0 ? digits : `${digits.slice(0, digits.length - scale)}.${digits.slice(digits.length - scale)}`;
    });

  it('parses exactly as BigInt does, for any value, unit and bound', () => {
    fc.assert(
      fc.property(decimalText, unitText, fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), (value, text, maxUnits) => {
        const unit = decimalUnit(text);
        expect(parseUnits(value, unit, maxUnits)).toEqual(parseReference(value, unit, maxUnits));
      }),
      { seed: 0x5eed, verbose: true, numRuns: 2_000 },
    );
  });

  it('formats exactly as BigInt does', () => {
    fc.assert(
      fc.property(fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }), unitText, (units, text) => {
        const unit = decimalUnit(text);
        const product = BigInt(units) * unit.mantissa;
        const digits = (product < 0n ? -product : product).toString().padStart(unit.scale + 1, '0');
        const body = unit.scale === 0 ? digits : `${digits.slice(0, digits.length - unit.scale)}.${digits.slice(digits.length - unit.scale)}`;
        expect(formatUnits(units, unit)).toBe(product < 0n ? `-${body}` : body);
      }),
      { seed: 0x5eed, verbose: true, numRuns: 2_000 },
    );
  });
});
