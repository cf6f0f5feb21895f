import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startApp, type AppHandle } from '../support/app-process.js';
import { authHeader } from '../support/auth.js';
import { createTestDatabase } from '../support/pg-shared.js';
import { startRedis, type RedisHandle } from '../support/redis-standalone.js';
import { rateLimitItems } from './structured-fields.js';

const WINDOW_S = 3;
const LIMIT = 4;

/**
 * `t` of the RateLimit field against the real Redis limiter: never above the window, and more quota is
 * there when it says (the TypeScript mirror's property test checks "not before" to the millisecond).
 */
describe('RateLimit t: seconds until additional quota (draft-ietf-httpapi-ratelimit-headers-10)', () => {
  let redis: RedisHandle;
  let app: AppHandle;

  beforeAll(async () => {
    redis = await startRedis();
    app = await startApp({
      env: {
        ...redis.env,
        DATABASE_URL: await createTestDatabase(),
        RATE_LIMIT_DEFAULT: `${LIMIT}/${WINDOW_S}s`,
      },
    });
  }, 60_000);

  afterAll(async () => {
    await app?.stop();
    await redis?.stop();
  });

  async function get(caller: string) {
    const res = await fetch(`${app.url}/flags`, { headers: { Authorization: authHeader(caller) } });
    await res.arrayBuffer();
    const item = rateLimitItems(res.headers.get('ratelimit') ?? '').get('default');
    return {
      status: res.status,
      r: item!.r!,
      t: item!.t!,
      retryAfter: Number(res.headers.get('retry-after')),
    };
  }

  it('is never above the window, and a request waiting t seconds passes', async () => {
    for (let round = 0; round < 2; round++) {
      const caller = `t-spec-${round}`;
      const seen: { status: number; r: number; t: number }[] = [];
      let last = await get(caller);
      seen.push(last);
      while (last.status !== 429) {
        last = await get(caller);
        seen.push(last);
      }
      expect(seen.length).toBe(LIMIT + 1);
      for (const s of seen) expect(s.t).toBeLessThanOrEqual(WINDOW_S);
      // Before: t read up to twice the window (the time to a full quota). Now the time to one more unit.
      expect(last.t).toBeGreaterThanOrEqual(1);
      expect(last.retryAfter).toBeGreaterThanOrEqual(last.t);
      await new Promise((r) => setTimeout(r, last.t * 1000));
      const after = await get(caller);
      expect(after.status).toBe(200);
      expect(after.t).toBeLessThanOrEqual(WINDOW_S);
    }
  }, 30_000);
});
