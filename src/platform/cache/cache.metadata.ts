import { Reflector } from '@nestjs/core';
import type { CacheableOptions, CacheEvictOptions } from './cache.decorators.js';

/** The options of `@Cacheable` (read by the interceptor and the explorer through `Cacheable.KEY`). */
export const CacheableMetadata = Reflector.createDecorator<CacheableOptions | undefined, CacheableOptions>({
  transform: (options) => options ?? {},
});

/** The options of `@CacheEvict`. */
export const CacheEvictMetadata = Reflector.createDecorator<CacheEvictOptions>();
