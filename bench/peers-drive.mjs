#!/usr/bin/env node
// Benchmark driver: one private redis-server, one or more apps, the same HTTP
// scenarios against each, alternating A, B, A, B... scenario by scenario.
//
//   node drive.mjs [--app NAME=COMMAND]... [--rounds N] [--duration S]
//                  [--connections C] [--warmup S] [--scenarios a,b,...]
//                  [--out FILE] [--quiet]
//
// Each COMMAND runs through `sh -c` in the current directory with PORT and
// REDIS_URL in its environment; it must serve the /bench/* routes on
// 127.0.0.1:$PORT. Without --app, the peers app of this folder is used.
// (Vendored from the peer benchmark, generalised from two apps to any number: ratios are to the first.)
// Output: one JSON line per measured run on stdout (type "result"), then
// "summary" lines (medians over rounds, ratio to plain) and "ratio" lines (each
// later app over the first, median over rounds). A readable table goes to stderr.

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { appendFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const HOST = '127.0.0.1';

const ALL_SCENARIOS = ['plain', 'throttled', 'cached', 'locked', 'idempotent-first', 'idempotent-replay'];

// ---------------------------------------------------------------- arguments
const { values: opts } = parseArgs({
  options: {
    app: { type: 'string', multiple: true },
    rounds: { type: 'string', default: '1' },
    duration: { type: 'string', default: '8' },
    connections: { type: 'string', default: '32' },
    warmup: { type: 'string', default: '1' },
    scenarios: { type: 'string', default: ALL_SCENARIOS.join(',') },
    'redis-server': { type: 'string', default: process.env.REDIS_SERVER ?? 'redis-server' },
    'start-timeout': { type: 'string', default: '30' },
    out: { type: 'string' },
    quiet: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
  allowPositionals: false,
});

if (opts.help) {
  process.stdout.write(
    [
      'usage: node drive.mjs [--app NAME=COMMAND]... [--rounds N] [--duration S] [--connections C]',
      '                      [--warmup S] [--scenarios list] [--redis-server BIN] [--out FILE] [--quiet]',
      `scenarios: ${ALL_SCENARIOS.join(', ')}`,
      'Several --app options: each later app is compared with the first (ratios B/A, C/A, ...).',
      '',
    ].join('\n'),
  );
  process.exit(0);
}

function positiveNumber(name, raw) {
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number, got ${raw}`);
  return n;
}

const ROUNDS = Math.floor(positiveNumber('rounds', opts.rounds));
const DURATION = positiveNumber('duration', opts.duration);
const CONNECTIONS = Math.floor(positiveNumber('connections', opts.connections));
const WARMUP = Number(opts.warmup) >= 0 ? Number(opts.warmup) : 1;
const START_TIMEOUT_MS = positiveNumber('start-timeout', opts['start-timeout']) * 1000;
const SCENARIOS = opts.scenarios
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);
for (const s of SCENARIOS) {
  if (!ALL_SCENARIOS.includes(s))
    throw new Error(`unknown scenario "${s}" (known: ${ALL_SCENARIOS.join(', ')})`);
}

const defaultApp = `peers=node ${JSON.stringify(path.relative(process.cwd(), path.join(HERE, 'peers', 'dist', 'main.js')) || '.')}`;
const APPS = (opts.app?.length ? opts.app : [defaultApp]).map((spec) => {
  const eq = spec.indexOf('=');
  if (eq <= 0) throw new Error(`--app must be NAME=COMMAND, got "${spec}"`);
  return { name: spec.slice(0, eq), command: spec.slice(eq + 1), port: 0, child: null, logTail: '' };
});
if (new Set(APPS.map((a) => a.name)).size !== APPS.length) throw new Error('the apps need different names');

const log = (msg) => {
  if (!opts.quiet) process.stderr.write(`[drive] ${msg}\n`);
};

function emit(obj) {
  const line = JSON.stringify(obj);
  process.stdout.write(line + '\n');
  if (opts.out) appendFileSync(opts.out, line + '\n');
}

// ---------------------------------------------------------------- processes
const children = new Set(); // { pid, group, name }

function track(child, name, group) {
  const entry = { pid: child.pid, group, name, exited: false };
  children.add(entry);
  child.once('exit', () => {
    entry.exited = true;
    children.delete(entry);
  });
  return entry;
}

function signal(entry, sig) {
  try {
    // A process group (negative pid) for app commands run through sh, so
    // that the shell and everything it started get the signal.
    process.kill(entry.group ? -entry.pid : entry.pid, sig);
  } catch {
    /* already gone */
  }
}

async function stopChild(child, entry, graceMs = 3000) {
  if (!entry || entry.exited) return;
  const exited = once(child, 'exit').catch(() => {});
  signal(entry, 'SIGTERM');
  const timer = new Promise((r) => setTimeout(r, graceMs, 'timeout'));
  if ((await Promise.race([exited, timer])) === 'timeout') {
    signal(entry, 'SIGKILL');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 1000))]);
  }
}

// Last resort, synchronous: whatever is still alive gets SIGKILL.
function killAllNow() {
  for (const entry of children) signal(entry, 'SIGKILL');
}
process.on('exit', killAllNow);

let shuttingDown = null;
async function shutdown() {
  if (!shuttingDown) {
    shuttingDown = (async () => {
      for (const app of APPS) if (app.child) await stopChild(app.child, app.entry);
      if (redis.child) await stopChild(redis.child, redis.entry);
    })();
  }
  return shuttingDown;
}

for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.once(sig, () => {
    log(`got ${sig}, stopping everything`);
    currentRun?.stop?.();
    shutdown().finally(() => process.exit(sig === 'SIGINT' ? 130 : 143));
  });
}
function fail(err) {
  if (shuttingDown) return; // errors from connections torn down on purpose
  process.stderr.write(`[drive] error: ${err?.stack ?? err}\n`);
  shutdown().finally(() => process.exit(1));
}
process.on('uncaughtException', fail);
process.on('unhandledRejection', fail);

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, HOST, () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const SETTLE_MS = 200;

// ---------------------------------------------------------------- redis
const redis = { port: 0, child: null, entry: null, logTail: '' };

function keepTail(holder, chunk) {
  // Only the end of a chunk is kept: an app writing access lines sends megabytes a second through this
  // pipe, and decoding all of it would take CPU from the cores the apps are measured on.
  const tail = chunk.length > 4000 ? chunk.subarray(chunk.length - 4000) : chunk;
  holder.logTail = (holder.logTail + tail.toString()).slice(-4000);
}

async function redisPing(port) {
  return new Promise((resolve) => {
    const sock = net.connect({ host: HOST, port });
    let buf = '';
    sock.setTimeout(1000);
    sock.on('connect', () => sock.write('PING\r\n'));
    sock.on('data', (d) => {
      buf += d;
      if (buf.includes('\r\n')) {
        sock.destroy();
        resolve(buf.startsWith('+PONG'));
      }
    });
    sock.on('error', () => resolve(false));
    sock.on('timeout', () => {
      sock.destroy();
      resolve(false);
    });
  });
}

// One command over a fresh connection; returns the reply as a string
// (simple string, integer or bulk string).
function redisCommand(port, ...args) {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: HOST, port });
    let buf = Buffer.alloc(0);
    sock.setTimeout(2000);
    sock.on('connect', () => {
      sock.write(
        `*${args.length}\r\n` + args.map((a) => `$${Buffer.byteLength(String(a))}\r\n${a}\r\n`).join(''),
      );
    });
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      const eol = buf.indexOf('\r\n');
      if (eol < 0) return;
      const head = buf.subarray(0, eol).toString();
      if (head[0] === '$') {
        const len = Number(head.slice(1));
        if (len < 0) return done(null);
        if (buf.length >= eol + 2 + len) done(buf.subarray(eol + 2, eol + 2 + len).toString());
      } else if (head[0] === '-') {
        sock.destroy();
        reject(new Error(head));
      } else {
        done(head.slice(1));
      }
    });
    const done = (v) => {
      sock.destroy();
      resolve(v);
    };
    sock.on('error', reject);
    sock.on('timeout', () => {
      sock.destroy();
      reject(new Error('redis command timed out'));
    });
  });
}

async function redisCounters() {
  const [stats, cpu, keys] = await Promise.all([
    redisCommand(redis.port, 'INFO', 'stats'),
    redisCommand(redis.port, 'INFO', 'cpu'),
    redisCommand(redis.port, 'DBSIZE'),
  ]);
  const field = (text, name) => Number(new RegExp(`${name}:([\\d.]+)`).exec(text ?? '')?.[1] ?? NaN);
  return {
    commands: field(stats, 'total_commands_processed'),
    cpuSeconds: field(cpu, 'used_cpu_user') + field(cpu, 'used_cpu_sys'),
    keys: Number(keys),
  };
}

// CPU seconds (user + system) used so far by every live process of a
// process group, from /proc (Linux); null where /proc cannot be read.
const CLOCK_TICKS = 100; // USER_HZ on Linux
function groupCpuSeconds(pgid) {
  let ticks = 0;
  try {
    for (const name of readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      let stat;
      try {
        stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      } catch {
        continue; // gone meanwhile
      }
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(f[2]) === pgid) ticks += Number(f[11]) + Number(f[12]);
    }
  } catch {
    return null;
  }
  return ticks / CLOCK_TICKS;
}

// Busy CPU seconds of the whole machine so far (all cores), from /proc/stat.
function machineBusySeconds() {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const total = f.slice(0, 8).reduce((a, b) => a + b, 0); // user..steal
    return (total - f[3] - f[4]) / CLOCK_TICKS; // minus idle and iowait
  } catch {
    return null;
  }
}

async function startRedis() {
  redis.port = await freePort();
  const args = [
    '--port',
    String(redis.port),
    '--bind',
    HOST,
    '--save',
    '',
    '--appendonly',
    'no',
    '--protected-mode',
    'yes',
    '--daemonize',
    'no',
    '--loglevel',
    'warning',
  ];
  redis.child = spawn(opts['redis-server'], args, { stdio: ['ignore', 'pipe', 'pipe'] });
  redis.entry = track(redis.child, 'redis-server', false);
  redis.child.stdout.on('data', (d) => keepTail(redis, d));
  redis.child.stderr.on('data', (d) => keepTail(redis, d));
  const spawnError = once(redis.child, 'error').then(([e]) => e);
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (redis.entry.exited) throw new Error(`redis-server exited early:\n${redis.logTail}`);
    const err = await Promise.race([spawnError, sleep(50).then(() => null)]);
    if (err) throw new Error(`cannot start ${opts['redis-server']}: ${err.message}`);
    if (await redisPing(redis.port)) return `redis://${HOST}:${redis.port}`;
  }
  throw new Error(`redis-server did not answer PING on port ${redis.port}:\n${redis.logTail}`);
}

// ---------------------------------------------------------------- apps
async function request(port, method, urlPath, { headers = {}, body } = {}) {
  const res = await fetch(`http://${HOST}:${port}${urlPath}`, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(5000),
  });
  const text = await res.text();
  return { status: res.status, text, headers: res.headers };
}

async function startApp(app, redisUrl) {
  app.port = await freePort();
  app.child = spawn(app.command, {
    shell: true,
    detached: true, // own process group, killed as a whole
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      PORT: String(app.port),
      REDIS_URL: redisUrl,
      NODE_ENV: process.env.NODE_ENV ?? 'production',
    },
  });
  app.entry = track(app.child, app.name, true);
  app.child.stdout.on('data', (d) => keepTail(app, d));
  app.child.stderr.on('data', (d) => keepTail(app, d));
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (app.entry.exited) throw new Error(`app ${app.name} exited before answering:\n${app.logTail}`);
    try {
      const r = await request(app.port, 'GET', '/bench/plain');
      if (r.status === 200) return;
    } catch {
      /* not up yet */
    }
    await sleep(100);
  }
  throw new Error(
    `app ${app.name} did not answer GET /bench/plain within ${START_TIMEOUT_MS / 1000} s:\n${app.logTail}`,
  );
}

// ---------------------------------------------------------------- scenarios
const RUN_ID = `${Date.now().toString(36)}${process.pid.toString(36)}`;
let keySeq = 0;
const JSON_HEADERS = { 'content-type': 'application/json' };
const AMOUNT_BODY = JSON.stringify({ amount: 42 });

// Each scenario: autocannon options for the load, and a check (one request
// that must answer 2xx) run before the warm-up.
function scenarioSpec(name, app) {
  switch (name) {
    case 'plain':
    case 'throttled':
    case 'cached':
      return {
        load: { method: 'GET', path: `/bench/${name}` }, // path goes into the url
        check: () => request(app.port, 'GET', `/bench/${name}`),
      };
    case 'locked':
      return {
        load: {
          requests: [
            {
              method: 'POST',
              setupRequest: (req) => ({
                ...req,
                path: `/bench/locked/${1 + Math.floor(Math.random() * 10000)}`,
              }),
            },
          ],
        },
        check: () => request(app.port, 'POST', '/bench/locked/1'),
      };
    case 'idempotent-first': {
      const prefix = `first-${app.name}-${RUN_ID}-`;
      return {
        load: {
          requests: [
            {
              method: 'POST',
              path: '/bench/idempotent',
              body: AMOUNT_BODY,
              setupRequest: (req) => ({
                ...req,
                headers: { ...JSON_HEADERS, 'idempotency-key': prefix + ++keySeq },
              }),
            },
          ],
        },
        check: () =>
          request(app.port, 'POST', '/bench/idempotent', {
            headers: { 'idempotency-key': prefix + ++keySeq },
            body: { amount: 42 },
          }),
      };
    }
    case 'idempotent-replay': {
      const key = `replay-${app.name}-${RUN_ID}`;
      return {
        load: {
          method: 'POST',
          path: '/bench/idempotent', // path goes into the url
          headers: { ...JSON_HEADERS, 'idempotency-key': key },
          body: AMOUNT_BODY,
        },
        // The first call creates the stored response; the second must replay it.
        check: async () => {
          const first = await request(app.port, 'POST', '/bench/idempotent', {
            headers: { 'idempotency-key': key },
            body: { amount: 42 },
          });
          if (first.status >= 300) return first;
          const again = await request(app.port, 'POST', '/bench/idempotent', {
            headers: { 'idempotency-key': key },
            body: { amount: 42 },
          });
          if (again.status < 300 && again.text !== first.text) {
            return { status: 0, text: `replay body differs from first: ${first.text} vs ${again.text}` };
          }
          return again;
        },
      };
    }
    default:
      throw new Error(`no spec for ${name}`);
  }
}

let currentRun = null;
function cannon(app, load, seconds) {
  // autocannon takes the path of single-request loads from the url only.
  const { path: urlPath = '/', ...rest } = load;
  const instance = autocannon({
    url: `http://${HOST}:${app.port}${urlPath}`,
    connections: CONNECTIONS,
    duration: seconds,
    timeout: 10,
    ...rest,
  });
  currentRun = instance;
  return new Promise((resolve, reject) => {
    instance.once('done', (res) => {
      currentRun = null;
      resolve(res);
    });
    instance.once('error', (err) => {
      currentRun = null;
      reject(err);
    });
  });
}

const checked = new Set();
async function runScenario(app, scenario, round) {
  const spec = scenarioSpec(scenario, app);
  if (!checked.has(`${app.name}/${scenario}`) || scenario === 'idempotent-replay') {
    const r = await spec.check();
    if (!(r.status >= 200 && r.status < 300)) {
      log(
        `WARNING ${app.name} ${scenario}: check request answered ${r.status}: ${String(r.text).slice(0, 200)}`,
      );
    }
    checked.add(`${app.name}/${scenario}`);
  }
  if (WARMUP > 0) await cannon(app, spec.load, WARMUP);
  await sleep(SETTLE_MS); // let requests still in flight finish
  const load1 = os.loadavg()[0]; // machine load just before the measured run
  const before = await redisCounters();
  const appCpuBefore = groupCpuSeconds(app.child.pid);
  const busyBefore = machineBusySeconds();
  const selfBefore = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const res = await cannon(app, spec.load, DURATION);
  await sleep(SETTLE_MS);
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const self = process.cpuUsage(selfBefore);
  const busyAfter = machineBusySeconds();
  const appCpuAfter = groupCpuSeconds(app.child.pid);
  const after = await redisCounters();
  const n = res.requests.total;
  // Per HTTP request in the measured window: commands Redis processed (the
  // three INFO/DBSIZE probes subtracted), CPU time of the app's process group
  // and of redis-server; plus keys created.
  const cmdsPerReq = n ? (after.commands - before.commands - 3) / n : null;
  const appCpuUs =
    n && appCpuBefore !== null && appCpuAfter !== null ? ((appCpuAfter - appCpuBefore) * 1e6) / n : null;
  const redisCpuUs = n ? ((after.cpuSeconds - before.cpuSeconds) * 1e6) / n : null;
  // CPU the machine spent on anything but this app, redis-server and this
  // driver while measuring, as a share of all cores: other work that skews
  // the figures (another benchmark, a build...).
  let otherCpuPct = null;
  if (busyBefore !== null && busyAfter !== null && appCpuBefore !== null && appCpuAfter !== null) {
    const ours =
      appCpuAfter - appCpuBefore + (after.cpuSeconds - before.cpuSeconds) + (self.user + self.system) / 1e6;
    otherCpuPct = Math.max(0, ((busyAfter - busyBefore - ours) / (wall * os.cpus().length)) * 100);
    if (otherCpuPct > 10)
      log(
        `WARNING other processes used ${otherCpuPct.toFixed(0)}% of the machine's CPU during ${app.name} ${scenario}`,
      );
  }
  const row = {
    type: 'result',
    app: app.name,
    scenario,
    round,
    rps: round2(res.requests.average),
    p50_ms: round2(res.latency.p50),
    p99_ms: round2(res.latency.p99),
    non2xx: res.non2xx,
    errors: res.errors,
    timeouts: res.timeouts,
    requests: res.requests.total,
    redis_cmds_per_req: round2(cmdsPerReq),
    app_cpu_us_per_req: round2(appCpuUs),
    redis_cpu_us_per_req: round2(redisCpuUs),
    redis_keys_added: after.keys - before.keys,
    duration_s: round2(res.duration),
    connections: CONNECTIONS,
    load1: round2(load1),
    other_cpu_pct: round2(otherCpuPct),
  };
  emit(row);
  return row;
}

// ---------------------------------------------------------------- stats
const round2 = (x) => (typeof x === 'number' && Number.isFinite(x) ? Math.round(x * 100) / 100 : null);
function median(xs) {
  const v = xs.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (!v.length) return null;
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}
const ratio = (b, a) => (typeof a === 'number' && a > 0 && typeof b === 'number' ? b / a : null);
const round3 = (x) => (x === null ? null : Math.round(x * 1000) / 1000);

function pad(s, n) {
  s = String(s ?? '-');
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

function report(rows) {
  const lines = [];
  const summaries = {};
  for (const app of APPS) {
    summaries[app.name] = {};
    for (const scenario of SCENARIOS) {
      const mine = rows.filter((r) => r.app === app.name && r.scenario === scenario);
      summaries[app.name][scenario] = {
        rps: median(mine.map((r) => r.rps)),
        p50_ms: median(mine.map((r) => r.p50_ms)),
        p99_ms: median(mine.map((r) => r.p99_ms)),
        non2xx: mine.reduce((s, r) => s + r.non2xx, 0),
        errors: mine.reduce((s, r) => s + r.errors + r.timeouts, 0),
        app_cpu_us: median(mine.map((r) => r.app_cpu_us_per_req)),
        redis_cmds: median(mine.map((r) => r.redis_cmds_per_req)),
      };
    }
    for (const scenario of SCENARIOS) {
      const s = summaries[app.name][scenario];
      const plain = summaries[app.name].plain;
      const vsPlain = plain ? round3(ratio(s.rps, plain.rps)) : null;
      emit({
        type: 'summary',
        app: app.name,
        scenario,
        rounds: ROUNDS,
        rps: round2(s.rps),
        p50_ms: round2(s.p50_ms),
        p99_ms: round2(s.p99_ms),
        non2xx: s.non2xx,
        errors: s.errors,
        app_cpu_us_per_req: round2(s.app_cpu_us),
        redis_cmds_per_req: round2(s.redis_cmds),
        rps_vs_plain: vsPlain,
      });
      lines.push(
        `${pad(app.name, 10)} ${pad(scenario, 18)} ${pad(round2(s.rps), 10)} ${pad(round2(s.p50_ms), 8)} ${pad(round2(s.p99_ms), 8)} ${pad(vsPlain, 8)} ${pad(round2(s.app_cpu_us), 9)} ${pad(s.non2xx, 7)} ${s.errors}`,
      );
    }
  }
  process.stderr.write(
    `\n${pad('app', 10)} ${pad('scenario', 18)} ${pad('rps', 10)} ${pad('p50_ms', 8)} ${pad('p99_ms', 8)} ${pad('vs_plain', 8)} ${pad('cpu_us', 9)} ${pad('non2xx', 7)} errors\n${lines.join('\n')}\n`,
  );

  // Every app after the first against the first (A): B/A, C/A, ... per scenario, median over rounds.
  const [A, ...others] = APPS;
  for (const B of others) {
    const out = [];
    for (const scenario of SCENARIOS) {
      const per = { rps: [], p50: [], p99: [], cpu: [] };
      for (let round = 1; round <= ROUNDS; round++) {
        const a = rows.find((r) => r.app === A.name && r.scenario === scenario && r.round === round);
        const b = rows.find((r) => r.app === B.name && r.scenario === scenario && r.round === round);
        if (!a || !b) continue;
        per.rps.push(ratio(b.rps, a.rps));
        per.p50.push(ratio(b.p50_ms, a.p50_ms));
        per.p99.push(ratio(b.p99_ms, a.p99_ms));
        per.cpu.push(ratio(b.app_cpu_us_per_req, a.app_cpu_us_per_req));
      }
      const row = {
        type: 'ratio',
        a: A.name,
        b: B.name,
        scenario,
        rounds: per.rps.length,
        rps_b_over_a: round3(median(per.rps)),
        p50_b_over_a: round3(median(per.p50)),
        p99_b_over_a: round3(median(per.p99)),
        app_cpu_b_over_a: round3(median(per.cpu)),
      };
      emit(row);
      out.push(
        `${pad(scenario, 18)} ${pad(row.rps_b_over_a, 8)} ${pad(row.p50_b_over_a, 8)} ${pad(row.p99_b_over_a, 8)} ${row.app_cpu_b_over_a}`,
      );
    }
    process.stderr.write(
      `\n${B.name}/${A.name}, median over rounds\n${pad('scenario', 18)} ${pad('rps', 8)} ${pad('p50', 8)} ${pad('p99', 8)} app_cpu\n${out.join('\n')}\n`,
    );
  }
}

// ---------------------------------------------------------------- main
async function main() {
  const t0 = Date.now();
  if (opts.out) writeFileSync(opts.out, '');
  emit({
    type: 'meta',
    started: new Date().toISOString(),
    node: process.version,
    cpus: os.cpus().length,
    loadavg: os.loadavg().map(round2),
    apps: APPS.map((a) => ({ name: a.name, command: a.command })),
    scenarios: SCENARIOS,
    rounds: ROUNDS,
    duration_s: DURATION,
    warmup_s: WARMUP,
    connections: CONNECTIONS,
  });

  const redisUrl = await startRedis();
  log(`redis-server on ${redisUrl} (pid ${redis.child.pid})`);
  for (const app of APPS) {
    await startApp(app, redisUrl);
    log(`app ${app.name} on port ${app.port} (pid ${app.child.pid}): ${app.command}`);
  }

  const rows = [];
  for (let round = 1; round <= ROUNDS; round++) {
    for (const scenario of SCENARIOS) {
      for (const app of APPS) {
        log(`round ${round}/${ROUNDS} ${scenario} -> ${app.name}`);
        if (app.entry.exited) throw new Error(`app ${app.name} died:\n${app.logTail}`);
        rows.push(await runScenario(app, scenario, round));
      }
    }
  }
  report(rows);
  await shutdown();
  emit({ type: 'end', wall_s: round2((Date.now() - t0) / 1000), loadavg: os.loadavg().map(round2) });
}

main().then(() => process.exit(0), fail);
