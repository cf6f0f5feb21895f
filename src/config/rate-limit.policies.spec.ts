import { describe, expect, it } from '@jest/globals';
import { policiesFromEnv } from '../platform/rate-limit/rate-limit.policies.js';
import { APP_RATE_LIMIT_POLICIES } from './rate-limit.policies.js';

describe("the app's rate-limit policies", () => {
  it('are the documented defaults, each overridable by RATE_LIMIT_<NAME>', () => {
    const byName = Object.fromEntries(
      policiesFromEnv({ RATE_LIMIT_LOGIN: '3/1m' }, APP_RATE_LIMIT_POLICIES).map((p) => [
        p.name,
        [p.limit, p.windowMs, p.global],
      ]),
    );
    expect(byName).toEqual({
      default: [100, 60_000, true],
      upload: [20, 60_000, false],
      export: [5, 60_000, false],
      message: [30, 60_000, false],
      login: [3, 60_000, false],
    });
  });

  it('keys login attempts by IP and username', () => {
    const login = APP_RATE_LIMIT_POLICIES.find((p) => p.name === 'login')!;
    expect(login.tracker).toBe('ip');
    expect(login.key?.({ body: { username: ' Alice ' } } as never)).toBe('alice');
  });
});
