#!/usr/bin/env node
// `npm run bench:profile`: one scenario (BENCH_ONLY, default `plain`) under autocannon with the app
// running --cpu-prof; prints where the app's CPU went (self time by function and by package) and leaves
// the .cpuprofile for Chrome DevTools / speedscope. BENCH_DURATION seconds (default 10). BENCH_APP=peers
// profiles the peer app (bench/peers) instead, for a side-by-side.
import autocannon from 'autocannon';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cannonOptions, packageOf, root, startBench } from './harness.mjs';
import { scenarios } from './scenarios.mjs';

const name = process.env.BENCH_ONLY ?? 'plain';
const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const TOP = Number(process.env.BENCH_TOP ?? 30);
const s = scenarios.find((x) => x.scenario === name);
if (!s) throw new Error(`no scenario ${name}: ${scenarios.map((x) => x.scenario).join(', ')}`);

const outDir = join(root, '.data/profiles', `${name}-${Date.now()}`);
mkdirSync(outDir, { recursive: true });
const preload = new URL('./profile-preload.mjs', import.meta.url).pathname;
const bench = await startBench({
  nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${outDir}`, '--import', preload],
  peers: process.env.BENCH_APP === 'peers',
});
let result;
try {
  await s.setup?.(bench.baseUrl);
  await autocannon({ ...cannonOptions(bench.baseUrl, s, CONNECTIONS), duration: 3 }); // JIT warm-up
  result = await autocannon({ ...cannonOptions(bench.baseUrl, s, CONNECTIONS), duration: DURATION });
  const exited = new Promise((r) => bench.app.once('exit', r));
  bench.app.kill('SIGUSR2');
  await exited;
} finally {
  await bench.cleanup();
}

const file = readdirSync(outDir).find((f) => f.endsWith('.cpuprofile'));
if (!file) throw new Error(`no profile written in ${outDir}`);
const profile = JSON.parse(readFileSync(join(outDir, file), 'utf8'));

// Self time per node over the measured window only (the profile also holds boot and warm-up): the
// window is the last DURATION seconds before the exit, which follows the measurement at once. Idle
// samples are left out, so shares are of the CPU the app used.
const selfUs = new Map();
const ends = [];
let t = profile.startTime;
for (const d of profile.timeDeltas) ends.push((t += d));
const from = profile.endTime - DURATION * 1e6;
const idle = new Set(profile.nodes.filter((n) => n.callFrame.functionName === '(idle)').map((n) => n.id));
profile.samples.forEach((id, i) => {
  if (ends[i] >= from && !idle.has(id)) selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
});
const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
const byFn = new Map();
const byPkg = new Map();
for (const node of profile.nodes) {
  const us = selfUs.get(node.id) ?? 0;
  if (!us) continue;
  const f = node.callFrame;
  const pkg = packageOf(f.url);
  const fn = `${f.functionName || '(anonymous)'} ${pkg}:${f.lineNumber + 1}`;
  byFn.set(fn, (byFn.get(fn) ?? 0) + us);
  byPkg.set(pkg, (byPkg.get(pkg) ?? 0) + us);
}
const requests = result.requests.total;
const show = (title, map, n) => {
  console.log(`\n${title}`);
  for (const [k, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, n)) {
    console.log(
      `${((us / total) * 100).toFixed(1).padStart(5)} %  ${(us / requests).toFixed(1).padStart(6)} us/req  ${k}`,
    );
  }
};
console.log(
  JSON.stringify({
    scenario: name,
    rps: Math.round(result.requests.average),
    requests,
    app_cpu_us_per_request: Math.round(total / requests),
    profile: join(outDir, file),
  }),
);
show('self time by package', byPkg, 25);
show('self time by function', byFn, TOP);
