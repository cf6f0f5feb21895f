import { describe, expect, it } from '@jest/globals';
import { retentionPolicyText } from './idempotency.decorator.js';
import { resolvePolicy } from './idempotency.policy.js';
import { IdempotencyService } from './idempotency.service.js';
import { IdempotencyTestHooks } from './idempotency.test-hooks.js';
import type { IdempotencyStore } from './idempotency.store.js';

describe('durations (the rules: src/platform/common/duration.spec.ts)', () => {
  it('takes units and numbers (ms), and refuses malformed, zero and negative retentions and waits', () => {
    expect(resolvePolicy({ ttl: '1.5s', waitTimeout: 250 })).toMatchObject({
      ttlMs: 1500,
      waitTimeoutMs: 250,
    });
    for (const bad of ['24', '1w', '-1s', '0s', -5, 0, Number.NaN] as never[]) {
      expect(() => resolvePolicy({ ttl: bad })).toThrow(/invalid duration/);
      expect(() => resolvePolicy({ waitTimeout: bad })).toThrow(/invalid duration/);
    }
  });
});

describe('resolvePolicy', () => {
  it('defaults to Stripe: 24 h, required, per principal, reject duplicates, store 4xx', () => {
    expect(resolvePolicy({})).toEqual({
      ttlMs: 86_400_000,
      required: true,
      scope: 'principal',
      fingerprint: undefined,
      onConflict: 'reject',
      waitTimeoutMs: 5000,
      storeClientErrors: true,
    });
  });

  it('fails at decoration time on a bad duration', () => {
    expect(() => resolvePolicy({ ttl: '1 day' as never })).toThrow(/invalid duration/);
  });

  it('publishes the retention policy in words', () => {
    const text = retentionPolicyText(resolvePolicy({ ttl: '24h' }));
    expect(text).toContain('for 24 hours after the request completes');
    expect(text).toContain('422');
    expect(text).toContain('409 with Retry-After');
  });
});

describe('IdempotencyService.decide', () => {
  const service = new IdempotencyService({} as IdempotencyStore, {});
  const policy = resolvePolicy({});
  const response = (status: number, headers: Record<string, string> = {}) => ({
    status,
    headers,
    body: Buffer.alloc(0),
  });

  it('stores successes and permanent client errors', () => {
    expect(service.decide(policy, response(201), false)).toBe('store');
    expect(service.decide(policy, response(404), false)).toBe('store');
    expect(service.decide(policy, response(422), false)).toBe('store');
  });

  it('releases server errors, transient client errors and requests the handler never ran', () => {
    expect(service.decide(policy, response(500), false)).toBe('release');
    expect(service.decide(policy, response(503), false)).toBe('release');
    expect(service.decide(policy, response(429), false)).toBe('release');
    expect(service.decide(policy, response(409, { 'retry-after': '2' }), false)).toBe('release');
    expect(service.decide(policy, response(400), true)).toBe('release');
  });

  it('releases every 4xx when storeClientErrors is off', () => {
    expect(service.decide(resolvePolicy({ storeClientErrors: false }), response(404), false)).toBe('release');
  });

  it('keeps only the allowlisted headers, in display case', () => {
    expect(
      service.replayable({
        'content-type': 'application/json',
        location: '/x',
        etag: 'W/"1"',
        'set-cookie': ['a=1'],
        'x-request-id': 'r',
      }),
    ).toEqual([
      ['Content-Type', 'application/json'],
      ['Location', '/x'],
      ['ETag', 'W/"1"'],
    ]);
  });
});

describe('IdempotencyTestHooks', () => {
  const withEnv = (nodeEnv: string | undefined, fn: () => void) => {
    const saved = process.env.NODE_ENV;
    if (nodeEnv === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = nodeEnv;
    try {
      fn();
    } finally {
      process.env.NODE_ENV = saved;
    }
  };

  it('are honoured only when switched on AND NODE_ENV=test', () => {
    withEnv('test', () => expect(new IdempotencyTestHooks({ testHooks: true }).enabled).toBe(true));
    withEnv('test', () => expect(new IdempotencyTestHooks({}).enabled).toBe(false));
    withEnv('production', () => expect(new IdempotencyTestHooks({ testHooks: true }).enabled).toBe(false));
    withEnv(undefined, () => expect(new IdempotencyTestHooks({ testHooks: true }).enabled).toBe(false));
  });

  it('do not hold a request that names no hook or another one', async () => {
    const hooks = new IdempotencyTestHooks({ testHooks: false });
    await expect(hooks.hold('handler', 'handler')).resolves.toBeUndefined();
  });
});
