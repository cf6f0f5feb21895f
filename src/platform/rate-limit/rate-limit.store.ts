import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RedisClient } from '../redis/index.js';
import type { CheckOutcome } from './rate-limit.local-limiter.js';
import type { PolicyCheck, PolicyResult, RateLimitAlgorithm } from './rate-limit.types.js';

const SCRIPT_FILE = join(dirname(fileURLToPath(import.meta.url)), 'lua', 'rate-limit-consume-n.lua');
const COMMAND = 'rateLimitConsume';
const ALGORITHM_CODE: Record<RateLimitAlgorithm, string> = {
  'sliding-window': 's',
  'fixed-window': 'f',
  'token-bucket': 't',
};

type ConsumeCommand = (numKeys: number, ...keysAndArgs: (string | number)[]) => Promise<number[]>;

/**
 * The Redis side: one variadic Lua script (`lua/rate-limit-consume-n.lua`) checks and consumes every policy
 * of a request in a single EVALSHA. The script takes as many keys as the request has policies, which the
 * platform loader's fixed `<name>-<numKeys>.lua` convention cannot express, so this class registers it
 * itself with `defineCommand` and no fixed key count. ioredis sends EVAL on a connection's first use of
 * it and EVALSHA after that: one round trip either way (two once per connection after Redis lost its scripts).
 */
export class RateLimitStore {
  private readonly command: ConsumeCommand;

  constructor(private readonly client: RedisClient) {
    if (!(COMMAND in client)) client.defineCommand(COMMAND, { lua: readFileSync(SCRIPT_FILE, 'utf8') });
    const fn = (client as unknown as Record<string, ConsumeCommand>)[COMMAND]!;
    this.command = fn.bind(client);
  }

  /**
   * Checks `checks` and, with `consume`, takes their cost when every one admits the request. One round
   * trip whatever the number of policies; every key must carry the same hash tag (one Cluster slot).
   */
  async run(checks: readonly PolicyCheck[], consume: boolean): Promise<CheckOutcome> {
    const keys: string[] = [];
    const args: (string | number)[] = [consume ? '1' : '0'];
    for (const c of checks) {
      keys.push(c.key);
      args.push(ALGORITHM_CODE[c.algorithm], c.limit, c.windowMs, c.cost, c.blockMs);
    }
    const reply = await this.command(keys.length, ...keys, ...args);
    const results = checks.map((c, i): PolicyResult => {
      const at = 1 + i * 4;
      return {
        policy: c.policy,
        limit: c.limit,
        windowMs: c.windowMs,
        ok: reply[at] === 1,
        remaining: Number(reply[at + 1]),
        resetMs: Number(reply[at + 2]),
        retryMs: Number(reply[at + 3]),
      };
    });
    return { allowed: reply[0] === 1, results };
  }
}
