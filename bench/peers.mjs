#!/usr/bin/env node
// `npm run bench:peers`: the project against what teams stitch together today, in one run. The peer
// app (bench/peers: NestJS 11 on Express with @nestjs/throttler + a Redis storage, cache-manager + Keyv,
// redlock and @node-idempotency) and the project on each HTTP adapter serve the same six scenarios,
// driven in turns by bench/peers-drive.mjs (autocannon, 32 connections) against one private
// redis-server. Prints rps, app CPU per request and Redis commands per request for each app, and each
// project app over the peers (medians of the rounds, same run).
//
// Environment: BENCH_ROUNDS (3), BENCH_DURATION seconds per run (5), BENCH_ADAPTERS (express,fastify),
// BENCH_ACCESS_LOG=1 adds the Express app with LOG_LEVEL=info (the access log's cost), BENCH_SCENARIOS,
// BENCH_BUILD=1 rebuilds dist/. The peer app is installed and built on first use (npm ci, tsc).
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { median, root } from './harness.mjs';

const peersDir = join(root, 'bench/peers');
const rounds = process.env.BENCH_ROUNDS ?? '3';
const duration = process.env.BENCH_DURATION ?? '5';
const adapters = (process.env.BENCH_ADAPTERS ?? 'express,fastify').split(',').filter(Boolean);
const scenarios =
  process.env.BENCH_SCENARIOS ?? 'plain,throttled,cached,locked,idempotent-first,idempotent-replay';

if (!existsSync(join(peersDir, 'node_modules'))) {
  // The peer app pins NestJS 11 beside packages whose peer ranges lag behind it.
  execFileSync('npm', ['ci', '--legacy-peer-deps', '--no-audit', '--no-fund'], {
    cwd: peersDir,
    stdio: 'inherit',
  });
}
if (!existsSync(join(peersDir, 'dist/main.js'))) {
  execFileSync('npm', ['run', 'build'], { cwd: peersDir, stdio: 'inherit' });
}
if (!existsSync(join(root, 'dist/main.js')) || process.env.BENCH_BUILD === '1') {
  execFileSync('npx', ['nest', 'build'], { cwd: root, stdio: 'inherit' });
}

const work = mkdtempSync(join(tmpdir(), 'bench-peers-'));
const secret = randomBytes(48).toString('base64url');
// NODE_ENV=test: embedded PGlite (one directory per process) instead of a DATABASE_URL.
const project = (name, env) =>
  `${name}=NODE_ENV=test BENCH_ROUTES=1 AUTH_JWT_SECRET=${secret} DATA_DIR=${join(work, name)} ` +
  `EMAIL_TRANSPORT=log ${env} exec node ${JSON.stringify(join(root, 'dist/main.js'))}`;
const apps = [`peers=exec node ${JSON.stringify(join(peersDir, 'dist/main.js'))}`];
for (const adapter of adapters) apps.push(project(adapter, `HTTP_ADAPTER=${adapter} LOG_LEVEL=warn`));
if (process.env.BENCH_ACCESS_LOG === '1')
  apps.push(project('express-info', 'HTTP_ADAPTER=express LOG_LEVEL=info'));

const args = [join(root, 'bench/peers-drive.mjs'), '--rounds', rounds, '--duration', duration];
args.push('--scenarios', scenarios, '--start-timeout', '90', '--quiet');
for (const app of apps) args.push('--app', app);

const rows = [];
const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
let buffered = '';
child.stdout.on('data', (d) => {
  buffered += d;
  let nl;
  while ((nl = buffered.indexOf('\n')) >= 0) {
    const line = buffered.slice(0, nl);
    buffered = buffered.slice(nl + 1);
    if (line.trim()) rows.push(JSON.parse(line));
  }
});
const code = await new Promise((resolve) => child.once('exit', resolve));
rmSync(work, { recursive: true, force: true });
if (code !== 0) process.exit(code ?? 1);

// A Markdown table for the README: per scenario, each app's rps and CPU, and project/peers.
const summary = (app, s) => rows.find((r) => r.type === 'summary' && r.app === app && r.scenario === s);
const ratio = (app, s) => rows.find((r) => r.type === 'ratio' && r.b === app && r.scenario === s);
const projects = apps.slice(1).map((a) => a.slice(0, a.indexOf('=')));
const head = ['scenario', 'peers rps (CPU us/req)'];
for (const p of projects) head.push(`${p} rps (CPU us/req)`, `${p} / peers`);
const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
const fmt = (x) =>
  x ? `${Math.round(x.rps).toLocaleString('en')} (${Math.round(x.app_cpu_us_per_req)})` : '-';
for (const s of scenarios.split(',')) {
  const cells = [s, fmt(summary('peers', s))];
  for (const p of projects) cells.push(fmt(summary(p, s)), ratio(p, s)?.rps_b_over_a?.toFixed(2) ?? '-');
  lines.push(`| ${cells.join(' | ')} |`);
}
// The access log's cost: the Express app at `info` against the same app at `warn`, round by round (the
// rounds of a run differ more than the two apps do, so each is compared within its round).
let accessLog = '';
if (process.env.BENCH_ACCESS_LOG === '1' && projects.includes('express')) {
  const result = (app, s, round) =>
    rows.find((r) => r.type === 'result' && r.app === app && r.scenario === s && r.round === round);
  const cells = [];
  for (const s of scenarios.split(',')) {
    const rps = [];
    const cpu = [];
    for (let round = 1; round <= Number(rounds); round++) {
      const [warn, info] = [result('express', s, round), result('express-info', s, round)];
      if (!warn || !info) continue;
      rps.push(info.rps / warn.rps);
      cpu.push(info.app_cpu_us_per_req - warn.app_cpu_us_per_req);
    }
    if (rps.length === 0) continue;
    cells.push(
      `${s} ${median(rps).toFixed(3)} (CPU ${median(cpu) >= 0 ? '+' : ''}${median(cpu).toFixed(1)} us/req)`,
    );
  }
  accessLog = `\nAccess log (express-info / express, median of the per-round ratios): ${cells.join('; ')}\n`;
}
const meta = rows.find((r) => r.type === 'meta');
console.log(
  `\n${new Date().toISOString().slice(0, 10)}, ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), Node ` +
    `${process.version}, load average at start ${meta?.loadavg?.join(' ')}; ${rounds} rounds x ${duration} s, ` +
    `32 connections, medians\n\n${lines.join('\n')}\n${accessLog}`,
);
