// @nestjs/throttler under Jest: throttler 6.7.1 is CommonJS and require()s the ES-module-only
// @nestjs/common and @nestjs/core. Plain Node 20.19+ allows that (the built app runs), Jest's CommonJS loader
// refuses it before Node 24.9. Chosen bridge, wired in jest.config.js: `@nestjs/throttler` maps to this
// module, which first installs the ES namespaces of @nestjs/common and @nestjs/core (the very instances the
// spec imports, so Reflector and the DI tokens are shared), then loads throttler's CommonJS build, whose two
// require() calls throttler-bridge.transform.cjs rewrote into a lookup of them. Only specs that import
// throttler (directly or through a module such as RateLimitModule or HealthModule) pay for it.
// Dynamic imports, in this order: Jest runs a CommonJS dependency at link time, before any ES module body.
const bridge = Symbol.for('jest.esm-bridge');
const g = globalThis as unknown as Record<symbol, (id: string) => unknown>;
if (!g[bridge]) {
  const modules: Record<string, unknown> = {
    '@nestjs/common': await import('@nestjs/common'),
    '@nestjs/core': await import('@nestjs/core'),
  };
  g[bridge] = (id: string) => modules[id];
}
const { default: throttler } = await import('@nestjs/throttler/dist/index.js');

// The runtime exports of @nestjs/throttler 6.7.1 (an ES module must name its exports statically).
export const {
  getOptionsToken,
  getStorageToken,
  DEFAULT_IPV6_SUBNET_PREFIX,
  normalizeIp,
  ThrottlerStorage,
  Throttle,
  SkipThrottle,
  InjectThrottlerOptions,
  InjectThrottlerStorage,
  throttlerMessage,
  ThrottlerException,
  ThrottlerGuard,
  ThrottlerModule,
  DEFAULT_SWEEP_INTERVAL,
  ThrottlerStorageService,
  seconds,
  minutes,
  hours,
  days,
  weeks,
} = throttler;
