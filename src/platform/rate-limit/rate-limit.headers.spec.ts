import { describe, expect, it } from '@jest/globals';
import { rateLimitHeaders, retryAfterSeconds } from './rate-limit.headers.js';
import type { PolicyCheck, RateLimitDecision } from './rate-limit.types.js';

const check = (policy: string, limit: number, windowMs: number): PolicyCheck => ({
  policy,
  key: policy,
  algorithm: 'sliding-window',
  limit,
  windowMs,
  cost: 1,
  blockMs: 0,
  failMode: 'open',
});

describe('rate-limit headers', () => {
  it('writes RateLimit-Policy, RateLimit and the X-RateLimit-* headers', () => {
    const decision: RateLimitDecision = {
      allowed: true,
      source: 'redis',
      results: [
        {
          policy: 'default',
          limit: 100,
          windowMs: 60_000,
          ok: true,
          remaining: 42,
          resetMs: 16_200,
          retryMs: 0,
        },
        { policy: 'upload', limit: 20, windowMs: 60_000, ok: true, remaining: 3, resetMs: 0, retryMs: 0 },
      ],
    };
    expect(rateLimitHeaders([check('default', 100, 60_000), check('upload', 20, 60_000)], decision)).toEqual({
      'RateLimit-Policy': '"default";q=100;w=60, "upload";q=20;w=60',
      RateLimit: '"default";r=42;t=17, "upload";r=3;t=0',
      'X-RateLimit-Limit': '100',
      'X-RateLimit-Remaining': '42',
      'X-RateLimit-Reset': '17',
      'X-RateLimit-Limit-upload': '20',
      'X-RateLimit-Remaining-upload': '3',
      'X-RateLimit-Reset-upload': '0',
    });
  });

  it('makes Retry-After the longest wait of the refusing policies; t (more quota) is never above the window', () => {
    const decision: RateLimitDecision = {
      allowed: false,
      source: 'redis',
      results: [
        { policy: 'a', limit: 10, windowMs: 1000, ok: false, remaining: 0, resetMs: 5000, retryMs: 5000 },
        {
          policy: 'b',
          limit: 30,
          windowMs: 60_000,
          ok: false,
          remaining: 0,
          resetMs: 30_500,
          retryMs: 30_500,
        },
        { policy: 'c', limit: 5, windowMs: 60_000, ok: true, remaining: 5, resetMs: 0, retryMs: 0 },
      ],
    };
    const headers = rateLimitHeaders(
      [check('a', 10, 1000), check('b', 30, 60_000), check('c', 5, 60_000)],
      decision,
    );
    expect(headers.RateLimit).toBe('"a";r=0;t=1, "b";r=0;t=31, "c";r=5;t=0');
    expect(retryAfterSeconds(decision)).toBe(31);
  });
});
