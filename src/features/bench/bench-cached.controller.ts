import { Controller, Get } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import { Cacheable } from '../../platform/cache/index.js';
import { Public } from '../../platform/auth/index.js';

/** About 1 KB of JSON: a page of 8 catalogue-like items. */
const PAYLOAD = {
  items: Array.from({ length: 8 }, (_, i) => ({
    id: i + 1,
    make: 'Volkswagen',
    model: `Golf ${i + 1}`,
    year: 2020 + (i % 5),
    dailyPrice: 4200 + i * 150,
    currency: 'EUR',
    available: i % 3 !== 0,
  })),
  page: 1,
  limit: 8,
  total: 1000,
};

/**
 * `@Cacheable` alone: `/bench/cached` is an L1 hit once warm (no Redis call), `/bench/cached-l2` keeps
 * its entries out of process memory, so each request is an L2 hit (one GET; `?k=` picks one of many keys).
 */
@ApiExcludeController()
@SkipThrottle()
@Public()
@Controller('bench')
export class BenchCachedController {
  @Get('cached')
  @Cacheable({ namespace: 'bench', ttl: '60s', public: true })
  cached(): typeof PAYLOAD {
    return PAYLOAD;
  }

  // 10 minutes: the scenario's rounds outlast 60 s, and re-filling expired keys is not what it measures.
  @Get('cached-l2')
  @Cacheable({ namespace: 'bench', ttl: '10m', public: true, l1: false })
  cachedL2(): typeof PAYLOAD {
    return PAYLOAD;
  }
}
