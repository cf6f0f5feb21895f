import { describe, expect, it } from '@jest/globals';
import { RateLimitProbeModule, testOnlyModules } from './test-only.modules.js';

describe('test-only modules', () => {
  it('are imported with NODE_ENV=test and their switch only', () => {
    expect(testOnlyModules({ NODE_ENV: 'test', RATE_LIMIT_PROBE_ROUTES: '1' })).toEqual([
      RateLimitProbeModule,
    ]);
    expect(testOnlyModules({ NODE_ENV: 'test' })).toEqual([]);
    expect(testOnlyModules({ NODE_ENV: 'development', RATE_LIMIT_PROBE_ROUTES: '1' })).toEqual([]);
    expect(testOnlyModules({ NODE_ENV: 'production', RATE_LIMIT_PROBE_ROUTES: '1' })).toEqual([]);
  });
});
