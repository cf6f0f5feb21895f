// CI's short chaos run: the mixed workload on a healthy Redis Cluster (0 x 503, no lock-busy), then a
// Cluster master kill -9 with replica promotion; every invariant of `npm run chaos` is checked on both.
// The full run (every fault of docs/RELIABILITY.md) is `npm run chaos`.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { clusterStage, faults, formatTable, runPhase, type ChaosRow, type Stage } from './chaos-run.js';

describe('chaos (short): Cluster healthy, then a master kill -9', () => {
  let stage: Stage;
  const rows: ChaosRow[] = [];

  beforeAll(async () => {
    stage = await clusterStage();
  }, 120_000);

  afterAll(async () => {
    if (rows.length) process.stdout.write(`\n${formatTable(rows)}\n`);
    await stage?.stop();
  }, 60_000);

  const holds = (row: ChaosRow) => {
    expect(row.overlaps).toBe(0);
    expect(row.paymentsDoubled).toBe(0);
    expect(row.paymentsLost).toBe(0);
    expect(row.jobsLost).toBe(0);
    expect(row.unexpected5xx).toBe(0);
    expect(row.bookingsCreated).toBeGreaterThan(0);
    expect(row.readPairs).toBeGreaterThan(0);
  };

  it('healthy Cluster: every invariant, no 503, no lock-busy, no stale read, every job done', async () => {
    const row = await runPhase(stage, faults.none, {
      durationMs: 8_000,
      warmupMs: 1_000,
      catalogueIds: [11, 12],
    });
    rows.push(row);
    holds(row);
    expect(row.n503).toBe(0);
    expect(row.lockBusy).toBe(0);
    expect(row.staleReads).toBe(0);
    expect(row.jobsLost).toBe(0);
    expect(row.readySeconds).toBe(0);
  }, 120_000);

  it('Cluster master kill -9: every invariant holds, ready again within 20 s', async () => {
    const row = await runPhase(stage, faults.clusterKill, {
      durationMs: 12_000,
      warmupMs: 2_000,
      catalogueIds: [13, 14],
    });
    rows.push(row);
    holds(row);
    expect(row.readySeconds).toBeLessThan(20);
  }, 180_000);
});
