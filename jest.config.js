// Jest runs in native ESM mode (node --experimental-vm-modules); @swc/jest emits decorator metadata.
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2023',
    },
    module: { type: 'es6' },
  },
];

// @nestjs/throttler (CommonJS requiring ES-module-only Nest) goes through a bridge: test/support/throttler-bridge.ts.
const common = {
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: {
    '^(\\.{1,2}/.*)\\.js$': '$1',
    '^@nestjs/throttler$': '<rootDir>/test/support/throttler-bridge.ts',
  },
  transform: {
    '^.+\\.ts$': swc,
    '/@nestjs/throttler/dist/.+\\.js$': '<rootDir>/test/support/throttler-bridge.transform.cjs',
  },
  transformIgnorePatterns: ['/node_modules/(?!@nestjs/throttler/)'],
  testEnvironment: 'node',
};

/** @type {import('jest').Config} */
export default {
  // A global option (ignored inside projects): integration tests start real servers.
  testTimeout: 60_000,
  reporters: ['default', '<rootDir>/test/support/summary-reporter.cjs'],
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/src/**/*.spec.ts'] },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/**/*.spec.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
      setupFiles: ['<rootDir>/test/support/jest-setup.ts'],
    },
  ],
};
