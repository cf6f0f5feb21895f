import { describe, expect, it } from '@jest/globals';
import { getMetadataStorage, IsInt, IsString, Min, validate, ValidationTypes } from 'class-validator';
import { memoizeValidationRules } from './class-validator.compat.js';

// Fails when class-validator changes the two lookups the memo replaces, or the memo changes a result.
class Base {
  @IsString()
  name!: string;
}

class Child extends Base {
  @IsInt()
  @Min(1)
  amount!: number;
}

const make = <T extends object>(cls: new () => T, values: Record<string, unknown>): T =>
  Object.assign(new cls(), values);

const messages = async (value: object, groups?: string[]) =>
  (await validate(value, { whitelist: true, forbidNonWhitelisted: true, groups })).map((e) => ({
    property: e.property,
    constraints: e.constraints,
  }));

describe('memoizeValidationRules (class-validator.compat.ts)', () => {
  it('gives the same errors as class-validator alone, inherited rules and unknown fields included', async () => {
    const cases = [
      make(Child, { name: 'a', amount: 3 }),
      make(Child, { name: 1, amount: 0 }),
      make(Child, { name: 'a', amount: 2, extra: true }),
      make(Base, { name: 'b' }),
    ];
    const before = await Promise.all(cases.map((c) => messages(c)));
    memoizeValidationRules();
    for (let round = 0; round < 2; round++) {
      expect(await Promise.all(cases.map((c) => messages(c)))).toEqual(before);
    }
    expect(before[1]!.map((e) => e.property)).toEqual(['amount', 'name']);
    expect(before[2]!.map((e) => e.property)).toEqual(['extra']);
  });

  it("keeps one lookup per class and hands class-validator the same arrays (its methods' shape is unchanged)", () => {
    memoizeValidationRules();
    const storage = getMetadataStorage() as unknown as {
      getTargetValidationMetadatas(t: unknown, s: unknown, a: boolean, sg: boolean, g?: string[]): unknown[];
      groupByPropertyName(m: unknown[]): Record<string, unknown[]>;
    };
    const first = storage.getTargetValidationMetadatas(Child, undefined, false, false, undefined);
    expect(storage.getTargetValidationMetadatas(Child, undefined, false, false, undefined)).toBe(first);
    expect(first.length).toBe(3);
    expect(storage.groupByPropertyName(first)).toBe(storage.groupByPropertyName(first));
    expect(Object.keys(storage.groupByPropertyName(first)).sort()).toEqual(['amount', 'name']);
    // With groups, no memo: class-validator decides each time.
    expect(storage.getTargetValidationMetadatas(Child, undefined, false, false, ['g'])).not.toBe(first);
  });

  it('sees a rule added after a class was first validated', async () => {
    memoizeValidationRules();
    class Later {
      @IsInt()
      n!: number;
      code!: string;
    }
    expect(await messages(make(Later, { n: 1, code: 5 }))).toEqual([
      { property: 'code', constraints: { whitelistValidation: 'property code should not exist' } },
    ]);
    IsString()(Later.prototype, 'code');
    expect(await messages(make(Later, { n: 1, code: 5 }))).toEqual([
      { property: 'code', constraints: { isString: 'code must be a string' } },
    ]);
    expect(ValidationTypes.isValid('customValidation')).toBe(true);
  });
});
