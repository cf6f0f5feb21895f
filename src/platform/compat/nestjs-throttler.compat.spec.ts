import { describe, expect, it } from '@jest/globals';
import { SkipThrottle, Throttle } from '@nestjs/throttler';
import 'reflect-metadata';
import { THROTTLER_METADATA, throttlerPolicyOf } from './nestjs-throttler.compat.js';

// Fails when @nestjs/throttler stops writing its options under the keys the rate-limit guard reads.
describe('@nestjs/throttler metadata keys (nestjs-throttler.compat.ts)', () => {
  const getTracker = () => 'tracker';
  const generateKey = () => 'key';

  @Throttle({ upload: { limit: 3, ttl: 60_000, blockDuration: 5_000, getTracker, generateKey } })
  class Decorated {
    @SkipThrottle({ login: true })
    handler(): void {}
  }

  it('@Throttle({ [name]: ... }) writes limit, ttl, blockDuration, tracker and key generator per name', () => {
    const read = (key: string) => Reflect.getMetadata(key + 'upload', Decorated) as unknown;
    expect(read(THROTTLER_METADATA.limit)).toBe(3);
    expect(read(THROTTLER_METADATA.ttl)).toBe(60_000);
    expect(read(THROTTLER_METADATA.blockDuration)).toBe(5_000);
    expect(read(THROTTLER_METADATA.tracker)).toBe(getTracker);
    expect(read(THROTTLER_METADATA.keyGenerator)).toBe(generateKey);
  });

  it('@SkipThrottle({ [name]: true }) writes the skip key on the handler', () => {
    const handler = Object.getOwnPropertyDescriptor(Decorated.prototype, 'handler')!.value as object;
    expect(Reflect.getMetadata(THROTTLER_METADATA.skip + 'login', handler)).toBe(true);
  });

  it('every key the decorators write is recognised, with its policy name', () => {
    const handler = Object.getOwnPropertyDescriptor(Decorated.prototype, 'handler')!.value as object;
    const keys = [...Reflect.getMetadataKeys(Decorated), ...Reflect.getMetadataKeys(handler)].filter(
      (k): k is string => typeof k === 'string' && k.startsWith('THROTTLER:'),
    );
    expect(keys.length).toBe(6);
    expect(keys.map(throttlerPolicyOf).sort()).toEqual([
      'login',
      'upload',
      'upload',
      'upload',
      'upload',
      'upload',
    ]);
    expect(throttlerPolicyOf('THROTTLER:MODULE_OPTIONS')).toBeUndefined();
  });
});
