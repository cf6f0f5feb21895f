// `npm run chaos`: the integration project (same transform, harness, globalSetup) narrowed to the chaos
// run, test/chaos/*.chaos.ts, which `npm test` does not match.
import base from './jest.config.js';

const integration = base.projects.find((p) => p.displayName === 'integration');

/** @type {import('jest').Config} */
export default {
  ...integration,
  displayName: 'chaos',
  testMatch: ['<rootDir>/test/chaos/**/*.chaos.ts'],
  reporters: ['default'],
};
