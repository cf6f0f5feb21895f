// Queue end-to-end latency, run by `npm run bench` after the autocannon scenarios: POST
// /bench/enqueue-e2e at a fixed rate for a few seconds, then read every job's timestamps back from Redis.
// e2e = finishedOn - timestamp (enqueue accepted by Redis -> completed by a worker); pickup = processedOn -
// timestamp (the wait before a worker took the job). Same machine, one clock, millisecond resolution.
import autocannon from 'autocannon';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';

const RATE = Number(process.env.BENCH_QUEUE_RATE ?? 200);
const DURATION = Number(process.env.BENCH_QUEUE_DURATION ?? 5);

function percentile(sorted, p) {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] : null;
}

/** Runs the fixed-rate scenario against `baseUrl` (the app's Redis on `redisPort`, key prefix `prefix`). */
export async function queueLatency(baseUrl, redisPort, prefix = 'app') {
  const connection = new Redis({ port: redisPort, maxRetriesPerRequest: null });
  const queue = new Queue('bench-e2e', { connection, prefix: `{${prefix}:q}` });
  try {
    const before = new Set((await queue.getJobs(['completed'], 0, -1)).map((j) => j.id));
    const result = await autocannon({
      url: `${baseUrl}/bench/enqueue-e2e`,
      method: 'POST',
      connections: 8,
      overallRate: RATE,
      duration: DURATION,
    });
    const accepted = result['2xx'];
    for (let i = 0; ; i++) {
      const { completed } = await queue.getJobCounts('completed');
      if (completed - before.size >= accepted) break;
      if (i > 300)
        throw new Error(`queue-e2e-latency: ${completed - before.size} of ${accepted} jobs completed`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const jobs = (await queue.getJobs(['completed'], 0, -1)).filter((j) => !before.has(j.id));
    const e2e = jobs.map((j) => j.finishedOn - j.timestamp).sort((a, b) => a - b);
    const pickup = jobs.map((j) => j.processedOn - j.timestamp).sort((a, b) => a - b);
    return {
      scenario: 'queue-e2e-latency',
      rate_per_s: RATE,
      duration_s: DURATION,
      jobs: jobs.length,
      non2xx: result.non2xx,
      enqueue_http_p50_ms: result.latency.p50,
      enqueue_http_p99_ms: result.latency.p99,
      pickup_p50_ms: percentile(pickup, 50),
      pickup_p99_ms: percentile(pickup, 99),
      e2e_p50_ms: percentile(e2e, 50),
      e2e_p99_ms: percentile(e2e, 99),
      e2e_max_ms: e2e.at(-1) ?? null,
    };
  } finally {
    await queue.close();
    connection.disconnect();
  }
}
