import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineSharedCommand } from '../compat/ioredis.compat.js';
import type { RedisClient } from './redis.types.js';

/** A script found on disk: `<name>-<numKeys>.lua`. */
export interface LuaScriptFile {
  /** Kebab-case name from the file (`lock-acquire`). */
  name: string;
  /** The ioredis command name it is registered under (`lockAcquire`). */
  command: string;
  numberOfKeys: number;
  lua: string;
}

const FILE = /^([a-z][a-z0-9-]*)-(\d+)\.lua$/;

/** The platform folder (`src/platform` in tests, `dist/platform` when built): its `<module>/lua/` folders hold the scripts. */
export const PLATFORM_DIR = dirname(dirname(fileURLToPath(import.meta.url)));

/** Finds every `lua/<name>-<numKeys>.lua` below the given directories. */
export function findLuaScripts(dirs: string[]): LuaScriptFile[] {
  const found = new Map<string, LuaScriptFile>();
  for (const dir of dirs) {
    for (const rel of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
      const match = FILE.exec(basename(rel));
      if (!match || basename(dirname(join(dir, rel))) !== 'lua') continue;
      const name = match[1]!;
      if (found.has(name)) throw new Error(`two Lua scripts are named ${name}`);
      const command = name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
      found.set(name, {
        name,
        command,
        numberOfKeys: Number(match[2]),
        lua: readFileSync(join(dir, rel), 'utf8'),
      });
    }
  }
  return [...found.values()];
}

/**
 * The Lua scripts registered on a client with `defineCommand`: ioredis sends EVALSHA and falls back to
 * EVAL once on NOSCRIPT (after a restart or failover), so each call is one round trip.
 * @example
 * const [ok, token] = await scripts.run<[number, number]>('lock-acquire', [lockKey, fenceKey], [owner, ttlMs]);
 */
export class LuaScripts {
  private readonly commands = new Map<string, LuaScriptFile>();

  constructor(
    private readonly client: RedisClient,
    files: LuaScriptFile[],
  ) {
    for (const file of files) {
      defineSharedCommand(client, file.command, { numberOfKeys: file.numberOfKeys, lua: file.lua });
      this.commands.set(file.name, file);
    }
  }

  /** Names of the registered scripts. */
  names(): string[] {
    return [...this.commands.keys()];
  }

  /** Runs a script by its file name; `keys` must match the file's declared count. */
  run<T>(name: string, keys: string[], args: (string | number | Buffer)[], client = this.client): Promise<T> {
    const file = this.commands.get(name);
    if (!file) throw new Error(`unknown Lua script ${name}`);
    if (keys.length !== file.numberOfKeys) {
      throw new Error(`Lua script ${name} takes ${file.numberOfKeys} keys, got ${keys.length}`);
    }
    const fn = (client as unknown as Record<string, (...a: unknown[]) => Promise<T>>)[file.command];
    if (typeof fn !== 'function') throw new Error(`Lua script ${name} is not registered on this client`);
    return fn.call(client, ...keys, ...args);
  }
}
