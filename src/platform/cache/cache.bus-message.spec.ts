import { describe, expect, it } from '@jest/globals';
import { parseBusMessage } from './cache.bus-message.js';

describe('parseBusMessage', () => {
  it('accepts well-formed messages', () => {
    expect(parseBusMessage('{"t":"inv","f":"a","id":"a.1","k":["x"],"g":{"cars":3}}')).toMatchObject({
      t: 'inv',
      k: ['x'],
      g: { cars: 3 },
    });
  });

  it('ignores malformed ones without throwing', () => {
    for (const raw of [
      'not json',
      'null',
      '{"t":"nope","f":"a"}',
      '{"t":"inv"}',
      '{"t":"inv","f":"a","k":[1]}',
      '{"t":"inv","f":"a","g":{"x":"1"}}',
      '{"t":"epoch","f":"a","e":1.5}',
    ]) {
      expect(parseBusMessage(raw)).toBeUndefined();
    }
  });

  it('keeps tag names off Object.prototype', () => {
    const msg = parseBusMessage('{"t":"inv","f":"a","g":{"__proto__":1,"cars":2}}');
    expect(Object.getPrototypeOf(msg!.g)).toBeNull();
    expect(({} as Record<string, unknown>).cars).toBeUndefined();
  });
});
