import { describe, expect, it } from '@jest/globals';
import { NotFoundException } from '@nestjs/common';
import { isRedisUnavailable } from './unavailable.interceptor.js';

describe('isRedisUnavailable', () => {
  it('recognises ioredis connectivity failures and nothing else', () => {
    for (const message of [
      "Stream isn't writeable and enableOfflineQueue options is false",
      'Command timed out',
      'Connection is closed.',
      'CLUSTERDOWN The cluster is down',
      'connect ECONNREFUSED 127.0.0.1:6379',
    ]) {
      expect(isRedisUnavailable(new Error(message))).toBe(true);
    }
    const named = new Error('x');
    named.name = 'MaxRetriesPerRequestError';
    expect(isRedisUnavailable(named)).toBe(true);
    expect(isRedisUnavailable(new TypeError("Cannot read properties of undefined (reading 'x')"))).toBe(
      false,
    );
    expect(isRedisUnavailable(new NotFoundException('Connection is closed'))).toBe(false);
    expect(isRedisUnavailable('Connection is closed')).toBe(false);
  });
});
