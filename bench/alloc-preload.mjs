// Loaded with --import by `npm run bench:alloc`: SIGUSR1 starts V8's sampling heap profiler with the
// objects later collected kept in the samples (so short-lived garbage counts, not only what survives),
// SIGUSR2 writes the profile to BENCH_ALLOC_OUT and exits. BENCH_ALLOC_SURVIVORS=1 leaves out what a
// minor GC collected: what is left is what outlived a scavenge (copied, then promoted), which is what
// makes scavenges slow.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';

const session = new Session();
session.connect();
process.once('SIGUSR1', () => {
  void session.post('HeapProfiler.startSampling', {
    samplingInterval: 256,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: process.env.BENCH_ALLOC_SURVIVORS !== '1',
  });
});
process.once('SIGUSR2', async () => {
  const { profile } = await session.post('HeapProfiler.stopSampling');
  writeFileSync(process.env.BENCH_ALLOC_OUT, JSON.stringify(profile));
  process.exit(0);
});
