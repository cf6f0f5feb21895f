import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { ConfigError, validateEnv } from './env.schema.js';
import { ALL_SETTINGS } from './settings.js';
import { readmeSettingsRows, settingsRows } from './settings.docs.js';

const production = {
  NODE_ENV: 'production',
  REDIS_URL: 'redis://127.0.0.1:1',
  DATABASE_URL: 'postgres://u:p@127.0.0.1:1/db',
  AUTH_JWKS_URL: 'https://idp.example/jwks',
  SMTP_URL: 'smtp://127.0.0.1:25',
};

function messageOf(env: Record<string, string>): string {
  try {
    validateEnv(env);
    return 'ok';
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
}

describe('settings', () => {
  it('a bad value is one line naming the variable and the expected form', () => {
    expect(messageOf({ PORT: '70000' })).toBe('PORT must be an integer from 0 to 65535');
    expect(messageOf({ TRUST_PROXY: '1.5' })).toBe('TRUST_PROXY must be the number of proxy hops, 0 to 10');
    expect(messageOf({ BENCH_ROUTES: '' })).toBe('BENCH_ROUTES must be 0 or 1');
    expect(messageOf({ NODE_ENV: 'prod' })).toBe('NODE_ENV must be development, production or test');
    expect(messageOf({ RATE_LIMIT_EXPORT: '5 per minute' })).toMatch(
      /^RATE_LIMIT_EXPORT must look like 5\/60s \(limit\/window with ms, s, m or h\)/,
    );
  });

  it('unset and empty values take the declared defaults, computed ones from the others', () => {
    const env = validateEnv({ PORT: '', NODE_ENV: 'test' });
    expect(env.PORT).toBe(3000);
    expect(env.LOG_LEVEL).toBe('warn');
    expect(env.HOST).toBe('0.0.0.0');
    expect(validateEnv({ BENCH_ROUTES: '1' }).HOST).toBe('127.0.0.1');
    expect(env.CACHE_ENABLED).toBe(true);
    expect(env.EMAIL_TRANSPORT).toBe('log');
    expect(env.REDIS_URL).toBeUndefined();
  });

  it.each(ALL_SETTINGS.filter(([, s]) => s.only).map(([name]) => name))(
    'production refuses %s=1 with one line, and accepts it off',
    (name) => {
      expect(messageOf(production)).toBe('ok');
      expect(messageOf({ ...production, [name]: '1' })).toMatch(
        new RegExp(`^${name}=1 .*NODE_ENV=production`),
      );
      expect(messageOf({ ...production, [name]: '0' })).toBe('ok');
      expect(messageOf({ NODE_ENV: 'test', [name]: '1' })).toBe('ok');
    },
  );

  it('README.md shows the settings table as declared (npm run docs:settings writes it)', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    expect(readmeSettingsRows(readme)).toEqual(settingsRows());
  });
});
