import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineSharedCommand } from '../compat/ioredis.compat.js';
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

type ConsumeCommand = (...keysAndArgs: (string | number)[]) => Promise<number[]>;

/**
 * The Redis side: one variadic Lua script (`lua/rate-limit-consume-n.lua`) checks and consumes every policy
 * of a request in a single EVALSHA. The script takes as many keys as the request has policies, which the
 * platform loader's fixed `<name>-<numKeys>.lua` convention cannot express, so this class registers it
 * itself, once per key count in use (`rateLimitConsume1`, `rateLimitConsume2`, ...: one script text, one
 * SHA). Each registration declares its `numberOfKeys`: ioredis' auto-pipelining routes a custom command
 * by its first argument, so a command called as `(count, ...keys)` would join the Cluster batch of the
 * node that owns the slot of the *count*, which refuses the whole batch. With the count declared the first
 * argument is the first key. EVAL on a connection's first use, EVALSHA after: one round trip either way.
 */
export class RateLimitStore {
  /**
   * Key counts with a registered command. A request has a few policies; more (`GET /rate-limit/status`
   * reads every route's at once) go through plain EVALSHA, which ioredis routes by its first key too.
   */
  static readonly REGISTERED_COUNTS = 16;
  private readonly commands: ConsumeCommand[] = [];
  private readonly lua: string;
  private readonly sha: string;

  constructor(private readonly client: RedisClient) {
    // Registered up front, not on first use: one registration per client, whatever the traffic.
    const lua = readFileSync(SCRIPT_FILE, 'utf8');
    this.lua = lua;
    this.sha = createHash('sha1').update(lua).digest('hex');
    for (let n = 1; n <= RateLimitStore.REGISTERED_COUNTS; n++) {
      const name = `${COMMAND}${n}`;
      if (!(name in client)) defineSharedCommand(client, name, { numberOfKeys: n, lua });
      this.commands[n] = (client as unknown as Record<string, ConsumeCommand>)[name]!.bind(client);
    }
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
    if (keys.length === 0) return { allowed: true, results: [] };
    const command = this.commands[keys.length];
    const reply = command ? await command(...keys, ...args) : await this.evalAny(keys, args);
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

  /** EVALSHA with any key count (EVAL once when Redis lost its scripts). */
  private async evalAny(keys: string[], args: (string | number)[]): Promise<number[]> {
    try {
      return (await this.client.evalsha(this.sha, keys.length, ...keys, ...args)) as number[];
    } catch (err) {
      if (!(err instanceof Error) || !err.message.includes('NOSCRIPT')) throw err;
      return (await this.client.eval(this.lua, keys.length, ...keys, ...args)) as number[];
    }
  }
}
