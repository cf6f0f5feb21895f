import { Logger } from '@nestjs/common';
import { isClientError, type CacheLoader } from './cache.loader.js';
import type { CacheStore, ResolvedEntryOptions } from './cache.store.js';

/**
 * Stale-while-revalidate: while a stale value is being answered, one background refresh per key runs
 * in this instance, and across instances only where the key's lock is won. A failing loader leaves the
 * stale value in place (served until its grace ends); a loader answering 4xx means the value is gone,
 * so it is forgotten everywhere.
 */
export class CacheRefresher {
  private readonly logger = new Logger('Cache');
  private readonly refreshing = new Set<string>();

  constructor(
    private readonly store: CacheStore,
    private readonly loads: CacheLoader,
    private readonly forget: (key: string) => Promise<void>,
  ) {}

  /** Starts a refresh of `key` unless one is already running here. Never throws. */
  refresh(key: string, load: () => Promise<unknown>, opts: ResolvedEntryOptions): void {
    if (this.refreshing.has(key)) return;
    this.refreshing.add(key);
    this.run(key, load, opts)
      .catch((err: unknown) => {
        if (isClientError(err)) return this.forget(key);
        this.logger.debug(`background refresh of ${key} failed: ${(err as Error).message}`);
      })
      .finally(() => this.refreshing.delete(key));
  }

  private async run(key: string, load: () => Promise<unknown>, opts: ResolvedEntryOptions): Promise<void> {
    const { store, loads } = this;
    const mark = store.log.mark();
    if (!store.trusted) {
      await loads.loadLocal(key, load, opts, mark);
      return;
    }
    const found = await store.readL2(key);
    if (found.state === 'fresh') return store.storeL1(key, found.meta!, found.payload!, mark, opts);
    const token = `r${mark}.${Math.random().toString(36).slice(2)}`;
    const turn = await store.lock(key, token);
    if (turn.acquired) await loads.loadAndFill(key, load, opts, turn.version, token, mark);
  }
}
