import type { RedisClient } from '../redis/index.js';
import type { CacheKeys, TagRef } from './cache.keys.js';

/** Above this many known tags the map starts over (versions are refetched on demand). */
const MAX_KNOWN_TAGS = 100_000;

/**
 * Tag versions. Each tag is a counter in Redis; an entry records the versions of its tags when its value
 * was loaded, and is valid while they are current. Invalidating a tag is one INCR, whatever the number
 * of entries, on any topology. This instance keeps the versions it has seen, updated by the bus, so
 * judging an entry costs no round trip once its tags are known.
 */
export class TagVersions {
  private readonly versions = new Map<string, number>();
  /** Tags invalidated while Redis was unreachable: their entries are dead here until the epoch moves. */
  private readonly pending = new Set<string>();

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: CacheKeys,
  ) {}

  /** Normalises tags (deduplicated). */
  refs(tags: readonly string[]): TagRef[] {
    const seen = new Map<string, TagRef>();
    for (const tag of tags) {
      const ref = this.keys.tag(tag);
      seen.set(ref.name, ref);
    }
    return [...seen.values()];
  }

  /** Current versions of `refs`, fetching the unknown ones (one parallel GET each, first use only). */
  async current(refs: TagRef[]): Promise<[string, number][]> {
    const unknown = refs.filter((r) => !this.versions.has(r.name));
    if (unknown.length > 0) {
      const fetched = await Promise.all(unknown.map((r) => this.redis.get(r.key)));
      unknown.forEach((r, i) => this.observe(r.name, Number(fetched[i] ?? 0)));
    }
    return refs.map((r) => [r.name, this.versions.get(r.name) ?? 0]);
  }

  /** Names among `tags` this instance has no version for. */
  unknown(tags: [string, number][]): string[] {
    return tags.filter(([name]) => !this.versions.has(name)).map(([name]) => name);
  }

  /** Fetches versions by normalised name (names come from entry headers). */
  async fetch(names: string[]): Promise<void> {
    await this.current(names.map((name) => ({ name, key: this.keys.tagKey(name) })));
  }

  /** The version this instance knows for a normalised tag name. */
  versionOf(name: string): number | undefined {
    return this.versions.get(name);
  }

  /** Records a version seen on the bus or in an entry; versions only move forward. */
  observe(name: string, version: number): void {
    if (this.versions.size >= MAX_KNOWN_TAGS && !this.versions.has(name)) this.versions.clear();
    if ((this.versions.get(name) ?? -1) < version) this.versions.set(name, version);
  }

  /** True while every tag of an entry still has the version the entry was loaded under. */
  isCurrent(tags: [string, number][]): boolean {
    for (const [name, version] of tags) {
      if (this.pending.has(name)) return false;
      const known = this.versions.get(name);
      if (known === undefined) return false;
      if (version < known) return false;
      // A newer version in an entry proves the counter moved: catch up.
      if (version > known) this.versions.set(name, version);
    }
    return true;
  }

  /** INCRs each tag (in parallel: one round trip's time on any topology) and records the new versions. */
  async bump(refs: TagRef[]): Promise<Record<string, number>> {
    const next = await Promise.all(refs.map((r) => this.redis.incr(r.key)));
    const out: Record<string, number> = {};
    refs.forEach((r, i) => {
      this.observe(r.name, next[i]!);
      out[r.name] = next[i]!;
    });
    return out;
  }

  /** Marks tags invalidated locally while their counters could not be bumped. */
  markPending(refs: TagRef[]): void {
    for (const r of refs) this.pending.add(r.name);
  }

  /** Forgets every known version and pending tag (after an epoch change). */
  reset(): void {
    this.versions.clear();
    this.pending.clear();
  }
}
