/**
 * A bus message. `inv`: drop keys `k` and move tags `g` to new versions; `epoch`: the epoch moved to `e`;
 * `fill`: keys `k` were just filled; `ack`: the sender `f` applied message `id`.
 */
export interface BusMessage {
  t: 'inv' | 'epoch' | 'fill' | 'ack';
  /** Sender's instance id. */
  f: string;
  /** Message id (acknowledged messages only). */
  id?: string;
  k?: string[];
  g?: Record<string, number>;
  e?: number;
  /** Sender's wall clock when publishing (ms, fractional): receivers measure the delivery delay. */
  ts?: number;
}

const TYPES = new Set(['inv', 'epoch', 'fill', 'ack']);
const isStringArray = (v: unknown): v is string[] =>
  Array.isArray(v) && v.every((s) => typeof s === 'string');

/** Parses and checks a message; anything malformed is ignored (undefined), never thrown. */
export function parseBusMessage(raw: string): BusMessage | undefined {
  let msg: unknown;
  try {
    msg = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (!msg || typeof msg !== 'object') return undefined;
  const m = msg as Record<string, unknown>;
  if (typeof m.t !== 'string' || !TYPES.has(m.t) || typeof m.f !== 'string') return undefined;
  if (m.id !== undefined && typeof m.id !== 'string') return undefined;
  if (m.k !== undefined && !isStringArray(m.k)) return undefined;
  if (m.e !== undefined && !Number.isSafeInteger(m.e)) return undefined;
  if (m.ts !== undefined && !Number.isFinite(m.ts)) return undefined;
  let g: Record<string, number> | undefined;
  if (m.g !== undefined) {
    if (!m.g || typeof m.g !== 'object' || Array.isArray(m.g)) return undefined;
    // A null-prototype copy: tag names from the wire never touch Object.prototype.
    g = Object.create(null) as Record<string, number>;
    for (const [tag, version] of Object.entries(m.g as Record<string, unknown>)) {
      if (!Number.isSafeInteger(version)) return undefined;
      g[tag] = version as number;
    }
  }
  return {
    t: m.t as BusMessage['t'],
    f: m.f,
    id: m.id as string | undefined,
    k: m.k as string[] | undefined,
    g,
    e: m.e as number | undefined,
    ts: m.ts as number | undefined,
  };
}
