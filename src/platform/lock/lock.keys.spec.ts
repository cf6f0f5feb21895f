import { describe, expect, it } from '@jest/globals';
import { LockKeyError } from './lock.errors.js';
import { checkTemplate, compileKey, resourceParts } from './lock.keys.js';

describe('lock keys', () => {
  it('resolves a template from route params, query and body', () => {
    expect(compileKey('car:{params.carId}')({ params: { carId: '42' } })).toEqual(['car', '42']);
    expect(compileKey('car:{body.carId}:{query.day}')({ body: { carId: 7 }, query: { day: 'mon' } })).toEqual(
      ['car', '7', 'mon'],
    );
    expect(compileKey('car:{args.0.carId}')({ args: [{ carId: 'x_1' }] })).toEqual(['car', 'x_1']);
  });

  it('hashes unsafe or long values instead of pasting them', () => {
    for (const hostile of ['a:b', '{x}', '*', 'a b', 'x'.repeat(65), '../etc']) {
      const [, part] = compileKey('car:{params.id}')({ params: { id: hostile } });
      expect(part).toMatch(/^#[A-Za-z0-9_-]{22}$/);
    }
  });

  it('answers 400 for missing, empty or non-scalar values', () => {
    const resolve = compileKey('car:{body.carId}');
    for (const body of [{}, { carId: '' }, { carId: { a: 1 } }, { carId: [1] }, { carId: 1.5 }, null, 'x']) {
      expect(() => resolve({ body })).toThrow(LockKeyError);
    }
    expect(() => resolve({ body: { carId: {} } })).toThrow(
      expect.objectContaining({ code: 'LOCK_KEY_INVALID' }),
    );
  });

  it('never walks the prototype chain', () => {
    expect(() => compileKey('x:{body.toString}')({ body: {} })).toThrow(LockKeyError);
    expect(() => compileKey('x:{body.__proto__}')).toThrow();
  });

  it('rejects malformed templates at decoration time', () => {
    for (const bad of ['car:{params.id', 'car:{}', 'car {params.id}', 'car:pre{params.id}', '']) {
      expect(() => compileKey(bad)).toThrow();
    }
  });

  it('normalises functions and resources the same way', () => {
    expect(compileKey(() => ['car', 'a:b'])({})).toEqual(['car', expect.stringMatching(/^#/)]);
    expect(compileKey(({ params }) => `car:${String(params?.id)}`)({ params: { id: 5 } })).toEqual([
      'car',
      '5',
    ]);
    expect(resourceParts('car:42')).toEqual(['car', '42']);
    expect(resourceParts(['car', 42])).toEqual(['car', '42']);
  });

  it('checks placeholders against their use: route path parameters, query, body; declared method arguments', () => {
    const route = { route: { pathParams: ['carId'] } };
    expect(checkTemplate('car:{params.carId}', route)).toBeUndefined();
    expect(checkTemplate('car:{body.carId}:{query.day}', route)).toBeUndefined();
    expect(checkTemplate('car:{params.carid}', route)).toMatch(
      /not a parameter of the route path \(has: :carId\)/,
    );
    expect(checkTemplate('car:{args.0}', route)).toMatch(/reads params, query or body/);
    const method = { method: { arity: 1 } };
    expect(checkTemplate('car:{args.0.carId}', method)).toBeUndefined();
    expect(checkTemplate('car:{args.1}', method)).toMatch(/1 declared parameter/);
    expect(checkTemplate('car:{params.carId}', method)).toMatch(/args.<index>/);
    expect(checkTemplate('fleet:all', method)).toBeUndefined();
  });
});
