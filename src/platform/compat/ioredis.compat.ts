// How the platform registers its Lua scripts on an ioredis client without making every auto-pipeline
// pay for them. Relies on ioredis 6's Pipeline copying `client.scriptsSet` (and nothing else about
// scripts) when it is made, and on a script's command functions sending through `this`. Checked by
// ioredis.compat.spec.ts.
import { Pipeline } from 'ioredis';
import type { RedisClient } from '../redis/redis.types.js';

export interface ScriptDefinition {
  numberOfKeys: number;
  lua: string;
}

/** The definitions put on Pipeline.prototype, so one name can never mean two scripts. */
const shared = new Map<string, ScriptDefinition>();

/**
 * `client.defineCommand(name, definition)`, with the command shared by every pipeline instead of
 * copied into each one. ioredis copies each defined script onto every new Pipeline (two properties per
 * script and a concatenated name), and with auto-pipelining a pipeline is made for each event-loop
 * turn that sends commands: with the platform's 38 scripts, that copy cost about 3 us of CPU per
 * command in batches of 8 and 12 us in batches of 2. The script's two functions go on
 * Pipeline.prototype once instead (they only use `this` to send, so they serve every client's
 * pipelines), and the client's `scriptsSet` no longer lists them. A command defined after a pipeline
 * was made is now also known to it.
 * @throws Error when `name` is one of ioredis' own commands, or already defined with another script.
 */
export function defineSharedCommand(client: RedisClient, name: string, definition: ScriptDefinition): void {
  // A script bound to an ioredis keyPrefix is that client's own (the platform prefixes keys itself).
  if (client.options.keyPrefix) return void client.defineCommand(name, definition);
  const proto = Pipeline.prototype as unknown as Record<string, unknown>;
  const known = shared.get(name);
  if (known && (known.lua !== definition.lua || known.numberOfKeys !== definition.numberOfKeys)) {
    throw new Error(`the Lua command ${name} is already defined with another script`);
  }
  if (!known && name in proto) throw new Error(`the Lua command ${name} would hide ioredis' own ${name}`);
  client.defineCommand(name, definition);
  const own = client as unknown as Record<string, unknown> & { scriptsSet: Record<string, unknown> };
  if (!known) {
    proto[name] = own[name];
    proto[`${name}Buffer`] = own[`${name}Buffer`];
    shared.set(name, { ...definition });
  }
  delete own.scriptsSet[name];
}
