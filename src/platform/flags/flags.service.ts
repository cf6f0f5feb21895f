import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
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
 * Writes go to one Redis hash with a version counter (one Lua call), then one PUBLISH tells every
 * instance to apply the new flag. Pub/sub loses messages while a subscription is down, so each instance
 * also reloads everything after every (re)subscription, when it sees a version gap, and whenever a
 * periodic GET of the version counter differs from its own: a lost message costs at most
 * `resyncIntervalMs` of staleness, never a stale instance for ever.
 * @example
 * if (flags.isEnabled('new-checkout', customerId)) { ... }
 */
@Injectable()
export class FlagsService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Flags');
  private readonly l1 = new FlagsL1();
  private readonly intervalMs: number;
  private timer?: NodeJS.Timeout;
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

  private get hashKey(): string {
    return this.keys.tagged('flag', ['flags'], 'all');
  }

  private get versionKey(): string {
    return this.keys.tagged('flag', ['flags'], 'version');
  }

  async onApplicationBootstrap(): Promise<void> {
    this.offs.push(
      this.pubsub.subscribe<FeatureFlag>(FLAGS_TOPIC, (flag) => this.receive(flag)),
      this.pubsub.onUp(() => void this.resync()),
    );
    this.timer = setInterval(() => void this.check(), this.intervalMs);
    this.timer.unref();
    await this.resync();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
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
    const doc = await this.scripts.run<string>(
      'flags-put',
      [this.hashKey, this.versionKey],
      [name, value.enabled ? '1' : '0', value.rolloutPercent],
    );
    const flag = parse(doc);
    this.receive(flag);
    try {
      await this.pubsub.publish(FLAGS_TOPIC, flag);
    } catch (err) {
      this.logger.warn(`flag ${name} stored but not published (${(err as Error).message}): others resync`);
    }
    return flag;
  }

  /** Reloads every flag from Redis (one Lua call); concurrent calls share one load. */
  resync(): Promise<void> {
    this.syncing ??= this.load().finally(() => (this.syncing = undefined));
    return this.syncing;
  }

  private async load(): Promise<void> {
    try {
      const [version, ...pairs] = await this.scripts.run<string[]>(
        'flags-snapshot',
        [this.hashKey, this.versionKey],
        [],
      );
      const flags: FeatureFlag[] = [];
      for (let i = 0; i + 1 < pairs.length; i += 2) flags.push(parse(pairs[i + 1]!));
      this.l1.replace(Number(version), flags);
      if (this.failing) this.logger.log('flags reloaded from Redis again');
      this.failing = false;
    } catch (err) {
      if (!this.failing) this.logger.warn(`flags not reloaded (${(err as Error).message}): serving memory`);
      this.failing = true;
    }
  }

  /** The periodic check: one GET of the version counter, a reload only when it differs. */
  private async check(): Promise<void> {
    try {
      const remote = Number((await this.redis.get(this.versionKey)) ?? 0);
      if (remote !== this.l1.version) await this.resync();
    } catch {
      // Redis unreachable: memory keeps serving; the next tick tries again.
    }
  }

  private receive(flag: FeatureFlag): void {
    if (this.l1.apply(flag) === 'gap') void this.resync();
  }
}
