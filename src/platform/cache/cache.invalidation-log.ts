/** Above this many remembered keys the log forgets them and treats everything as touched. */
const MAX_KEYS = 10_000;

/**
 * Remembers which keys were invalidated locally since a point in time, so that a read or a load that
 * started before an invalidation does not put its (possibly older) value into L1 after it.
 * @example
 * const mark = log.mark();
 * const value = await load();
 * if (!log.touchedSince(key, mark)) l1.set(key, value);
 */
export class InvalidationLog {
  private seq = 0;
  private clearedAt = 0;
  private readonly keys = new Map<string, number>();

  /** The current position. */
  mark(): number {
    return this.seq;
  }

  /** Records an invalidation of `key`. */
  key(key: string): void {
    this.seq++;
    if (this.keys.size >= MAX_KEYS) this.all();
    else this.keys.set(key, this.seq);
  }

  /** Records an invalidation of everything (epoch change, L1 cleared). */
  all(): void {
    this.seq++;
    this.clearedAt = this.seq;
    this.keys.clear();
  }

  /** True when `key` (or everything) was invalidated after `mark`. */
  touchedSince(key: string, mark: number): boolean {
    return this.clearedAt > mark || (this.keys.get(key) ?? 0) > mark;
  }
}
