import { createHash } from 'node:crypto';
import type { FeatureFlag, FlagEvaluation } from './flags.types.js';

/**
 * A subject's bucket for a flag, 0 to 9999: the first 32 bits of SHA-256(`flag` NUL `subject`) modulo
 * 10,000. Deterministic on every instance and every run; hashing the flag name in means one subject is
 * not always in the first few percent of every rollout.
 */
export function rolloutBucket(flag: string, subject: string): number {
  return createHash('sha256').update(flag).update('\0').update(subject).digest().readUInt32BE(0) % 10_000;
}

/** Evaluates `flag` for `subject`: on when enabled and the subject's bucket is below the rollout. */
export function evaluateFlag(flag: FeatureFlag, subject: string): FlagEvaluation {
  const bucket = rolloutBucket(flag.name, subject);
  return { flag: flag.name, subject, enabled: flag.enabled && bucket < flag.rolloutPercent * 100, bucket };
}
