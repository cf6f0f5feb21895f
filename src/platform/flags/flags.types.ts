/** A feature flag as every instance holds it in memory. */
export interface FeatureFlag {
  name: string;
  enabled: boolean;
  /** Share of subjects it is on for, 0 to 100 (whole percent), when `enabled`. */
  rolloutPercent: number;
  /** When it was last written (ISO 8601, Redis TIME). */
  updatedAt: string;
  /** Value of the flags' version counter after this write: orders every write of every flag. */
  version: number;
}

/** The result of evaluating a flag for a subject. */
export interface FlagEvaluation {
  flag: string;
  subject: string;
  enabled: boolean;
  /** The subject's bucket, 0 to 9999: on when `bucket < rolloutPercent * 100` (and the flag is enabled). */
  bucket: number;
}

/** Options of FlagsModule.forRoot / forRootAsync. */
export interface FlagsModuleOptions {
  /**
   * How often each instance compares its version with Redis's (one GET) and reloads on a difference
   * (default 30 s): the bound on staleness when a pub/sub message is lost.
   */
  resyncIntervalMs?: number;
}

/** Flag names: a letter or digit, then up to 63 of `[A-Za-z0-9_.-]`. */
export const FLAG_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** The pub/sub topic of flag writes. */
export const FLAGS_TOPIC = 'flags';
