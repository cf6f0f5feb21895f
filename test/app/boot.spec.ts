import { describe, expect, it } from '@jest/globals';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { startApp } from '../support/app-process.js';
import { TEST_ADMIN_TOKEN, TEST_JWT_SECRET } from '../support/auth.js';
import { repoRoot, testTmpDir } from '../support/tmp.js';

/** Boots the built app with `env` and returns its exit status and output (for configuration errors). */
function boot(env: Record<string, string>) {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('REDIS_') && k !== 'DATABASE_URL'),
  ) as Record<string, string>;
  const r = spawnSync(process.execPath, [join(repoRoot, 'dist/main.js')], {
    env: { ...clean, NODE_ENV: 'test', PORT: '0', HOST: '127.0.0.1', ...env },
    encoding: 'utf8',
    timeout: 40_000,
  });
  return { status: r.status, lines: (r.stdout + r.stderr).trim().split('\n').filter(Boolean) };
}

describe('configuration at boot', () => {
  it.each([
    ['REDIS_CLUSTER_NODES', { REDIS_CLUSTER_NODES: '127.0.0.1,nope:' }],
    ['REDIS_URL', { REDIS_URL: 'http://localhost:6379' }],
    ['PORT', { PORT: '70000' }],
    ['REDIS_SENTINEL_NAME', { REDIS_SENTINELS: '127.0.0.1:26379' }],
    ['RATE_LIMIT_DEFAULT', { RATE_LIMIT_DEFAULT: 'lots' }],
  ])('a bad %s stops the boot with one line naming it', (variable, env) => {
    const { status, lines } = boot(env);
    expect(status).toBe(1);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(variable);
  });

  it('production without Redis or database settings stops with one line', () => {
    const { status, lines } = boot({ NODE_ENV: 'production' });
    expect(status).toBe(1);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/REDIS_URL/);
  });

  it.each([
    ['AUTH_JWT_SECRET', {}],
    ['ADMIN_TOKEN', { AUTH_JWT_SECRET: 'p'.repeat(40), ADMIN_TOKEN: TEST_ADMIN_TOKEN }],
    ['AUTH_JWT_SECRET', { AUTH_JWT_SECRET: TEST_JWT_SECRET }],
  ])(
    'production refuses to start without a verifier, or with a secret published in the repository (%s)',
    (variable, env) => {
      const { status, lines } = boot({
        NODE_ENV: 'production',
        REDIS_URL: 'redis://127.0.0.1:1',
        DATABASE_URL: 'postgres://u:p@127.0.0.1:1/db',
        AUTH_JWT_SECRET: '',
        ADMIN_TOKEN: '',
        ...env,
      });
      expect(status).toBe(1);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(variable);
    },
  );

  it.each([
    'IDEMPOTENCY_TEST_HOOKS',
    'TEST_DISABLE_LOCKS',
    'RATE_LIMIT_PROBE_ROUTES',
    'WEBHOOK_ALLOW_PRIVATE',
  ])('production refuses the test-only switch %s=1 with one line naming it', (variable) => {
    const { status, lines } = boot({
      NODE_ENV: 'production',
      REDIS_URL: 'redis://127.0.0.1:1',
      DATABASE_URL: 'postgres://u:p@127.0.0.1:1/db',
      AUTH_JWT_SECRET: 'p'.repeat(40),
      ADMIN_TOKEN: '',
      SMTP_URL: 'smtp://127.0.0.1:1',
      [variable]: '1',
    });
    expect(status).toBe(1);
    expect(lines).toEqual([
      expect.stringMatching(new RegExp(`^configuration error: ${variable}=1 .*NODE_ENV=production`)),
    ]);
  });

  it('with no redis-server on PATH, the embedded default stops with a line saying what to do', () => {
    const { status, lines } = boot({ PATH: '/nonexistent', DATA_DIR: testTmpDir('no-redis') });
    expect(status).toBe(1);
    expect(lines.at(-1)).toMatch(/redis-server.*(apt-get install|REDIS_URL)/);
  });
});

describe('embedded defaults', () => {
  it('starts its own redis-server and PGlite, is ready, and SIGTERM stops both within 5 s', async () => {
    const dataDir = testTmpDir('embedded');
    // No AUTH_* variable: the first start writes an HS256 secret under DATA_DIR, `npm run token` signs with it.
    const app = await startApp({
      env: { DATA_DIR: dataDir, AUTH_JWT_SECRET: '', AUTH_ISSUER: '', AUTH_AUDIENCE: '' },
    });
    expect(existsSync(join(dataDir, 'auth', 'jwt-secret'))).toBe(true);
    const token = execFileSync(process.execPath, [join(repoRoot, 'scripts/token.mjs'), '--sub', 'newcomer'], {
      env: { ...process.env, DATA_DIR: dataDir, AUTH_JWT_SECRET: '', AUTH_ISSUER: '', AUTH_AUDIENCE: '' },
      encoding: 'utf8',
    }).trim();
    const me = await fetch(`${app.url}/auth/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(me.status).toBe(200);
    expect(((await me.json()) as { principal: { sub: string } }).principal.sub).toBe('newcomer');
    const res = await fetch(`${app.url}/health/ready`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { details: Record<string, { status: string; kind?: string }> };
    expect(body.details.redis?.status).toBe('up');
    expect(body.details.database).toMatchObject({ status: 'up', kind: 'pglite' });
    expect(existsSync(join(dataDir, 'redis', 'embedded.lock'))).toBe(true);

    const exit = await app.stop('SIGTERM', 10_000);
    expect(exit.durationMs).toBeLessThan(5_000);
    // Nest re-raises the signal after a clean close, so the process ends by SIGTERM (or exits 0).
    expect(exit.code === 0 || exit.signal === 'SIGTERM').toBe(true);
    // The embedded server is gone with it (its lock removed, no process left on that data dir).
    expect(existsSync(join(dataDir, 'redis', 'embedded.lock'))).toBe(false);
    // redis-server rewrites its title, but its working directory is its data dir.
    const leftovers = readdirSync('/proc')
      .filter((p) => /^\d+$/.test(p))
      .filter((p) => {
        try {
          return readlinkSync(`/proc/${p}/cwd`).startsWith(dataDir);
        } catch {
          return false;
        }
      });
    expect(leftovers).toEqual([]);
    console.log(`SIGTERM to exit: ${exit.durationMs} ms`);
  }, 60_000);
});

describe('V8 tuning', () => {
  // Every object of one literal site outlives a young-generation GC: the pattern that makes V8 pretenure a
  // site. `--trace-pretenuring-statistics` prints a line per site each GC while pretenuring is on.
  const survivors =
    'const ring = new Array(50000); for (let i = 0; i < 3e6; i++) ring[i % 50000] = { i, a: [i] };';
  const pretenuringLines = (args: string[]) => {
    const r = spawnSync(process.execPath, ['--trace-pretenuring-statistics', ...args, '-e', survivors], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(r.status).toBe(0);
    return r.stdout.split('\n').filter((l) => l.includes('pretenuring:')).length;
  };
  const tuning = join(repoRoot, 'dist/v8-tuning.js');

  it('turns allocation-site pretenuring off, unless node was started with it on', () => {
    expect(pretenuringLines([])).toBeGreaterThan(0);
    expect(pretenuringLines(['--import', tuning])).toBe(0);
    expect(pretenuringLines(['--allocation-site-pretenuring', '--import', tuning])).toBeGreaterThan(0);
  });

  it('is the first module the app loads', () => {
    const main = readFileSync(join(repoRoot, 'dist/main.js'), 'utf8');
    expect(main.match(/^import\s.*$/m)?.[0]).toBe("import './v8-tuning.js';");
  });
});
