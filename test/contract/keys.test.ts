import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../shared/errors.js';
import { decodeStep, encodeStep, maxStep, measurementKey, studyKey, trialKey } from '../../shared/store/keys.js';

describe('key scheme', () => {
  it('names every item by a path that starts with its team', () => {
    // Act
    const keys = [studyKey('t1', 's1'), trialKey('t1', 's1', '42'), measurementKey('t1', 's1', '42', 1.5)];

    // Assess
    expect(keys).toEqual([
      { pk: 'TEAM#t1', sk: 'STUDY#s1' },
      { pk: 'TEAM#t1#STUDY#s1', sk: 'TRIAL#00000042' },
      { pk: 'TEAM#t1#STUDY#s1#TRIAL#42', sk: 'STEP#0000000000000001.5' },
    ]);
  });

  it.each([
    [0, '0000000000000000'],
    [1, '0000000000000001'],
    [1.25, '0000000000000001.25'],
    [1e-7, '0000000000000000.0000001'],
    [1.5e-9, '0000000000000000.0000000015'],
    [123456789.125, '0000000123456789.125'],
    [maxStep, '9007199254740991'],
    [-0, '0000000000000000'],
  ])('encodes the step %s as %s', (step, encoded) => {
    // Act
    const got = encodeStep(step);

    // Assess
    expect(got).toBe(encoded);
    expect(decodeStep(got)).toBe(step === 0 ? 0 : step);
  });

  it('orders encoded steps as the numbers and decodes them exactly', () => {
    const step = fc
      .oneof(
        fc.double({ min: 0, max: maxStep, noNaN: true }),
        fc.integer({ min: 0, max: 1000 }),
        fc.integer({ min: 0, max: 1000 }).map((n) => n / 8),
      )
      .filter((x) => x === 0 || x >= 1e-130);
    fc.assert(
      fc.property(step, step, (a, b) => {
        // Act
        const [ea, eb] = [encodeStep(a), encodeStep(b)];

        // Assess
        expect(Math.sign(ea < eb ? -1 : ea > eb ? 1 : 0)).toBe(Math.sign(a - b));
        expect(decodeStep(ea)).toBe(a === 0 ? 0 : a);
      }),
      { numRuns: 500 },
    );
  });

  it.each([-1, Number.NaN, Infinity, maxStep + 2, 1e-131])('refuses the step %s', (step) => {
    // Act
    const encode = () => encodeStep(step);

    // Assess
    expect(encode).toThrow(InvalidInputError);
  });

  it('refuses garbage as an encoded step', () => {
    // Act
    const decode = () => decodeStep('1.5');

    // Assess
    expect(decode).toThrow(InvalidInputError);
  });
});
