#!/usr/bin/env node
// `npm run bench:alloc`: one scenario (BENCH_ONLY, default `plain`) under autocannon with V8's sampling
// heap profiler on, short-lived objects included; prints the bytes allocated per request, by package and
// by function. Garbage collection is a large share of the CPU of every route (see bench:profile): this
// says who makes the garbage. BENCH_DURATION seconds (default 5), HTTP_ADAPTER as for bench;
// BENCH_APP=peers measures the peer app (bench/peers) instead.
import autocannon from 'autocannon';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cannonOptions, packageOf, root, startBench } from './harness.mjs';
import { scenarios } from './scenarios.mjs';

const name = process.env.BENCH_ONLY ?? 'plain';
const DURATION = Number(process.env.BENCH_DURATION ?? 5);
const TOP = Number(process.env.BENCH_TOP ?? 30);
const s = scenarios.find((x) => x.scenario === name);
if (!s) throw new Error(`no scenario ${name}: ${scenarios.map((x) => x.scenario).join(', ')}`);

const outDir = join(root, '.data/profiles');
mkdirSync(outDir, { recursive: true });
const out = join(outDir, `${name}-${Date.now()}.heapprofile`);
const preload = new URL('./alloc-preload.mjs', import.meta.url).pathname;
const bench = await startBench({
  nodeArgs: ['--import', preload],
  env: { BENCH_ALLOC_OUT: out },
  peers: process.env.BENCH_APP === 'peers',
});
let result;
try {
  await s.setup?.(bench.baseUrl);
  await autocannon({ ...cannonOptions(bench.baseUrl, s, 32), duration: 3 }); // JIT warm-up
  bench.app.kill('SIGUSR1');
  await new Promise((r) => setTimeout(r, 200));
  result = await autocannon({ ...cannonOptions(bench.baseUrl, s, 32), duration: DURATION });
  const exited = new Promise((r) => bench.app.once('exit', r));
  bench.app.kill('SIGUSR2');
  await exited;
} finally {
  await bench.cleanup();
}

// The sampled bytes are an estimate of all allocations (one sample per 256 bytes on average).
const profile = JSON.parse(readFileSync(out, 'utf8'));
const byFn = new Map();
const byPkg = new Map();
const visit = (node) => {
  if (node.selfSize) {
    const f = node.callFrame;
    const pkg = packageOf(f.url);
    const fn = `${f.functionName || '(anonymous)'} ${pkg}:${f.lineNumber + 1}`;
    byFn.set(fn, (byFn.get(fn) ?? 0) + node.selfSize);
    byPkg.set(pkg, (byPkg.get(pkg) ?? 0) + node.selfSize);
  }
  for (const child of node.children) visit(child);
};
visit(profile.head);
const requests = result.requests.total;
const total = [...byPkg.values()].reduce((a, b) => a + b, 0);
console.log(
  JSON.stringify({
    scenario: name,
    rps: Math.round(result.requests.average),
    requests,
    bytes_allocated_per_request: Math.round(total / requests),
    profile: out,
  }),
);
const show = (title, map, n) => {
  console.log(`\n${title}`);
  for (const [k, bytes] of [...map].sort((a, b) => b[1] - a[1]).slice(0, n)) {
    console.log(
      `${((bytes / total) * 100).toFixed(1).padStart(5)} %  ${String(Math.round(bytes / requests)).padStart(6)} B/req  ${k}`,
    );
  }
};
show('allocated by package', byPkg, 25);
show('allocated by function', byFn, TOP);
