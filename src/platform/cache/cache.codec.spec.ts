import { describe, expect, it } from '@jest/globals';
import { decodeL1, decodeL2, encodeL1, encodePayload, entryHeader, type EntryMeta } from './cache.codec.js';

const meta: EntryMeta = {
  version: 3,
  epoch: 2,
  expiresAt: 1_700_000_060_000,
  staleUntil: 1_700_000_660_000,
  tags: [
    ['car:42', 7],
    ['cars', 0],
  ],
};

describe('cache codec', () => {
  it('round-trips the L1 form', () => {
    const raw = encodeL1(meta, '{"a":1}');
    expect(decodeL1(raw)).toEqual({ meta, payload: '{"a":1}' });
  });

  it('reads an L2 entry as the Lua scripts write it, compressed or not', () => {
    const small = encodePayload('{"a":1}', 2048);
    expect(small.flags).toBe('');
    const big = encodePayload(JSON.stringify({ text: 'x'.repeat(10_000) }), 2048);
    expect(big.flags).toBe('z');
    expect(big.body.length).toBeLessThan(1000);
    for (const { body, flags } of [small, big]) {
      const raw = Buffer.concat([Buffer.from(`${entryHeader(meta, flags)}\n`, 'latin1'), body]);
      const decoded = decodeL2(raw);
      expect(decoded.kind).toBe('entry');
      if (decoded.kind === 'entry') expect(decoded.meta).toEqual(meta);
    }
  });

  it('reads tombstones and refuses malformed or hostile entries', () => {
    expect(decodeL2(Buffer.from('T|9|'))).toEqual({ kind: 'tombstone', version: 9 });
    for (const bad of ['garbage', 'E|1|0|x|2||\n{}', 'E|1|0|1|2||a|b\n{}', 'E|1|0|1|2|z|\nnot-deflate']) {
      expect(() => decodeL2(Buffer.from(bad))).toThrow(
        expect.objectContaining({ code: 'CACHE_CORRUPT_ENTRY' }),
      );
    }
  });
});
