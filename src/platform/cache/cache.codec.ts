import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { CacheError } from './cache.errors.js';

/** What the engine needs to judge an entry without parsing its payload. */
export interface EntryMeta {
  /** Bumped by every `set` and `delete` of the key; a fill only lands on the version it saw. */
  version: number;
  /** The cache epoch the entry was written in; entries of an older epoch are dead. */
  epoch: number;
  /** Fresh until (ms since the epoch, Redis server clock). */
  expiresAt: number;
  /** Servable as stale until (`expiresAt` + grace). */
  staleUntil: number;
  /** Each tag with the version it had when the value was loaded. */
  tags: [string, number][];
}

/** A decoded Redis value: an entry, or the tombstone a delete leaves. */
export type Decoded =
  { kind: 'entry'; meta: EntryMeta; payload: string } | { kind: 'tombstone'; version: number };

const ENTRY = /^E\|(\d+)\|(\d+)\|(\d+)\|(\d+)\|([a-z]*)\|([A-Za-z0-9_.:#=,-]*)$/;
const TOMBSTONE = /^T\|(\d+)\|$/;
const NEWLINE = 0x0a;
/** An inflated payload larger than this is refused (a crafted entry must not exhaust memory). */
const MAX_INFLATED = 64 * 1024 * 1024;

/** `tag=version,...` as stored in the header. */
export function formatTags(tags: [string, number][]): string {
  return tags.map(([t, v]) => `${t}=${v}`).join(',');
}

function parseHeader(header: string): { meta: EntryMeta; flags: string } | { tombstone: number } {
  const t = TOMBSTONE.exec(header);
  if (t) return { tombstone: Number(t[1]) };
  const m = ENTRY.exec(header);
  if (!m) throw new CacheError('CACHE_CORRUPT_ENTRY', 'unreadable cache entry header');
  const tags: [string, number][] = [];
  for (const item of m[6] ? m[6].split(',') : []) {
    const eq = item.lastIndexOf('=');
    const version = Number(item.slice(eq + 1));
    if (eq <= 0 || !Number.isSafeInteger(version)) {
      throw new CacheError('CACHE_CORRUPT_ENTRY', 'unreadable cache entry tags');
    }
    tags.push([item.slice(0, eq), version]);
  }
  const meta = {
    version: Number(m[1]),
    epoch: Number(m[2]),
    expiresAt: Number(m[3]),
    staleUntil: Number(m[4]),
    tags,
  };
  return { meta, flags: m[5]! };
}

/**
 * Decodes a header line alone (as the lock script returns it).
 * @throws CacheError `CACHE_CORRUPT_ENTRY` when it is unreadable.
 */
export function decodeHeader(
  header: string,
): { kind: 'entry'; meta: EntryMeta } | { kind: 'tombstone'; version: number } {
  const parsed = parseHeader(header);
  return 'tombstone' in parsed
    ? { kind: 'tombstone', version: parsed.tombstone }
    : { kind: 'entry', meta: parsed.meta };
}

/** The header line an entry is stored under (the Lua scripts build the same one for Redis). */
export function entryHeader(meta: EntryMeta, flags = ''): string {
  const { version, epoch, expiresAt, staleUntil, tags } = meta;
  return `E|${version}|${epoch}|${expiresAt}|${staleUntil}|${flags}|${formatTags(tags)}`;
}

/** The in-process form: header and plain JSON payload in one string (bounded by bytes in L1). */
export function encodeL1(meta: EntryMeta, payload: string): string {
  return `${entryHeader(meta)}\n${payload}`;
}

/** Decodes the in-process form. */
export function decodeL1(raw: string): { meta: EntryMeta; payload: string } {
  const nl = raw.indexOf('\n');
  const parsed = parseHeader(nl < 0 ? raw : raw.slice(0, nl));
  if ('tombstone' in parsed) throw new CacheError('CACHE_CORRUPT_ENTRY', 'tombstone in L1');
  return { meta: parsed.meta, payload: raw.slice(nl + 1) };
}

/** The payload as sent to Redis: deflated when larger than `threshold` bytes. */
export function encodePayload(payload: string, threshold: number): { body: Buffer; flags: string } {
  const body = Buffer.from(payload, 'utf8');
  if (body.length <= threshold) return { body, flags: '' };
  const deflated = deflateRawSync(body, { level: 1 });
  return deflated.length < body.length ? { body: deflated, flags: 'z' } : { body, flags: '' };
}

/**
 * Decodes a value read from Redis.
 * @throws CacheError `CACHE_CORRUPT_ENTRY` when the header, the compression or the encoding is wrong.
 */
export function decodeL2(raw: Buffer): Decoded {
  const nl = raw.indexOf(NEWLINE);
  const parsed = parseHeader(raw.toString('latin1', 0, nl < 0 ? raw.length : nl));
  if ('tombstone' in parsed) return { kind: 'tombstone', version: parsed.tombstone };
  if (nl < 0) throw new CacheError('CACHE_CORRUPT_ENTRY', 'cache entry without payload');
  const body = raw.subarray(nl + 1);
  try {
    const plain = parsed.flags.includes('z') ? inflateRawSync(body, { maxOutputLength: MAX_INFLATED }) : body;
    return { kind: 'entry', meta: parsed.meta, payload: plain.toString('utf8') };
  } catch (cause) {
    throw new CacheError('CACHE_CORRUPT_ENTRY', 'cannot inflate cache entry', { cause });
  }
}
