import { describe, expect, it } from '@jest/globals';
import { defaultJobOptions } from './queue.job-options.js';
import { resolveQueueOptions } from './queue.types.js';

describe('queue options', () => {
  it('defaults to production values', () => {
    const o = resolveQueueOptions();
    expect(o).toMatchObject({
      workers: 5,
      lockDurationMs: 30_000,
      stalledIntervalMs: 30_000,
      attempts: 5,
      shutdownGraceMs: 5_000,
      health: { maxWaiting: 10_000, strict: false },
    });
  });

  it('gives every job 5 attempts, exponential backoff with jitter and bounded retention', () => {
    expect(defaultJobOptions(resolveQueueOptions({ backoffDelayMs: 200, keepCompleted: 10 }))).toEqual({
      attempts: 5,
      backoff: { type: 'exponential', delay: 200, jitter: 0.5 },
      removeOnComplete: { count: 10, age: 86_400 },
      removeOnFail: { count: 5_000, age: 604_800 },
    });
  });

  it('keeps explicit values, 0 workers included', () => {
    expect(resolveQueueOptions({ workers: 0, health: { strict: true } })).toMatchObject({
      workers: 0,
      health: { strict: true, maxFailed: 1_000 },
    });
  });
});
