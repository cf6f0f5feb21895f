import { afterAll, describe, expect, it } from '@jest/globals';
import { Pipeline, Redis } from 'ioredis';
import { defineSharedCommand } from './ioredis.compat.js';

// Fails when ioredis changes what defineSharedCommand relies on. Sending the shared commands for real,
// auto-pipelined on every topology, is test/redis/cluster-batching.spec.ts.
const client = new Redis({ lazyConnect: true, enableOfflineQueue: true });
const lua = "return redis.call('GET', KEYS[1])";
const own = (o: object, name: string) => Object.prototype.hasOwnProperty.call(o, name);

describe('ioredis internals (ioredis.compat.ts)', () => {
  afterAll(() => client.disconnect());

  it('ioredis still copies every defineCommand script onto each new pipeline (the cost this avoids)', () => {
    client.defineCommand('compatCopied', { numberOfKeys: 1, lua });
    expect(Object.keys((client as unknown as { scriptsSet: object }).scriptsSet)).toContain('compatCopied');
    const pipeline = client.pipeline();
    expect(own(pipeline, 'compatCopied')).toBe(true);
    expect(own(pipeline, 'compatCopiedBuffer')).toBe(true);
  });

  it('a shared command is not copied, yet every pipeline has it and queues it as one EVALSHA with its keys', () => {
    defineSharedCommand(client, 'compatShared', { numberOfKeys: 1, lua });
    expect(Object.keys((client as unknown as { scriptsSet: object }).scriptsSet)).not.toContain(
      'compatShared',
    );
    const pipeline = client.pipeline() as unknown as Record<string, (...a: unknown[]) => unknown> & {
      length: number;
      _queue: { name: string; args: unknown[] }[];
    };
    expect(own(pipeline, 'compatShared')).toBe(false);
    pipeline.compatShared!('k1');
    pipeline.compatSharedBuffer!('k2');
    expect(pipeline.length).toBe(2);
    expect(pipeline._queue.map((c) => [c.name, c.args.slice(1)])).toEqual([
      ['evalsha', ['1', 'k1']],
      ['evalsha', ['1', 'k2']],
    ]);
    // The client's own function is still the one callers use outside pipelines.
    expect(typeof (client as unknown as Record<string, unknown>).compatShared).toBe('function');
  });

  it('a second client may define the same script; another script under the name or an ioredis command is refused', () => {
    const other = new Redis({ lazyConnect: true });
    try {
      expect(() => defineSharedCommand(other, 'compatShared', { numberOfKeys: 1, lua })).not.toThrow();
      expect(() => defineSharedCommand(other, 'compatShared', { numberOfKeys: 2, lua })).toThrow(
        'already defined with another script',
      );
      expect(() => defineSharedCommand(other, 'get', { numberOfKeys: 1, lua })).toThrow(
        "hide ioredis' own get",
      );
      expect(typeof (Pipeline.prototype as unknown as Record<string, unknown>).get).toBe('function');
    } finally {
      other.disconnect();
    }
  });
});
