// `npm run chaos`: the mixed workload against every fault, one table row each. Loopback only; about 3
// minutes on a 2-core machine, bounded under 10 (a phase budget and a run budget); stops by itself. Runs through Jest (jest.chaos.config.js) to
// reuse the TypeScript harness of test/support; `npm test` does not pick it up.
import { afterAll, describe, expect, it } from '@jest/globals';
import {
  clusterStage,
  faults,
  formatTable,
  runPhase,
  sentinelStage,
  standaloneStage,
  type ChaosRow,
  type Fault,
  type Stage,
} from './chaos-run.js';

const rows: ChaosRow[] = [];
const DURATION_MS = Number(process.env.CHAOS_PHASE_MS ?? 15_000);
/** No phase starts after this much of the run; each phase is cut at PHASE_TIMEOUT_MS: under 10 minutes. */
const RUN_BUDGET_MS = 7.5 * 60_000;
const PHASE_TIMEOUT_MS = 110_000;
const runStartedAt = Date.now();

function print(row: ChaosRow) {
  rows.push(row);
  process.stdout.write(`\n${formatTable([row])}\n`);
}

/** Every invariant that must hold whatever the fault. */
function holds(row: ChaosRow) {
  expect(row.overlaps).toBe(0);
  expect(row.paymentsDoubled).toBe(0);
  expect(row.paymentsLost).toBe(0);
  // The e-mail outbox re-adds what Redis lost: no acknowledged e-mail is lost, whatever the fault.
  expect(row.jobsLost).toBe(0);
  expect(row.unexpected5xx).toBe(0);
  expect(Number.isFinite(row.readySeconds)).toBe(true);
}

function phases(name: string, start: () => Promise<Stage>, list: Fault[]) {
  describe(name, () => {
    let stage: Stage;
    afterAll(async () => stage?.stop(), 30_000);
    list.forEach((fault, i) => {
      it(
        fault.name,
        async () => {
          if (Date.now() - runStartedAt > RUN_BUDGET_MS) throw new Error("the run's time budget is spent");
          stage ??= await start();
          const row = await runPhase(stage, fault, {
            durationMs: DURATION_MS,
            warmupMs: 3_000,
            catalogueIds: [100 + 10 * rows.length + 2 * i, 101 + 10 * rows.length + 2 * i],
          });
          print(row);
          holds(row);
          if (fault === faults.none) {
            expect(row.n503).toBe(0);
            expect(row.lockBusy).toBe(0);
            expect(row.staleReads).toBe(0);
          }
        },
        PHASE_TIMEOUT_MS,
      );
    });
  });
}

phases('Redis Cluster (3 masters + 3 replicas)', clusterStage, [
  faults.none,
  faults.clusterMigrate,
  faults.clusterKill,
]);
phases('Redis Sentinel', sentinelStage, [faults.sentinelKill]);
phases('standalone Redis, no persistence', standaloneStage, [
  faults.standaloneStall,
  faults.standaloneRestart,
  faults.lockLoss,
  faults.appKill,
]);

afterAll(() => {
  process.stdout.write(`\nchaos: every fault\n${formatTable(rows)}\n`);
});
