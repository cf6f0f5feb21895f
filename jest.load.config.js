// `npm run load` (all) or `npm run load:graphql`: the integration project (same transform, harness, globalSetup) narrowed to the
// load checks, test/**/*.load.ts, which `npm test` does not match (they take minutes, not seconds).
import base from './jest.config.js';

const integration = base.projects.find((p) => p.displayName === 'integration');

/** @type {import('jest').Config} */
export default {
  ...integration,
  displayName: 'load',
  testMatch: ['<rootDir>/test/**/*.load.ts'],
  testTimeout: 600_000,
  reporters: ['default'],
};
