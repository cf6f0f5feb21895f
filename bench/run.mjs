#!/usr/bin/env node
// `npm run bench`: starts its own redis-server and the built app (BENCH_ROUTES=1), drives each scenario
// with autocannon for several rounds and prints one JSON line per scenario, then the ratios to plain.
// Redis calls per request come from INFO commandstats deltas; CPU per request from /proc/<pid>/stat.
import autocannon from 'autocannon';
import { readFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { Redis } from 'ioredis';
import { benchAdapter, cannonOptions, median, startBench } from './harness.mjs';
import { scenarios } from './scenarios.mjs';
import { queueLatency } from './queue.mjs';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const DURATION = Number(process.env.BENCH_DURATION ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const ONLY = process.env.BENCH_ONLY?.split(',');
const CLK_TCK = 100;

function cpuMicros(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) / CLK_TCK) * 1e6;
}

async function commandCalls(redis) {
  const info = await redis.info('commandstats');
  let total = 0;
  // Script calls apart: commandstats also counts the commands a script runs inside, yet a script is one
  // round trip (an idempotent first call is 2 scripts, a replay 1).
  let scripts = 0;
  for (const m of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
    if (!['info', 'config', 'ping', 'client', 'hello', 'select'].includes(m[1])) total += Number(m[2]);
    if (['eval', 'evalsha', 'eval_ro', 'evalsha_ro', 'fcall', 'fcall_ro'].includes(m[1]))
      scripts += Number(m[2]);
  }
  return { total, scripts };
}

/**
 * Redis round trips per request, exactly: MONITOR lists every command a client sent, and marks the
 * commands a script ran inside with the source `lua`, so top-level commands are the round trips
 * (an upper bound when auto-pipelining batches some). Requests go one at a time; the app's background
 * traffic over an idle period of the same length is subtracted.
 */
async function roundTrips(redisPort, baseUrl, s, count = 100) {
  // A raw socket: MONITOR's feed is not a command reply stream, and a client library must not parse it.
  const socket = createConnection({ port: redisPort, host: '127.0.0.1' });
  let seen = 0;
  let buffer = '';
  socket.on('data', (chunk) => {
    buffer += chunk.toString('latin1');
    let nl;
    while ((nl = buffer.indexOf('\r\n')) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 2);
      if (line.startsWith('+') && line !== '+OK' && !/^\+[\d.]+ \[\d+ lua\]/.test(line)) seen++;
    }
  });
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.write('MONITOR\r\n');
  const send = async () => {
    let req = {
      method: s.method ?? 'GET',
      path: s.path,
      headers: { 'content-type': 'application/json', ...(s.headers ?? {}) },
      body: s.body,
    };
    const tpl = s.requests?.[0];
    if (tpl) req = { ...req, ...tpl, headers: { ...req.headers, ...(tpl.headers ?? {}) } };
    if (tpl?.setupRequest) req = tpl.setupRequest(req);
    const res = await fetch(baseUrl + (req.path ?? s.path), {
      method: req.method,
      headers: req.headers,
      body: req.body,
    });
    await res.arrayBuffer();
  };
  await new Promise((r) => setTimeout(r, 100));
  const started = Date.now();
  seen = 0;
  for (let i = 0; i < count; i++) await send();
  await new Promise((r) => setTimeout(r, 20));
  const busy = seen;
  const elapsed = Date.now() - started;
  seen = 0;
  await new Promise((r) => setTimeout(r, elapsed));
  const idle = seen;
  socket.destroy();
  return Math.max(0, Math.round(((busy - idle) / count) * 100) / 100);
}

const { app, baseUrl, redisPort, cleanup } = await startBench();

try {
  const redis = new Redis({ port: redisPort });
  const selected = scenarios.filter((s) => !ONLY || ONLY.includes(s.scenario));
  const rounds = new Map(selected.map((s) => [s.scenario, []]));
  for (const s of selected) await s.setup?.(baseUrl);

  const cannon = (s) => cannonOptions(baseUrl, s, CONNECTIONS);
  // Warm every route once before any round: the first scenario measured must not pay for JIT alone.
  for (const s of selected) await autocannon({ ...cannon(s), duration: 2 });

  for (let round = 0; round < ROUNDS; round++) {
    for (const s of selected) {
      const opts = cannon(s);
      await autocannon({ ...opts, duration: 1 }); // warm-up: JIT, connection pools, caches
      const calls0 = await commandCalls(redis);
      const cpu0 = cpuMicros(app.pid);
      const result = await autocannon({ ...opts, duration: DURATION });
      const cpu1 = cpuMicros(app.pid);
      const calls1 = await commandCalls(redis);
      const requests = result.requests.total;
      rounds.get(s.scenario).push({
        scenario: s.scenario,
        rps: Math.round(result.requests.average),
        p50_ms: result.latency.p50,
        p99_ms: result.latency.p99,
        non2xx: result.non2xx,
        redis_commands_per_request:
          Math.round(((calls1.total - calls0.total) / Math.max(requests, 1)) * 100) / 100,
        redis_scripts_per_request:
          Math.round(((calls1.scripts - calls0.scripts) / Math.max(requests, 1)) * 100) / 100,
        app_cpu_us_per_request: Math.round((cpu1 - cpu0) / Math.max(requests, 1)),
      });
    }
  }

  const trips = new Map();
  for (const s of selected) trips.set(s.scenario, await roundTrips(redisPort, baseUrl, s));

  const summary = [];
  for (const list of rounds.values()) {
    const byRps = [...list].sort((a, b) => a.rps - b.rps);
    const mid = byRps[Math.floor(byRps.length / 2)];
    const ratios = list.map((r, i) => r.rps / rounds.get('plain')[i].rps);
    const line = {
      adapter: benchAdapter,
      ...mid,
      redis_calls_per_request: trips.get(mid.scenario),
      ratio_to_plain: Math.round(median(ratios) * 100) / 100,
      rounds: list.length,
    };
    summary.push(line);
    console.log(JSON.stringify(line));
  }
  console.log(`\nHTTP adapter: ${benchAdapter}`);
  console.log(
    '| scenario | rps | p50 ms | p99 ms | non2xx | Redis round trips/req | Lua calls/req | commands/req (incl. in scripts) | app CPU us/req | ratio to plain |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  for (const l of summary) {
    console.log(
      `| ${l.scenario} | ${l.rps} | ${l.p50_ms} | ${l.p99_ms} | ${l.non2xx} | ${l.redis_calls_per_request} | ${l.redis_scripts_per_request} | ${l.redis_commands_per_request} | ${l.app_cpu_us_per_request} | ${l.ratio_to_plain} |`,
    );
  }
  // --- queue: end-to-end latency at a fixed rate (bench/queue.mjs) ---
  if (!ONLY || ONLY.includes('queue-e2e-latency')) {
    console.log(JSON.stringify(await queueLatency(baseUrl, redisPort)));
  }
  // --- end queue ---
  redis.disconnect();
} finally {
  await cleanup();
}
