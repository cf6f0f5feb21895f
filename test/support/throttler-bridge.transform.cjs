// Jest transform for @nestjs/throttler's CommonJS files (see throttler-bridge.ts): rewrites its
// require("@nestjs/common") / require("@nestjs/core") into a lookup of the ES module namespaces the bridge
// installed, since Jest's CommonJS loader refuses to require() an ES module before Node 24.9.
const { createHash } = process.getBuiltinModule('node:crypto');

const NEST_REQUIRE = /require\("(@nestjs\/(?:common|core))"\)/g;

module.exports = {
  process(source) {
    const code = source.replace(
      NEST_REQUIRE,
      (_match, id) => `globalThis[Symbol.for('jest.esm-bridge')](${JSON.stringify(id)})`,
    );
    return { code };
  },
  getCacheKey(source, path) {
    return createHash('sha256').update('throttler-bridge-1').update(path).update(source).digest('hex');
  },
};
