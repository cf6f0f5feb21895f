import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { PubSubService } from '../pubsub/index.js';
import { KeyBuilder, LuaScripts, REDIS_CLIENT, type RedisClient } from '../redis/index.js';
import { evaluateFlag } from './flags.evaluate.js';
import { FlagsL1 } from './flags.l1.js';
import { FLAGS_MODULE_OPTIONS } from './flags.module-definition.js';
import {
  FLAG_NAME,
  FLAGS_TOPIC,
  type FeatureFlag,
  type FlagEvaluation,
  type FlagsModuleOptions,
} from './flags.types.js';

interface StoredFlag extends Omit<FeatureFlag, 'updatedAt'> {
  updatedAt: number;
}

/** What a write publishes: the flag and the epoch of the hash it was written to. */
interface FlagMessage {
  epoch: string;
  flag: FeatureFlag;
}

/** The flags hash's own fields (flag names cannot start with `_`). */
const VERSION = '__version';
/** Pause before reloading again after a failed reload. */
const RETRY_MS = 1000;
const EPOCH = '__epoch';

const parse = (doc: string): FeatureFlag => {
  const raw = JSON.parse(doc) as StoredFlag;
  return { ...raw, updatedAt: new Date(raw.updatedAt).toISOString() };
};

/** A flag name outside {@link FLAG_NAME}. */
export class FlagNameError extends Error {
  readonly code = 'FLAG_NAME_INVALID';
}

/**
 * Feature flags held in memory (L1) on every instance: reads and evaluations never touch Redis.
 * Every flag lives in one Redis hash (`{prefix}:flag:all`) with a write counter and an epoch; a write is
 * one Lua call, then one PUBLISH tells every instance to apply it. Pub/sub loses messages while a
 * subscription is down, so each instance also reloads everything (one HGETALL) after every
 * (re)subscription, when it sees a version gap or another epoch, and whenever a periodic HMGET of the
 * counter and epoch differs from its own: a lost message costs at most `resyncIntervalMs` of staleness,
 * never a stale instance for ever. A lost hash (FLUSHALL, a restart without persistence) gets a new epoch
 * on its next write, and every instance then drops what it held.
 * @example
 * if (flags.isEnabled('new-checkout', customerId)) { ... }
 */
@Injectable()
export class FlagsService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Flags');
  private readonly l1 = new FlagsL1();
  private readonly intervalMs: number;
  private timer?: NodeJS.Timeout;
  private retry?: NodeJS.Timeout;
  private syncing?: Promise<void>;
  private failing = false;
  private readonly offs: (() => void)[] = [];

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
    private readonly scripts: LuaScripts,
    private readonly keys: KeyBuilder,
    private readonly pubsub: PubSubService,
    @Inject(FLAGS_MODULE_OPTIONS) options: FlagsModuleOptions,
  ) {
    this.intervalMs = options.resyncIntervalMs ?? 30_000;
  }

  /** The flags hash. */
  get hashKey(): string {
    return this.keys.key('flag', 'all');
  }

  async onApplicationBootstrap(): Promise<void> {
    this.offs.push(
      this.pubsub.subscribe<FlagMessage>(FLAGS_TOPIC, (m) => this.receive(m)),
      this.pubsub.onUp(() => void this.resync()),
    );
    this.timer = setInterval(() => void this.check(), this.intervalMs);
    this.timer.unref();
    await this.resync();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
    clearTimeout(this.retry);
    for (const off of this.offs) off();
  }

  /** The version this instance's copy is complete up to. */
  get version(): number {
    return this.l1.version;
  }

  /** Every flag, by name (memory). */
  list(): FeatureFlag[] {
    return this.l1.list();
  }

  /** One flag (memory), undefined when unknown. */
  get(name: string): FeatureFlag | undefined {
    return this.l1.get(name);
  }

  /** Evaluates a flag for a subject (memory); undefined when the flag is unknown. */
  evaluate(name: string, subject: string): FlagEvaluation | undefined {
    const flag = this.l1.get(name);
    return flag && evaluateFlag(flag, subject);
  }

  /** True when the flag exists, is enabled and its rollout covers `subject`. */
  isEnabled(name: string, subject = ''): boolean {
    return this.evaluate(name, subject)?.enabled ?? false;
  }

  /**
   * Writes a flag (one Lua call), applies it here and publishes it to the other instances. A failed
   * PUBLISH does not fail the write (it is stored): the others catch up at their next version check.
   * @throws FlagNameError on a bad name; the Redis error when the write itself fails.
   */
  async set(name: string, value: { enabled: boolean; rolloutPercent: number }): Promise<FeatureFlag> {
    if (!FLAG_NAME.test(name)) throw new FlagNameError(`invalid flag name: ${name}`);
    if (!Number.isInteger(value.rolloutPercent) || value.rolloutPercent < 0 || value.rolloutPercent > 100) {
      throw new RangeError(`rolloutPercent must be an integer from 0 to 100: ${value.rolloutPercent}`);
    }
    const [epoch, doc] = await this.scripts.run<[string, string]>(
      'flags-put',
      [this.hashKey],
      [name, value.enabled ? '1' : '0', value.rolloutPercent, randomBytes(8).toString('hex')],
    );
    const message: FlagMessage = { epoch, flag: parse(doc) };
    if (this.l1.apply(epoch, message.flag) === 'gap') {
      // Read-your-writes on this instance: a load that started before the write may miss it.
      await this.syncing;
      await this.resync();
    }
    try {
      await this.pubsub.publish(FLAGS_TOPIC, message);
    } catch (err) {
      this.logger.warn(`flag ${name} stored but not published (${(err as Error).message}): others resync`);
    }
    return message.flag;
  }

  /** Reloads every flag from Redis (one HGETALL); concurrent calls share one load. */
  resync(): Promise<void> {
    this.syncing ??= this.load().finally(() => (this.syncing = undefined));
    return this.syncing;
  }

  private async load(): Promise<void> {
    try {
      const all = await this.redis.hgetall(this.hashKey);
      const flags: FeatureFlag[] = [];
      for (const [field, doc] of Object.entries(all)) if (!field.startsWith('__')) flags.push(parse(doc));
      this.l1.replace(all[EPOCH] ?? '', Number(all[VERSION] ?? 0), flags);
      if (this.failing) this.logger.log('flags reloaded from Redis again');
      this.failing = false;
    } catch (err) {
      if (!this.failing) this.logger.warn(`flags not reloaded (${(err as Error).message}): serving memory`);
      this.failing = true;
      // Retry soon rather than at the next periodic check: a boot while Redis is down starts empty.
      this.retry ??= setTimeout(() => {
        this.retry = undefined;
        void this.resync();
      }, RETRY_MS).unref();
    }
  }

  /** The periodic check: one HMGET of the counter and epoch, a reload only when either differs. */
  private async check(): Promise<void> {
    try {
      const [version, epoch] = await this.redis.hmget(this.hashKey, VERSION, EPOCH);
      if (Number(version ?? 0) !== this.l1.version || (epoch ?? '') !== this.l1.epoch) await this.resync();
    } catch {
      // Redis unreachable: memory keeps serving; the next tick tries again.
    }
  }

  private receive(message: FlagMessage): void {
    if (this.l1.apply(message.epoch, message.flag) === 'gap') void this.resync();
  }
}
