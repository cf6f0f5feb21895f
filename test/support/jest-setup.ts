// setupFiles of the integration project: runs in every spec's sandbox before the framework.
// Integration specs talk to real servers; nothing is mocked or patched here on purpose. Servers are started
// per spec through test/support (startRedis, startTopology, startApp, ...) and the shared PostgreSQL comes
// from globalSetup (TEST_PG_ADMIN_URL, read through pg-shared.ts).
if (!process.env.TEST_RUN_ID) {
  console.warn('[test] TEST_RUN_ID is not set: globalSetup did not run; leftovers are only reaped on exit');
}
export {};
