import type { FeatureFlag } from './flags.types.js';

/** What applying a message did: `gap` means this copy may have missed something: reload. */
export type ApplyResult = 'applied' | 'gap' | 'stale';

/**
 * The in-memory copy of every flag, ordered by the flags hash's write counter within one epoch (the
 * random id the first write after the hash was lost sets). `version` is the highest version up to which
 * this copy is known complete. A message beyond `version + 1` is still applied (it is newer) but
 * reported as a gap; a message of another epoch is not applied (the hash was lost and rebuilt, and
 * versions started again): the caller reloads.
 */
export class FlagsL1 {
  private readonly flags = new Map<string, FeatureFlag>();
  /** Epoch of the last snapshot ('' for a hash that has none: never written or lost). */
  epoch: string | undefined;
  version = 0;

  get(name: string): FeatureFlag | undefined {
    return this.flags.get(name);
  }

  /** Every flag, by name. */
  list(): FeatureFlag[] {
    return [...this.flags.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Applies one write (from pub/sub or from this instance's own PUT). */
  apply(epoch: string, flag: FeatureFlag): ApplyResult {
    if (epoch !== this.epoch) return 'gap';
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
   * Applies a full snapshot taken at `version` of `epoch`. Another epoch replaces everything. In the same
   * epoch, an older snapshot than what is held is ignored (a newer one was applied meanwhile), and per
   * flag the newer copy wins, so a message applied while the snapshot was in flight is not undone.
   */
  replace(epoch: string, version: number, flags: FeatureFlag[]): boolean {
    const sameEpoch = epoch === this.epoch;
    if (sameEpoch && version < this.version) return false;
    const next = new Map<string, FeatureFlag>();
    for (const flag of flags) next.set(flag.name, flag);
    if (sameEpoch) {
      for (const [name, held] of this.flags) {
        const incoming = next.get(name);
        if (held.version > version && (!incoming || incoming.version < held.version)) next.set(name, held);
      }
    }
    this.flags.clear();
    for (const [name, flag] of next) this.flags.set(name, flag);
    this.epoch = epoch;
    this.version = version;
    return true;
  }
}
