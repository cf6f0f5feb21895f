import { Inject, Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { KeyBuilder, LuaScripts, REDIS_CLIENT, type RedisClient } from '../redis/index.js';

/** A stored session: its data plus when it was made and when Redis drops it. */
export interface StoredSession<T> {
  id: string;
  /** Who created it (a principal's `sub`); only they may read or delete it (an admin passes no owner). */
  owner?: string;
  data: T;
  createdAt: string;
  expiresAt: string;
}

/** Session ids: 128 random bits, 32 lowercase hex characters. */
export const SESSION_ID = /^[0-9a-f]{32}$/;

/** Kinds are code constants (`upload`); they become a key part. */
const KIND = /^[a-z][a-z0-9-]{0,31}$/;

/**
 * Short-lived JSON records under unguessable ids, expired by Redis:
 * `{prefix}:session:{kind}:{id}`, one SET ... EX NX to create, one GET to read, one script call to delete.
 * A session made with an owner answers only that owner (or a caller passing no owner: an admin); the id
 * alone is not enough.
 * @example
 * const { id, expiresAt } = await sessions.create('upload', { fileName, size }, 900);
 * const found = await sessions.get<UploadData>('upload', id); // null once expired or deleted
 */
@Injectable()
export class SessionStore {
  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
    private readonly keys: KeyBuilder,
    private readonly scripts: LuaScripts,
  ) {}

  /** The key of a session. */
  key(kind: string, id: string): string {
    if (!KIND.test(kind)) throw new Error(`invalid session kind: ${kind}`);
    return this.keys.key('session', kind, id);
  }

  /** Stores `data` for `ttlSeconds` under a new random id. */
  async create<T>(kind: string, data: T, ttlSeconds: number, owner?: string): Promise<StoredSession<T>> {
    if (!Number.isSafeInteger(ttlSeconds) || ttlSeconds < 1) throw new Error(`invalid TTL: ${ttlSeconds}`);
    const now = Date.now();
    const session: StoredSession<T> = {
      id: randomBytes(16).toString('hex'),
      ...(owner === undefined ? {} : { owner }),
      data,
      createdAt: new Date(now).toISOString(),
      expiresAt: new Date(now + ttlSeconds * 1000).toISOString(),
    };
    // NX: a 128-bit collision is not expected, but if one happened it must not overwrite a live session.
    const ok = await this.redis.set(
      this.key(kind, session.id),
      JSON.stringify(session),
      'EX',
      ttlSeconds,
      'NX',
    );
    if (ok !== 'OK') throw new Error('session id collision');
    return session;
  }

  /**
   * The session, or null when it expired, was deleted, never existed (or `id` is not an id), or belongs to
   * someone other than `owner` (undefined: any owner).
   */
  async get<T>(kind: string, id: string, owner?: string): Promise<StoredSession<T> | null> {
    if (!SESSION_ID.test(id)) return null;
    const raw = await this.redis.get(this.key(kind, id));
    if (raw === null) return null;
    const session = JSON.parse(raw) as StoredSession<T>;
    return owner === undefined || session.owner === owner ? session : null;
  }

  /** Deletes a session (only `owner`'s, when given), in one script call; true when it was deleted. */
  async delete(kind: string, id: string, owner?: string): Promise<boolean> {
    if (!SESSION_ID.test(id)) return false;
    return (
      (await this.scripts.run<number>('session-delete-owned', [this.key(kind, id)], [owner ?? ''])) === 1
    );
  }
}
