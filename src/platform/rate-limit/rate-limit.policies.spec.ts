import { describe, expect, it } from '@jest/globals';
import { parsePolicySetting, policiesFromEnv, policy, RateLimitConfigError } from './rate-limit.policies.js';

describe('rate-limit policies', () => {
  it('has one built-in policy, the global default (named policies are the app configuration)', () => {
    expect(policiesFromEnv({}).map((p) => [p.name, p.limit, p.windowMs, p.global])).toEqual([
      ['default', 100, 60_000, true],
    ]);
  });

  it('overrides a policy from RATE_LIMIT_<NAME>, with algorithm and fail mode', () => {
    const [, upload] = policiesFromEnv({ RATE_LIMIT_UPLOAD: '7/2m,token-bucket,fail-closed' }, [
      policy('default', 100, 60_000, { global: true }),
      policy('upload', 20, 60_000),
    ]);
    expect(upload).toMatchObject({
      limit: 7,
      windowMs: 120_000,
      algorithm: 'token-bucket',
      failMode: 'closed',
    });
    expect(parsePolicySetting('X', '1000000/60s')).toEqual({ limit: 1_000_000, windowMs: 60_000 });
    expect(parsePolicySetting('X', '5/500ms,fixed-window')).toMatchObject({
      windowMs: 500,
      algorithm: 'fixed-window',
    });
  });

  it('reads the window with the platform Duration rules (decimals, days), 1 ms to 31 days', () => {
    expect(parsePolicySetting('X', '10/1.5m').windowMs).toBe(90_000);
    expect(parsePolicySetting('X', '10/31d').windowMs).toBe(31 * 86_400_000);
    expect(() => parsePolicySetting('X', '10/32d')).toThrow(RateLimitConfigError);
    expect(() => parsePolicySetting('X', '10/0.0001ms')).toThrow(RateLimitConfigError);
  });

  it('rejects bad values with one line naming the variable', () => {
    for (const bad of ['100', '0/60s', '10/0s', '10/60', '10/60s,leaky', 'ten/60s']) {
      expect(() => parsePolicySetting('RATE_LIMIT_EXPORT', bad)).toThrow(RateLimitConfigError);
      expect(() => parsePolicySetting('RATE_LIMIT_EXPORT', bad)).toThrow(/^RATE_LIMIT_EXPORT must look like/);
    }
  });
});
