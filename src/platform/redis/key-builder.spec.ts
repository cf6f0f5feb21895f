import { createHash } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { KeyBuilder } from './key-builder.js';

describe('KeyBuilder', () => {
  const keys = new KeyBuilder('app');

  it('keeps plain parts and joins them with colons', () => {
    expect(keys.key('counter', 'views', '2026-11-22')).toBe('app:counter:views:2026-11-22');
    expect(keys.key('lb', 42)).toBe('app:lb:42');
  });

  it('hashes parts that could break the key space', () => {
    for (const hostile of ['a:b', '{x}', '*', 'a b', '', 'é', 'x'.repeat(65), 'a?b', '[ab]']) {
      const key = keys.key('cache', hostile);
      expect(key).toMatch(/^app:cache:#[A-Za-z0-9_-]{22}$/);
    }
    expect(keys.key('cache', 'a:b')).not.toBe(keys.key('cache', 'a;b'));
  });

  it('hashes with SHA-256 (base64url, 22 characters), remembered or not, short or long', () => {
    const sha = (v: string) => '#' + createHash('sha256').update(v).digest('base64url').slice(0, 22);
    const long = 'x:'.repeat(200);
    for (const value of ['ip:203.0.113.9', 'ip:203.0.113.9', 'ip:203.0.113.10', long, long]) {
      expect(KeyBuilder.part(value)).toBe(sha(value));
    }
  });

  it('cannot be tricked into a hashed form by a literal', () => {
    expect(keys.key('cache', '#abc')).toMatch(/^app:cache:#[A-Za-z0-9_-]{22}$/);
  });

  it('builds hash-tagged keys that share a slot', () => {
    expect(keys.tagged('lock', ['car', '42'])).toBe('app:lock:{car:42}');
    expect(keys.tagged('fence', ['car', '42'], 'x')).toBe('app:fence:{car:42}:x');
    expect(keys.tagged('lock', ['car', '{evil}'])).toMatch(/^app:lock:\{car:#[A-Za-z0-9_-]{22}\}$/);
  });

  it('rejects unsafe numbers and prefixes', () => {
    expect(() => keys.key('lb', 1.5)).toThrow();
    expect(() => new KeyBuilder('a:b')).toThrow();
  });

  it('gives BullMQ a hash-tagged prefix', () => {
    expect(keys.queuePrefix()).toBe('{app:q}');
  });
});
