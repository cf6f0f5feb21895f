import { Inject, Injectable } from '@nestjs/common';
import { IDEMPOTENCY_MODULE_OPTIONS } from './idempotency.module-definition.js';
import type { IdempotencyModuleOptions } from './idempotency.types.js';

/** Where a request can be held: in the middle of the handler, or after it but before its response is stored. */
export type IdempotencyHoldPoint = 'handler' | 'before-store';

/** The request header that names the hold point. */
export const TEST_HOOK_HEADER = 'x-test-hook';

/** Longest hold: the kill -9 tests end the process well before; a forgotten hold must not last forever. */
const MAX_HOLD_MS = 120_000;

/**
 * Crash-test hooks: a request carrying `X-Test-Hook: <point>` stops at that point, prints
 * `idempotency-test-hook:<point>` on stdout (what the test waits for) and waits there until the test
 * kills the process. Active only with `testHooks` on AND `NODE_ENV=test`, so production ignores the header.
 * @example await this.hooks.hold('handler', req.headers['x-test-hook']);
 */
@Injectable()
export class IdempotencyTestHooks {
  readonly enabled: boolean;

  constructor(@Inject(IDEMPOTENCY_MODULE_OPTIONS) options: IdempotencyModuleOptions) {
    this.enabled = options.testHooks === true && process.env.NODE_ENV === 'test';
  }

  /** Resolves at once unless hooks are enabled and `requested` names `point`. */
  async hold(point: IdempotencyHoldPoint, requested: string | string[] | undefined): Promise<void> {
    if (!this.enabled || requested !== point) return;
    process.stdout.write(`idempotency-test-hook:${point}\n`);
    await new Promise((resolve) => setTimeout(resolve, MAX_HOLD_MS).unref());
  }
}
