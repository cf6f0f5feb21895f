import { describe, expect, it } from '@jest/globals';
import { createHook, executionAsyncResource } from 'node:async_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { LockContext, type HeldLock } from './lock.context.js';

function held(resource: string): HeldLock {
  return {
    resource,
    token: resource,
    fencingToken: 1,
    expiresAt: Date.now() + 1000,
    signal: new AbortController().signal,
  };
}

/**
 * How many AsyncLocalStorage stores a promise made now carries (Node 20 puts one on each async resource
 * per enabled storage; AsyncContextFrame, Node 24's default, none). The test runner may have its own.
 */
async function storesOnPromise(): Promise<number> {
  // Our own init hook makes async_hooks track promises, so the continuation's resource is the promise.
  const hook = createHook({ init: () => undefined }).enable();
  try {
    return await Promise.resolve().then(
      () =>
        Object.getOwnPropertySymbols(executionAsyncResource()).filter(
          (s) => s.description === 'kResourceStore',
        ).length,
    );
  } finally {
    hook.disable();
  }
}

describe('LockContext', () => {
  it('keeps each overlapping run its own lock while the other ends, and none after both', async () => {
    let releaseA!: () => void;
    const a = LockContext.run(held('car:1'), async () => {
      await new Promise<void>((r) => (releaseA = r));
      return LockContext.current()?.resource;
    });
    const b = LockContext.run(held('car:2'), async () => {
      await sleep(5);
      const during = LockContext.current()?.resource;
      releaseA();
      await a;
      await sleep(5); // a has settled: b's context must survive it
      return [during, LockContext.current()?.resource];
    });
    expect(await a).toBe('car:1');
    expect(await b).toEqual(['car:2', 'car:2']);
    expect(await Promise.resolve().then(() => LockContext.current())).toBeUndefined();
  });

  it('sees the outer lock in a nested run and the inner one first', async () => {
    const seen = await LockContext.run(held('car:1'), () =>
      LockContext.run(held('car:2'), async () => [
        LockContext.current()?.resource,
        LockContext.current('car:1')?.resource,
      ]),
    );
    expect(seen).toEqual(['car:2', 'car:1']);
  });

  it('settles the count on a synchronous throw and a rejection', async () => {
    expect(() =>
      LockContext.run(held('car:1'), () => {
        throw new Error('sync');
      }),
    ).toThrow('sync');
    await expect(LockContext.run(held('car:1'), () => Promise.reject(new Error('async')))).rejects.toThrow(
      'async',
    );
    expect(LockContext.current()).toBeUndefined();
  });

  it('switches the storage off once no locked call is in flight (every later promise would pay for it)', async () => {
    const before = await storesOnPromise();
    await LockContext.run(held('car:1'), async () => {
      await sleep(1);
      expect(await storesOnPromise()).toBe(before + (process.versions.node.startsWith('20.') ? 1 : 0));
    });
    expect(await storesOnPromise()).toBe(before);
  });
});
