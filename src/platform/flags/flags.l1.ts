import type { FeatureFlag } from './flags.types.js';

/** What applying a message did: `gap` means versions were skipped (a message was missed): resync. */
export type ApplyResult = 'applied' | 'gap' | 'stale';

/**
 * The in-memory copy of every flag, ordered by the global version counter. `version` is the highest
 * version up to which this copy is known complete (every write up to it applied); a message beyond
 * `version + 1` is still applied (it is newer) but reported as a gap, so the caller reloads.
 */
export class FlagsL1 {
  private readonly flags = new Map<string, FeatureFlag>();
  version = 0;

  get(name: string): FeatureFlag | undefined {
    return this.flags.get(name);
  }

  /** Every flag, by name. */
  list(): FeatureFlag[] {
    return [...this.flags.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Applies one write (from pub/sub or from this instance's own PUT). */
  apply(flag: FeatureFlag): ApplyResult {
    const current = this.flags.get(flag.name);
    if (current && current.version >= flag.version) return 'stale';
    this.flags.set(flag.name, flag);
    if (flag.version === this.version + 1) {
      this.version = flag.version;
      return 'applied';
    }
    return flag.version > this.version ? 'gap' : 'applied';
  }

  /**
   * Applies a full snapshot taken at `version`. An older snapshot than what is held is ignored (a newer
   * one was applied meanwhile); per flag, the newer of the two copies wins, so a message applied while
   * the snapshot was in flight is not undone.
   */
  replace(version: number, flags: FeatureFlag[]): boolean {
    if (version < this.version) return false;
    const next = new Map<string, FeatureFlag>();
    for (const flag of flags) next.set(flag.name, flag);
    for (const [name, held] of this.flags) {
      const incoming = next.get(name);
      if (held.version > version && (!incoming || incoming.version < held.version)) next.set(name, held);
    }
    this.flags.clear();
    for (const [name, flag] of next) this.flags.set(name, flag);
    this.version = version;
    return true;
  }
}
